package servers

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"time"

	"github.com/tlskit/tlskit/server"
)

// tlskitEcho is the echo on tlskit's event-driven server with the given
// engine (TCP, or TLS when cfg is set). A Send that does not fit the send
// queue pauses the connection's input until OnReadyToSend has flushed the
// rest, so nothing is dropped and memory stays bounded.
func tlskitEcho(engine string) func(addr string, cfg *tls.Config) (func() error, error) {
	return func(addr string, cfg *tls.Config) (func() error, error) {
		opts, err := tlskitOptions(addr, cfg, engine)
		if err != nil {
			return nil, err
		}
		return startTlskitTCP(opts)
	}
}

// startTlskitTCP runs the TCP/TLS echo with opts.
func startTlskitTCP(opts server.Options) (func() error, error) {
	opts.Events = server.Events{OnDataIn: tlskitDataIn, OnReadyToSend: tlskitReadyToSend}
	s, err := server.New(opts)
	if err != nil {
		return nil, err
	}
	if err := s.StartListening(); err != nil {
		return nil, err
	}
	return shutdownFunc(s.Shutdown), nil
}

// tlskitOptions are the listener settings every tlskit echo shares: no
// connection limit, a deep backlog, TCP_NODELAY as the peers have it.
func tlskitOptions(addr string, cfg *tls.Config, engine string) (server.Options, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return server.Options{}, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return server.Options{}, err
	}
	return server.Options{
		LocalHost:         host,
		LocalPort:         port,
		TLSConfig:         cfg,
		MaxConnections:    -1,
		ConnectionBacklog: 4096,
		Engine:            server.Engine(engine),
	}, nil
}

// shutdownFunc is a stop function giving shutdown 5 seconds.
func shutdownFunc(shutdown func(context.Context) error) func() error {
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return shutdown(ctx)
	}
}

// backlog is what a connection could not send yet; events of one
// connection never run concurrently, so it needs no lock.
type backlog struct{ b []byte }

func tlskitDataIn(c *server.Conn, data []byte, _ bool) {
	n, err := c.Send(data)
	if errors.Is(err, server.ErrWouldBlock) {
		bl, _ := c.UserData().(*backlog)
		if bl == nil {
			bl = &backlog{}
			c.SetUserData(bl)
		}
		bl.b = append(bl.b[:0], data[n:]...)
		c.PauseData()
	}
}

func tlskitReadyToSend(c *server.Conn) {
	bl, _ := c.UserData().(*backlog)
	if bl == nil || len(bl.b) == 0 {
		return
	}
	n, err := c.Send(bl.b)
	bl.b = bl.b[n:]
	if err == nil && len(bl.b) == 0 {
		c.ProcessData()
	}
}
