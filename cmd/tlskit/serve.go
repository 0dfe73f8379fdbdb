package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"github.com/tlskit/tlskit/certs"
	"github.com/tlskit/tlskit/metrics"
	"github.com/tlskit/tlskit/tlsconf"
	"github.com/tlskit/tlskit/topics/natsbus"
	"github.com/tlskit/tlskit/ws"
)

// Defaults of serve.
const (
	defaultServeProto   = "wss"
	defaultServeListen  = "127.0.0.1:8443"
	defaultShutdownWait = 5 * time.Second
	// defaultIdleTimeout disconnects a client that neither sends nor reads
	// anything for this long, so that idle connections do not fill
	// --max-conns; the library's default is no limit.
	defaultIdleTimeout = 5 * time.Minute
	// defaultMaxConnsPerAddr keeps one host from taking every connection
	// slot; the library's default is no limit.
	defaultMaxConnsPerAddr = 100
)

// serveProto is one protocol serve speaks: adding a protocol is adding an
// entry to serveProtos.
type serveProto struct {
	secure bool     // needs a certificate; the URL scheme is the protocol's name
	modes  []string // the --mode values it accepts, the first is the default
	// websocket: the URL ends with --path, and --handshake-timeout bounds
	// the upgrade (TLS included) even without TLS.
	websocket bool
	start     func(sc *serveConfig) (service, error)
}

// serveProtos is the table of protocols, by --proto name. It is never
// modified.
var serveProtos = map[string]serveProto{
	"tcp": {secure: false, modes: socketModes, start: startSocketServer},
	"tls": {secure: true, modes: socketModes, start: startSocketServer},
	"ws":  {secure: false, modes: wsModes, websocket: true, start: startWSServer},
	"wss": {secure: true, modes: wsModes, websocket: true, start: startWSServer},
}

// service is a running server of any protocol.
type service interface {
	Addr() net.Addr
	Shutdown(ctx context.Context) error
	Close() error
}

// serveConfig is what a protocol's starter gets: the checked flags.
type serveConfig struct {
	proto            string
	mode             string
	path             string // the WebSocket's path (ws, wss)
	host             string
	port             int
	useIPv6          int
	tls              *tls.Config // nil for plain protocols, with ClientAuth set
	maxConns         int
	maxConnsPerAddr  int
	idleTimeout      time.Duration
	handshakeTimeout time.Duration
	engine           string
	log              *slog.Logger
	connLog          *slog.Logger     // the connections' records: log, rate-limited (nil: log; see connLogger)
	sendWait         time.Duration    // how long a send queue may stay full before its client is disconnected (0: sendTimeout)
	metrics          *metrics.Metrics // --metrics, nil without
	noDeflate        bool             // ws, wss: --deflate=false, no permessage-deflate
	maxMessage       int64            // ws, wss: the largest message accepted (0: ws.DefaultMaxMessageSize)
	proxy            bool             // --proxy-protocol
	proxyFrom        []netip.Prefix   // --proxy-from (nil: loopback)
	blocked          string           // --blocked-clients
	nats             natsFlags        // --nats, --nats-creds
	bus              *natsbus.Bus     // with --nats (connectNATS)
	tag              string           // with --nats: "@" and this process's tag (connName)
}

func (sc *serveConfig) sendTimeout() time.Duration {
	if sc.sendWait > 0 {
		return sc.sendWait
	}
	return sendTimeout
}

type serveFlags struct {
	cert loadFlags
	tlsFlags
	acme             acmeFlags
	proto            string
	mode             string
	path             string
	listen           string
	certFile         string
	clientAuth       string
	clientCA         string
	maxConns         int
	maxConnsPerAddr  int
	idleTimeout      time.Duration
	handshakeTimeout time.Duration
	sendTimeout      time.Duration
	shutdownWait     time.Duration
	engine           string
	reloadCert       time.Duration
	metricsAddr      string
	deflate          bool
	maxMessage       int64
	proxy            bool
	proxyFrom        string
	blocked          string
	nats             natsFlags
}

// maxMessageLimit is the largest --max-message-size: each connection may
// hold a whole message of that size.
const maxMessageLimit = 1 << 30

func newServeCmd() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run an echo, broadcast or chat server over WebSocket, TCP or TLS",
		Long: `Run a server until Ctrl-C. The first line printed is the URL it serves, the
second (for TLS and wss) the SHA-256 fingerprint of its certificate;
connections are logged to stderr (what clients send escaped and cut, at most
100 connection records at once and 10 a second, with a count of the others).
Without --cert the server uses a certificate generated in memory for
localhost, 127.0.0.1 and ::1.

--acme NAME[,NAME] gets the certificate from an ACME CA instead (Let's
Encrypt by default, its staging directory with --acme-staging, any other
with --acme-dir): the CA validates each name by connecting to it on port
443 (TLS-ALPN-01), so the names must resolve to this host and the server
listen on 443 (--listen :443); with --acme-http :80 it connects to port
80 instead (HTTP-01), where the server answers. The URL is printed once
the first certificate is there. It is kept in --acme-cache (files 0600)
for the next start and renewed while serving (by default a third of its
lifetime before it expires; new connections get the renewed one); a
failed attempt keeps the current certificate and is retried after
--acme-retry (1 minute), doubling up to an hour.

Protocols: wss (the default) and ws are WebSocket over TLS and over TCP, at
--path; every GET that is not a WebSocket upgrade, whatever its path, gets a
web page that talks to the WebSocket (https://127.0.0.1:8443/ by default).
The page's ?selftest=N (https://127.0.0.1:8443/?selftest=5) sends N text
messages and a binary one once connected and shows "selftest ok" when all
have come back, for checking a server from a browser.
tls and tcp carry raw bytes.

WebSocket modes (ws, wss):
  echo       every message is sent back, text as text and binary as binary.
  broadcast  every message is sent to every connection, the sender included.
  chat       like broadcast, with text messages prefixed by the sender's
             connection id ("3: hello"), and "3 joined" / "3 left" notices;
             a new connection is told its id first ("you are 3").
  pubsub     topics: a client sends {"subscribe":"news.*"} (answered
             {"subscribed":"news.*"}), {"unsubscribe":"news.*"} and
             {"publish":"news.eu","data":...} text messages, and every
             subscriber of a matching pattern (NATS subjects: "*" one token,
             ">" the rest) gets {"topic":"news.eu","data":...}, once.
             With --nats URL (broadcast, chat, pubsub) every server started
             with the same NATS shares them: a message reaches the clients of
             all; chat ids then carry the process's tag ("3@a1f2b3c4").
             A client that offers the subprotocol "chat" gets it (as one
             that offers "echo" or "broadcast" does in those modes).
             A connection that does not read (its send queue stays full
             for --send-timeout) is disconnected in every mode; in broadcast
             and chat, one that reads too slowly to keep up (more than
             128 KiB of messages waiting for it) is closed with 1008.

TCP and TLS modes (tcp, tls):
  echo       every byte received is sent back as it arrives.
  line       data is cut into lines ending in "\n"; each line is sent back,
             with its "\n", once it is complete ("\r\n" comes back as "\r\n").
             A line longer than 2048 bytes is sent back in pieces of at most
             2048 bytes. An unterminated last line is sent back when the client
             ends its side of the connection, which the server then closes.
  broadcast  data is cut into lines as in line mode and every line received
             is sent to every connection, the sender included. A connection
             that does not read fast enough (64 KiB queued) is disconnected.
             In every mode, a connection that does not read (its send queue
             stays full for --send-timeout) is disconnected.

WebSocket limits (ws, wss): a message is held whole before it is echoed or
broadcast, so each connection may hold up to --max-message-size bytes (32 MiB
by default); a larger message, counted after decompression, closes the
connection with 1009 (message too big) as soon as it goes over. Compressed
messages (permessage-deflate, used when the client offers it) cost CPU to
inflate in proportion to their inflated size: --deflate=false turns
compression off, and a smaller --max-message-size bounds both.

Limits, so that no client starves the others: the whole handshake (TLS and
the WebSocket upgrade) must end within --handshake-timeout of the connect,
however slowly its bytes come; one address (an IPv6 /64) holds at most
--max-conns-per-addr connections; a connection that sends and receives
nothing for --idle-timeout is closed. When --max-conns is reached, a new
connection takes the place of one whose handshake has run for a second or
more, or else is refused. Refused ws clients get 503 with Retry-After; tcp,
tls and wss ones a reset.

Behind a load balancer (HAProxy's send-proxy or send-proxy-v2, and the
like): --proxy-protocol reads the PROXY protocol header (version 1 or 2) that
the balancers at --proxy-from send before each client's bytes, so that the
logs, --max-conns-per-addr and --blocked-clients see the client's address.
Without --proxy-from only loopback (127.0.0.0/8 and ::1) is trusted. A
connection from a balancer without a valid header within --handshake-timeout
(tls, wss; 10 seconds for tcp, ws) is reset, and so is one from anyone else
that sends a header.

In the tcp and tls modes the server closes a connection once the client has
ended its side (TCP FIN or TLS close_notify) and the answers are sent.
Ctrl-C (SIGINT) or SIGTERM stops listening, lets queued answers go out for up
to --shutdown-timeout, closes every connection (WebSockets with 1001, going
away) and exits with status 0.`,
		Example: `  tlskit serve                                   # wss echo on 127.0.0.1:8443, page at https://127.0.0.1:8443/
  tlskit serve --proto ws --mode chat --listen 127.0.0.1:8080 --path /chat
  tlskit serve --proto tls                        # TLS echo of raw bytes
  tlskit serve --proto tcp --mode line --listen 127.0.0.1:7000
  tlskit serve --mode broadcast --listen :8443 --max-conns 100
  tlskit serve --proto ws --mode chat --listen :8081 --nats nats://127.0.0.1:4222   # one chat over servers
  tlskit serve --cert server.pfx --password secret --alpn h2,http/1.1
  tlskit serve --cert cert.pem --key key.pem --client-auth require --client-ca ca.pem
  tlskit serve --cert cert.pem --key key.pem --reload-cert 1m   # follows renewals
  tlskit serve --listen :443 --acme example.com,www.example.com --acme-email ops@example.com
  tlskit serve --proto ws --max-message-size 65536 --deflate=false   # hardened for small messages
  tlskit serve --metrics 127.0.0.1:9090           # Prometheus metrics at http://127.0.0.1:9090/metrics
  tlskit serve --listen 127.0.0.1:0 --keylog keys.log   # port chosen by the system
  tlskit serve --proto tls --proxy-protocol --proxy-from 10.0.0.0/8   # behind HAProxy send-proxy-v2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runServe(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.proto, "proto", defaultServeProto, "protocol: "+strings.Join(slices.Sorted(maps.Keys(serveProtos)), ", "))
	fl.StringVar(&f.mode, "mode", "echo", "what the server does with data: echo, broadcast, chat, pubsub (ws, wss) or echo, line, broadcast (tcp, tls)")
	fl.StringVar(&f.path, "path", "/", "the WebSocket's path (ws, wss)")
	fl.StringVar(&f.listen, "listen", defaultServeListen, "address to listen on, HOST:PORT (port 0: the system picks; :PORT every IPv4 interface, [::]:PORT every IPv6 one)")
	fl.StringVar(&f.certFile, "cert", "", "certificate and key in any format (PEM, PFX, JKS, ...; default: generated in memory)")
	f.cert.register(cmd, "certificate store")
	fl.StringVar(&f.clientAuth, "client-auth", "none", "client certificates: none, request (verified against --client-ca when given) or require")
	fl.StringVar(&f.clientCA, "client-ca", "", "CA certificates (any format) that client certificates must chain to")
	f.tlsFlags.register(cmd)
	f.acme.register(cmd)
	f.nats.register(cmd)
	fl.IntVar(&f.maxConns, "max-conns", 0, "most simultaneous connections, handshakes included (default 1000, -1: no limit)")
	fl.IntVar(&f.maxConnsPerAddr, "max-conns-per-addr", defaultMaxConnsPerAddr, "most simultaneous connections from one client address (IPv6: one /64), handshakes included; ws clients beyond it get 503 with Retry-After (0: no limit)")
	fl.DurationVar(&f.idleTimeout, "idle-timeout", defaultIdleTimeout, "disconnect connections that send and receive nothing this long (0: never)")
	fl.DurationVar(&f.sendTimeout, "send-timeout", sendTimeout, "disconnect a client that does not read: its send queue stayed full this long (every mode)")
	fl.DurationVar(&f.handshakeTimeout, "handshake-timeout", 10*time.Second, "deadline of the whole handshake, counted from the connect: the TLS handshake (tls, wss) and the WebSocket upgrade (ws, wss)")
	fl.DurationVar(&f.shutdownWait, "shutdown-timeout", defaultShutdownWait, "on Ctrl-C, how long to wait for queued data before resetting connections")
	fl.StringVar(&f.metricsAddr, "metrics", "", "serve Prometheus metrics at http://HOST:PORT/metrics (connections, handshakes, bytes, messages, errors by reason, message sizes)")
	fl.DurationVar(&f.reloadCert, "reload-cert", 0, "check --cert (and --key) this often and use a renewed certificate for new connections (default: never)")
	fl.BoolVar(&f.deflate, "deflate", true, "ws, wss: compress messages (permessage-deflate) for clients that offer it; --deflate=false never does")
	fl.Int64Var(&f.maxMessage, "max-message-size", ws.DefaultMaxMessageSize, "ws, wss: the largest message accepted, in bytes after decompression (1 to "+strconv.Itoa(maxMessageLimit)+"); a larger one closes the connection with 1009")
	fl.BoolVar(&f.proxy, "proxy-protocol", false, "read the PROXY protocol header (v1, v2) of connections from --proxy-from: the client's address is the one it names")
	fl.StringVar(&f.proxyFrom, "proxy-from", "", "with --proxy-protocol: the load balancers trusted to send the header, addresses or CIDR prefixes, comma-separated (default: loopback only, 127.0.0.0/8 and ::1)")
	fl.StringVar(&f.blocked, "blocked-clients", "", "refuse clients at these addresses: comma-separated addresses, '*' wildcards or CIDR prefixes (\"192.0.2.*,2001:db8::/32\")")
	fl.StringVar(&f.engine, "engine", "", `I/O engine: "auto" (default: epoll on Linux, portable elsewhere), "epoll" or "portable"`)
	return cmd
}

// tlsOnlyFlags are serve's flags that make no sense without TLS.
var tlsOnlyFlags = slices.Concat([]string{"cert", "key", "password", "subject", "store-type",
	"client-auth", "client-ca", "handshake-timeout"}, tlsFlagNames, acmeFlagNames)

// check rejects unknown values and conflicting flags before anything starts.
func (f *serveFlags) check(cmd *cobra.Command, p serveProto) error {
	if !slices.Contains(p.modes, f.mode) {
		return fmt.Errorf("--mode %q: --proto %s takes %s", f.mode, f.proto, strings.Join(p.modes, ", "))
	}
	if err := f.nats.check(p, f.mode); err != nil {
		return err
	}
	if p.websocket {
		if err := checkPath(f.path); err != nil {
			return err
		}
		if f.maxMessage < 1 || f.maxMessage > maxMessageLimit {
			return fmt.Errorf("--max-message-size %d: want 1 to %d bytes", f.maxMessage, maxMessageLimit)
		}
	} else {
		for _, name := range []string{"path", "deflate", "max-message-size"} {
			if cmd.Flags().Changed(name) {
				return fmt.Errorf("--%s is for WebSocket: --proto %s has no messages or paths; use --proto ws or wss", name, f.proto)
			}
		}
	}
	if !p.secure {
		for _, name := range tlsOnlyFlags {
			if name == "handshake-timeout" && p.websocket {
				continue
			}
			if cmd.Flags().Changed(name) {
				return fmt.Errorf("--%s needs TLS, but --proto %s is plain: use --proto %s", name, f.proto, secureTwin(f.proto))
			}
		}
		return f.checkTimeouts()
	}
	switch f.clientAuth {
	case "none":
		if f.clientCA != "" {
			return errors.New("--client-ca has no effect with --client-auth none: add --client-auth request or require")
		}
	case "request":
	case "require":
		if f.clientCA == "" {
			return errors.New("--client-auth require needs --client-ca FILE, the CA that issued the client certificates")
		}
	default:
		return fmt.Errorf("--client-auth %q: use none, request or require", f.clientAuth)
	}
	if f.reloadCert < 0 {
		return errors.New("--reload-cert must not be negative")
	}
	if err := f.acme.check(cmd); err != nil {
		return err
	}
	if f.certFile == "" {
		for _, name := range []string{"key", "password", "subject", "store-type", "reload-cert"} {
			if cmd.Flags().Changed(name) {
				return fmt.Errorf("--%s needs --cert", name)
			}
		}
	}
	return f.checkTimeouts()
}

func (f *serveFlags) checkTimeouts() error {
	if f.handshakeTimeout < 0 || f.idleTimeout < 0 || f.shutdownWait < 0 {
		return errors.New("timeouts must not be negative")
	}
	if f.sendTimeout <= 0 {
		return errors.New("--send-timeout must be positive: a client that never reads would hold its send queue for ever")
	}
	if f.maxConnsPerAddr < 0 {
		return errors.New("--max-conns-per-addr must not be negative (0: no limit)")
	}
	if f.proxyFrom != "" && !f.proxy {
		return errors.New("--proxy-from needs --proxy-protocol")
	}
	return nil
}

// parseProxyFrom parses --proxy-from: addresses and CIDR prefixes,
// comma-separated.
func parseProxyFrom(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for e := range strings.SplitSeq(list, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if p, err := netip.ParsePrefix(e); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(e)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("--proxy-from: %q is not an IP address or CIDR prefix", e)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// secureTwin is the protocol that adds TLS to a plain one.
func secureTwin(proto string) string {
	if proto == "ws" {
		return "wss"
	}
	return "tls"
}

func runServe(cmd *cobra.Command, f *serveFlags) error {
	p, ok := serveProtos[f.proto]
	if !ok {
		return fmt.Errorf("--proto %q: use %s", f.proto, strings.Join(slices.Sorted(maps.Keys(serveProtos)), ", "))
	}
	if !cmd.Flags().Changed("mode") {
		f.mode = p.modes[0]
	}
	if err := f.check(cmd, p); err != nil {
		return err
	}
	host, port, useIPv6, err := parseListen(f.listen)
	if err != nil {
		return err
	}
	sc := &serveConfig{
		proto: f.proto, mode: f.mode, path: f.path, host: host, port: port, useIPv6: useIPv6,
		maxConns: f.maxConns, maxConnsPerAddr: f.maxConnsPerAddr, idleTimeout: f.idleTimeout,
		handshakeTimeout: f.handshakeTimeout, sendWait: f.sendTimeout, engine: f.engine,
		noDeflate: !f.deflate, maxMessage: f.maxMessage, proxy: f.proxy, blocked: f.blocked, nats: f.nats,
		log: slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil)),
	}
	if sc.proxyFrom, err = parseProxyFrom(f.proxyFrom); err != nil {
		return err
	}
	var cert *certs.Certificate
	var ca *acmeManager // --acme
	switch {
	case p.secure && len(f.acme.names) > 0:
		if sc.tls, ca, err = f.acmeTLS(sc.log); err != nil {
			return err
		}
		defer ca.Close()
		defer tlsconf.Close(sc.tls)
	case p.secure:
		if cert, err = f.certificate(); err != nil {
			return err
		}
		if sc.tls, err = f.serverTLS(cert); err != nil {
			return err
		}
		defer tlsconf.Close(sc.tls)
		if f.reloadCert > 0 {
			w, err := f.watchCert(sc.log)
			if err != nil {
				return err
			}
			defer w.Close()
			// GetCertificate is asked only when Certificates is empty (or
			// the client sent a server name): leave it to the watcher.
			sc.tls.Certificates, sc.tls.GetCertificate = nil, w.GetCertificate
		}
	}
	if p.secure && f.keyLog != "" {
		sc.log.Warn("TLS secrets are written to the key log: anyone who reads it can decrypt the traffic", "file", f.keyLog)
	}
	if f.metricsAddr != "" {
		sc.metrics = metrics.New()
		stopMetrics, err := serveMetrics(f.metricsAddr, sc.metrics, sc.log)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	defer sc.limitConnLog()()
	// Catch the signals before telling anyone where to connect, so that a
	// quick Ctrl-C is a graceful stop too.
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	svc, err := p.start(sc)
	if err != nil {
		return err
	}
	defer svc.Close()
	fingerprint := ""
	if cert != nil {
		fingerprint = cert.FingerprintSHA256
	}
	if ca != nil {
		// The CA validates through this server: it must listen first.
		ca.Start()
		c, err := ca.Wait(ctx)
		if err != nil {
			sc.log.Info("stopped before a certificate was obtained")
			return nil
		}
		fingerprint = certs.FromX509(c.Leaf).FingerprintSHA256
	}

	out := cmd.OutOrStdout()
	url := serveURL(f.proto, svc.Addr())
	if p.websocket {
		url += f.path
	}
	fmt.Fprintln(out, url)
	if fingerprint != "" {
		fmt.Fprintf(out, "FingerprintSHA256: %s\n", fingerprint)
	}
	attrs := []any{"url", url, "mode", f.mode, "stop", "Ctrl-C"}
	if p.websocket {
		page := "http"
		if p.secure {
			page = "https"
		}
		attrs = append(attrs, "page", serveURL(page, svc.Addr())+"/")
	}
	sc.log.Info("listening", attrs...)

	<-ctx.Done()
	stop() // a second Ctrl-C ends the process at once
	sc.log.Info("shutting down", "wait", f.shutdownWait)
	sctx, cancel := context.WithTimeout(context.Background(), f.shutdownWait)
	defer cancel()
	if err := svc.Shutdown(sctx); err != nil {
		if !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		sc.log.Warn("connections still busy after the shutdown timeout were reset")
	}
	sc.log.Info("stopped")
	return nil
}

// certificate loads --cert or generates one for the local host.
func (f *serveFlags) certificate() (*certs.Certificate, error) {
	if f.certFile != "" {
		return f.cert.load(f.certFile)
	}
	return certs.Generate(certs.GenerateOptions{Hosts: []string{"localhost", "127.0.0.1", "::1"}})
}

// serveMetrics serves m, with the Go runtime's and the process's metrics,
// at http://addr/metrics until the returned stop is called.
func serveMetrics(addr string, m *metrics.Metrics, log *slog.Logger) (stop func(), err error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(m, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	log.Info("metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	return func() { _ = hs.Close() }, nil
}

// watchCert follows --cert (and --key) as they are renewed, logging each
// reload and each change that does not load.
func (f *serveFlags) watchCert(log *slog.Logger) (*certs.Watcher, error) {
	opts, err := f.cert.options()
	if err != nil {
		return nil, err
	}
	return certs.Watch(f.certFile, f.cert.key, certs.WatchOptions{
		Options: opts, Interval: f.reloadCert,
		OnReload: func(c *tls.Certificate) {
			info := certs.FromX509(c.Leaf)
			log.Info("certificate reloaded", "subject", info.Subject, "FingerprintSHA256", info.FingerprintSHA256)
		},
		OnError: func(err error) { log.Warn("certificate not reloaded; the previous one stays", "err", err) },
	})
}

// serverTLS builds the server's TLS configuration from the flags, with
// cert.
func (f *serveFlags) serverTLS(cert *certs.Certificate) (*tls.Config, error) {
	tc, err := cert.TLSCertificate()
	if err != nil {
		return nil, err
	}
	cfg, err := f.baseTLS()
	if err != nil {
		return nil, err
	}
	cfg.Certificates = []tls.Certificate{tc}
	return cfg, nil
}

// baseTLS builds the server's TLS configuration from the flags, without
// a certificate.
func (f *serveFlags) baseTLS() (*tls.Config, error) {
	s, err := f.settings()
	if err != nil {
		return nil, err
	}
	cfg, err := s.ServerConfig()
	if err != nil {
		return nil, err
	}
	if f.clientCA != "" {
		// Only the given CAs, not the system roots, vouch for clients.
		if cfg.ClientCAs, err = loadPool(f.clientCA, "--client-ca"); err != nil {
			return nil, err
		}
	}
	switch {
	case f.clientAuth == "require":
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	case f.clientAuth == "request" && f.clientCA != "":
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	case f.clientAuth == "request":
		cfg.ClientAuth = tls.RequestClientCert
	}
	return cfg, nil
}

// parseListen splits HOST:PORT and chooses the address family: an IPv6
// literal listens on IPv6, anything else on IPv4 (an empty host: every
// IPv4 interface).
func parseListen(s string) (host string, port, useIPv6 int, err error) {
	host, ps, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, 0, fmt.Errorf("--listen %q: want HOST:PORT, such as 127.0.0.1:8443, [::1]:0 or :8443", s)
	}
	port, err = strconv.Atoi(ps)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, 0, fmt.Errorf("--listen %q: the port must be a number from 0 to 65535", s)
	}
	if a, err := netip.ParseAddr(host); err == nil && a.Is6() && !a.Is4In6() {
		useIPv6 = 1
	}
	return host, port, useIPv6, nil
}

// serveURL is the URL clients use: the wildcard address becomes the
// loopback address of its family.
func serveURL(scheme string, a net.Addr) string {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return scheme + "://" + a.String()
	}
	ip := ap.Addr().Unmap()
	switch {
	case ip.IsUnspecified() && ip.Is4():
		ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	case ip.IsUnspecified():
		ip = netip.IPv6Loopback()
	}
	return scheme + "://" + netip.AddrPortFrom(ip, ap.Port()).String()
}

// loadPool reads every certificate of a store (any format) into a pool.
func loadPool(path, flag string) (*x509.CertPool, error) {
	st, err := certs.LoadStore(path, certs.Options{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	pool := x509.NewCertPool()
	for _, c := range st.Certificates {
		pool.AddCert(c.Leaf)
	}
	return pool, nil
}
