package main

import (
	"log/slog"
	"time"

	"github.com/tlskit/tlskit/internal/logsafe"
	"github.com/tlskit/tlskit/server"
)

// socketModes are the --mode values of the tcp and tls protocols.
var socketModes = []string{"echo", "line", "broadcast"}

// sendTimeout is --send-timeout's default: how long a connection's send
// queue may stay full (its client does not read) before the client is
// disconnected, in every mode.
const sendTimeout = 30 * time.Second

// startSocketServer starts a tcp or tls server (package server) in the
// configured mode.
func startSocketServer(sc *serveConfig) (service, error) {
	var srv *server.Server
	opts := sc.serverOptions()
	switch sc.mode {
	case "echo":
		opts.DefaultTimeout = sc.sendTimeout()
		opts.Events.OnDataIn = func(c *server.Conn, text []byte, _ bool) {
			send(sc.connLogger(), c, text)
		}
	case "line":
		opts.DefaultEOL = []byte("\n")
		opts.DefaultTimeout = sc.sendTimeout()
		opts.Events.OnDataIn = func(c *server.Conn, text []byte, eol bool) {
			send(sc.connLogger(), c, withEOL(text, eol))
		}
	case "broadcast":
		// Sends never block: one slow reader must not stall everyone.
		opts.DefaultEOL = []byte("\n")
		opts.Events.OnDataIn = func(_ *server.Conn, text []byte, eol bool) {
			msg := withEOL(text, eol)
			for c := range srv.Connections() {
				if c.Connected() {
					send(sc.connLogger(), c, msg)
				}
			}
		}
	}
	srv, err := server.New(opts)
	if err != nil {
		return nil, err
	}
	if err := srv.StartListening(); err != nil {
		srv.Close()
		return nil, err
	}
	return srv, nil
}

// serverOptions are the listener and TCP/TLS settings every protocol
// shares, with connections logged.
func (sc *serveConfig) serverOptions() server.Options {
	opts := server.Options{
		LocalHost:                sc.host,
		LocalPort:                sc.port,
		UseIPv6:                  server.Family(sc.useIPv6),
		MaxConnections:           sc.maxConns,
		MaxConnectionsPerAddress: sc.maxConnsPerAddr,
		DefaultIdleTimeout:       sc.idleTimeout,
		StallTimeout:             sc.sendTimeout(), // every mode: a client that does not read is reset
		TLSConfig:                sc.tls,
		Engine:                   server.Engine(sc.engine),
		Events:                   logEvents(sc.connLogger()),
		ProxyProtocol:            sc.proxy,
		ProxyFrom:                sc.proxyFrom,
		BlockedClients:           sc.blocked,
		// The server's own records, whatever the flags: the connections
		// refused and why (the limits, the access lists, a balancer's
		// failed header: none reaches the events), failed handshakes,
		// connection and accept errors; the events log none of these.
		Logger: sc.connLogger(),
	}
	if sc.metrics != nil {
		opts.Observer = sc.metrics
	}
	if sc.tls != nil {
		opts.DefaultConnectionTimeout = sc.handshakeTimeout
	}
	return opts
}

// withEOL adds back the "\n" the line framing removed.
func withEOL(text []byte, eol bool) []byte {
	if !eol {
		return text
	}
	return append(append(make([]byte, 0, len(text)+1), text...), '\n')
}

// send queues p on c; a connection that cannot take it (it does not read)
// is disconnected, so that no data is silently lost for it.
func send(log *slog.Logger, c *server.Conn, p []byte) {
	if _, err := c.Send(p); err != nil && sendFailed(log, c.ConnectionID(), err) {
		c.Reset()
	}
}

// logEvents logs each connection's life to log, once per cause: a
// connection whose handshake failed gets only the server's record of it
// (server.Options.Logger logs the errors, serverOptions). What the peer
// sent (server name, ALPN protocol, certificate subject, error texts) is
// escaped and cut.
func logEvents(log *slog.Logger) server.Events {
	failed := new(failedHandshakes)
	return server.Events{
		OnConnected: func(c *server.Conn) {
			attrs := []any{"id", c.ConnectionID(), "remote", c.RemoteAddr().String()}
			if info, ok := c.TLS(); ok {
				attrs = append(attrs, "version", info.VersionName, "cipher", info.CipherSuiteName,
					"group", info.GroupName)
				if info.ALPN != "" {
					attrs = append(attrs, "alpn", logsafe.String(info.ALPN))
				}
				if info.ServerName != "" {
					attrs = append(attrs, "sni", logsafe.String(info.ServerName))
				}
				if info.DidResume {
					attrs = append(attrs, "resumed", true)
				}
				if len(info.PeerCertificates) > 0 {
					attrs = append(attrs, "client", logsafe.String(info.PeerCertificates[0].Subject.String()))
				}
			}
			log.Info("connected", attrs...)
		},
		OnDisconnected: func(c *server.Conn, err error) {
			if failed.take(c.ConnectionID()) {
				return
			}
			reason := "OK"
			if err != nil {
				reason = err.Error()
			}
			log.Info("disconnected", "id", c.ConnectionID(), "status", server.Code(err), "reason", logsafe.String(reason))
		},
		// The server's Logger logs the errors (serverOptions): a failed
		// handshake at Info, its only record.
		OnError: func(c *server.Conn, err error) {
			if c != nil && handshakeFailure(err) {
				failed.add(c.ConnectionID())
			}
		},
	}
}
