package ws

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
	"github.com/tlskit/tlskit/tlsconf"
)

// DialOptions configure a client connection. The zero value offers
// permessage-deflate and, for wss://, verifies the server against the
// system roots and the URL's host name.
type DialOptions struct {
	// Protocols are the subprotocols to offer, in preference order (default none).
	Protocols []string
	// Extensions are extra ones to offer after permessage-deflate; a server
	// that accepts one fails the handshake (its framing is unknown here).
	Extensions []Extension
	// Header holds extra request headers (not the handshake's), Origin
	// and Host those headers ("": none, and the URL's host).
	Header       http.Header
	Origin, Host string
	// Conn and Events are the settings and hooks. The deflate offer asks
	// for server_no_context_takeover unless Conn.Deflate's
	// ServerContextTakeover is set, as a server that ignores it needs.
	Conn   ConnOptions
	Events Events
	// Dialer makes the TCP connection (nil: a zero net.Dialer); as with
	// tls.Dialer, its Timeout and Deadline bound the TLS handshake too.
	Dialer *net.Dialer
	// TLS configures wss:// (see tlsconf.Options). ServerName defaults to
	// the URL's host and, unless TLS.Config is set, NextProtos to
	// "http/1.1".
	TLS tlsconf.Options
	// Nagle keeps Nagle's algorithm on. Default false: TCP_NODELAY, since
	// with Nagle a message can wait for a delayed ACK (40 ms on Linux).
	Nagle bool
	// HandshakeTimeout bounds the opening handshake (default 10 seconds).
	HandshakeTimeout time.Duration
	// Logger, if set (default nil), gets the Log events as slog records
	// when Events.OnLog is nil (see the package doc).
	Logger *slog.Logger
	// ManualEvents queues the events for Conn.DoEvents (reads wait for it).
	ManualEvents bool
}

// Dial connects to a ws:// or wss:// URL and runs the opening handshake
// (a refusal is a *HandshakeError), returning an open Conn.
func Dial(ctx context.Context, rawURL string, opts *DialOptions) (*Conn, error) {
	opts, u, err := prepareDial(opts, rawURL)
	if err != nil {
		return nil, err
	}
	var secure bool
	switch strings.ToLower(u.Scheme) {
	case "ws":
	case "wss":
		secure = true
	default:
		return nil, fmt.Errorf("%w: scheme %q (want ws or wss)", ErrInvalidValue, u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("%w: URL %q has no host", ErrInvalidValue, rawURL)
	}
	port := "80"
	if secure {
		port = "443"
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%w: port %q (1-65535)", ErrInvalidValue, p)
		}
		port = p
	}
	var tlsCfg *tls.Config
	if secure {
		o := opts.TLS
		if len(o.Settings.NextProtos) == 0 && o.Config == nil {
			o.Settings.NextProtos = []string{"http/1.1"}
		}
		if tlsCfg, err = o.ClientConfig(host); err != nil {
			return nil, fmt.Errorf("ws: wss:// configuration: %w", err)
		}
	}
	// The config opened the key log file for this connection alone when
	// the options name a file and no writer: only then is it Dial's to
	// close. A KeyLogWriter of the caller's (in TLS.Config or
	// TLS.Settings) may serve its other connections and stays open.
	ownKeyLog := secure && opts.TLS.Config == nil && opts.TLS.Settings.KeyLogWriter == nil && opts.TLS.Settings.KeyLogFile != ""
	release := func() {
		if ownKeyLog {
			_ = tlsconf.Close(tlsCfg)
		}
	}
	nc, err := dialNet(ctx, opts.Dialer, net.JoinHostPort(host, port), tlsCfg, opts.Nagle)
	if err != nil {
		release()
		return nil, err
	}
	c, err := clientHandshake(ctx, nc, u, opts)
	if err != nil {
		nc.Close()
		release()
		return nil, err
	}
	if ownKeyLog {
		go func() {
			<-c.Done()
			release()
		}()
	}
	return c, nil
}

// dialNet connects to addr with d, then runs the TLS handshake when cfg
// is set, d's Timeout and Deadline bounding both as tls.Dialer does.
func dialNet(ctx context.Context, d *net.Dialer, addr string, cfg *tls.Config, nagle bool) (net.Conn, error) {
	if d == nil {
		d = &net.Dialer{}
	}
	var nc net.Conn
	var err error
	if cfg != nil {
		nc, err = (&tls.Dialer{NetDialer: d, Config: cfg}).DialContext(ctx, "tcp", addr)
	} else {
		nc, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("ws: %w", err)
	}
	if nagle {
		raw := nc
		if tc, ok := nc.(*tls.Conn); ok {
			raw = tc.NetConn()
		}
		if tc, ok := raw.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(false)
		}
	}
	return nc, nil
}

// NewClientConn runs the client handshake over an open connection (from a
// proxy, say), which is closed when the returned Conn closes.
func NewClientConn(ctx context.Context, nc net.Conn, rawURL string, opts *DialOptions) (*Conn, error) {
	opts, u, err := prepareDial(opts, rawURL)
	if err != nil {
		return nil, err
	}
	return clientHandshake(ctx, nc, u, opts)
}

func prepareDial(opts *DialOptions, rawURL string) (*DialOptions, *url.URL, error) {
	if opts == nil {
		opts = &DialOptions{}
	}
	if err := opts.Conn.validate(); err != nil {
		return nil, nil, err
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, fmt.Errorf("ws: %w", err)
	}
	return opts, u, nil
}

// clientHandshake runs the opening handshake over nc and returns the open
// Conn, running on clientTransport.
func clientHandshake(ctx context.Context, nc net.Conn, u *url.URL, opts *DialOptions) (*Conn, error) {
	hostHeader := opts.Host
	if hostHeader == "" {
		hostHeader = u.Host
	}
	hs := wsproto.NewClientHandshake(hostHeader, u.RequestURI())
	hs.Origin = opts.Origin
	hs.Protocols = opts.Protocols
	hs.Header = opts.Header
	var offer wsproto.Extension
	deflate := !opts.Conn.DisablePermessageDeflate
	if deflate {
		var err error
		if offer, err = opts.Conn.Deflate.config().Offer(); err != nil {
			return nil, err
		}
		hs.Extensions = append(hs.Extensions, offer)
	}
	hs.Extensions = append(hs.Extensions, opts.Extensions...)
	req, err := hs.AppendRequest(nil)
	if err != nil {
		return nil, err
	}
	timeout := opts.HandshakeTimeout
	if timeout == 0 {
		timeout = DefaultHandshakeTimeout
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	// The bound is a read deadline, cleared before the connection is
	// handed to its transport: a write deadline would leave a *tls.Conn
	// unusable for good. The request fits the socket buffer of a new
	// connection, so its write does not wait; should it (a peer that reads
	// nothing), the connection is closed once the bound passes.
	var writing atomic.Bool
	writing.Store(true)
	abort := func() {
		_ = nc.SetReadDeadline(time.Now())
		if writing.Load() {
			_ = nc.Close()
		}
	}
	stop := context.AfterFunc(ctx, abort)
	defer stop()
	timer := time.AfterFunc(time.Until(deadline), abort)
	defer timer.Stop()
	_ = nc.SetReadDeadline(deadline)
	_, err = nc.Write(req)
	writing.Store(false)
	if err != nil {
		return nil, handshakeIOError(ctx, deadline, err)
	}
	var p wsproto.ResponseParser
	buf := make([]byte, 4096)
	var resp *wsproto.UpgradeResponse
	var rest []byte
	for resp == nil {
		n, rerr := nc.Read(buf)
		if n > 0 {
			if resp, rest, err = p.Feed(buf[:n]); err != nil {
				return nil, err
			}
		}
		if resp == nil && rerr != nil {
			return nil, handshakeIOError(ctx, deadline, rerr)
		}
	}
	if !stop() { // ctx ended as the response arrived: its deadline is set
		return nil, ctx.Err()
	}
	if !timer.Stop() { // the bound passed as the response arrived
		return nil, handshakeIOError(ctx, deadline, os.ErrDeadlineExceeded)
	}
	_ = nc.SetReadDeadline(time.Time{})
	if err := hs.Check(resp); err != nil {
		return nil, err
	}
	var params *wsproto.DeflateParams
	for _, e := range resp.Extensions {
		if e.Name != wsproto.DeflateExtensionName || !deflate {
			return nil, &wsproto.HandshakeError{Msg: "server accepted extension " + strconv.Quote(e.Name) + " that we cannot use", Err: ErrBadHandshake}
		}
		dp, err := wsproto.AcceptDeflateResponse(offer, e)
		if err != nil {
			return nil, err
		}
		params = &dp
	}
	var man *manualEvents
	if opts.ManualEvents {
		man = newManualEvents(nil)
	}
	tr := newClientTransport(nc, opts.Conn.SendQueue, man)
	events := opts.Events
	co := &opts.Conn
	if opts.Logger != nil {
		cp := opts.Conn // the caller's options stay as they are
		cp.slog = opts.Logger
		co = &cp
	}
	c := newConn(wsproto.RoleClient, co, &events, tr)
	tr.bind(c)
	up := &wsproto.UpgradeRequest{Method: http.MethodGet, URI: u.RequestURI(), Proto: "HTTP/1.1", Host: hostHeader,
		Origin: opts.Origin, Key: hs.Key, Protocols: opts.Protocols, Extensions: hs.Extensions}
	up.SetHeader(opts.Header)
	c.mu.Lock()
	c.req = up
	c.mu.Unlock()
	c.setHandshake(resp.Protocol, resp.Extensions, resp.Header)
	c.open(params)
	c.logf(LogInfo, "Info", "connected to %s protocol=%q extensions=%q", u.Redacted(), resp.Protocol, wsproto.FormatExtensions(resp.Extensions))
	tr.start(append([]byte(nil), rest...), 0)
	return c, nil
}

// clientTransport is a transport a client Conn can be bound to once the
// handshake is done; start begins delivering events.
type clientTransport interface {
	transport
	bind(c *Conn)
	start(rest []byte, idle time.Duration)
}

// newClientTransport returns the transport a client Conn runs on over nc
// (dialed by Dial or given to NewClientConn), its send queue bounded by
// limit bytes (0: DefaultSendQueue), with ManualEvents when man is set.
func newClientTransport(nc net.Conn, limit int, man *manualEvents) clientTransport {
	return newEngineTransport(nc, limit, man)
}

// handshakeIOError is the error of a failed read or write of the opening
// handshake: ctx's when it ended, ErrTimedOut when HandshakeTimeout passed
// (the handshake's deadline, which ends it with a read deadline or, during
// the write, by closing the connection).
func handshakeIOError(ctx context.Context, deadline time.Time, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded // the handshake's deadline was ctx's
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || !time.Now().Before(deadline) {
		return fmt.Errorf("%w: opening handshake: %w", ErrTimedOut, err)
	}
	return fmt.Errorf("ws: opening handshake: %w", err)
}

// DoEvents is Server.DoEvents for a connection dialed with ManualEvents,
// ErrNotConnected once OnDisconnected is delivered; ErrUnsupported on a
// Server's or Handler's connection (theirs delivers its events).
func (c *Conn) DoEvents(ctx context.Context) error {
	if c.hub != nil {
		return fmt.Errorf("%w: DoEvents of a server's connection: call the Server's or Handler's", ErrUnsupported)
	}
	t, ok := c.tr.(*engineTransport)
	if !ok || t.man == nil {
		<-ctx.Done()
		return ctx.Err()
	}
	return runEvents(ctx, t.man.exec, ErrNotConnected)
}

// ConnectionState returns the TLS state of a wss:// client connection.
func (c *Conn) ConnectionState() (tls.ConnectionState, bool) {
	return c.tr.connectionState()
}

// WriteMessage sends one whole message, waiting for room when the queue
// is full (unlike SendMessage); a message larger than twice the send queue
// goes piece by piece (see the package doc).
func (c *Conn) WriteMessage(ctx context.Context, f SendFormat, p []byte) error {
	done := make(chan struct{})
	stop := context.AfterFunc(ctx, func() { close(done) })
	defer stop()
	w := &sendWait{intr: done}
	defer w.stop()
	_, err := c.waitSend(f, p, w)
	if errors.Is(err, ErrInterrupted) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
