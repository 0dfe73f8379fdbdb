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
	"strconv"
	"strings"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
	"github.com/tlskit/tlskit/socket"
)

// DialOptions configure a client connection. The zero value connects with
// permessage-deflate offered, no subprotocol and the socket package's
// defaults (system roots for wss://).
type DialOptions struct {
	// Protocols are the subprotocols to offer, in preference order (default none).
	Protocols []string
	// Extensions are extra ones to offer after permessage-deflate (default none).
	// The server may accept only extensions we implement: accepting one of
	// these fails the handshake, since we would not know its framing.
	Extensions []Extension
	// Header holds extra request headers (default none; handshake ones ignored).
	Header http.Header
	// Origin is the Origin header ("" sends none).
	Origin string
	// Host overrides the Host header (default: the URL's host).
	Host string
	// Conn holds the WebSocket settings (deflate, frame and message
	// sizes, close behaviour, line mode ...). By default the deflate offer
	// asks for server_no_context_takeover, and RFC 7692 §7.1.1.1 makes a
	// server that accepts the offer without it fail the handshake; set
	// Deflate.ServerContextTakeover for such servers.
	Conn ConnOptions
	// Events are the hooks; nil ones do nothing. With OnDataIn nil, whole
	// messages are kept for ReadMessage.
	Events Events
	// Socket configures the TCP/TLS connection (KeepAlive, LocalAddress,
	// ConnectTimeout, ReceiveBufferSize, and TLS for wss://: CA, client
	// certificate, versions, AcceptAnyServerCert ...). Address, Port and
	// Secure come from the URL, Nagle is DialOptions.Nagle, and its
	// Events, ManualEvents and SendBufferSize (Conn.SendQueue) are the
	// connection's own. Other defaults are socket.Config's.
	Socket socket.Config
	// Nagle keeps Nagle's algorithm on. Default false: TCP_NODELAY is set,
	// since with Nagle a message's last segment can wait for the peer's
	// delayed ACK (40 ms per message on Linux).
	Nagle bool
	// HandshakeTimeout bounds the opening handshake after connecting
	// (default 10 seconds); ctx bounds everything.
	HandshakeTimeout time.Duration
	// Logger, if set (default nil), gets the Log events as log/slog
	// records when Events.OnLog is nil (see Options.Logger).
	Logger *slog.Logger
}

// Dial connects to a ws:// or wss:// URL and performs the opening
// handshake. The returned Conn is open; its OnConnected and OnReadyToSend
// fire on its read goroutine. A refused handshake is a *HandshakeError.
func Dial(ctx context.Context, rawURL string, opts *DialOptions) (*Conn, error) {
	opts, u, err := prepareDial(opts, rawURL)
	if err != nil {
		return nil, err
	}
	cfg := opts.Socket
	switch strings.ToLower(u.Scheme) {
	case "ws":
		cfg.Secure = false
	case "wss":
		cfg.Secure = true
	default:
		return nil, fmt.Errorf("%w: scheme %q (want ws or wss)", ErrInvalidValue, u.Scheme)
	}
	host := u.Hostname()
	port := 80
	if cfg.Secure {
		port = 443
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("%w: port %q", ErrInvalidValue, p)
		}
	}
	cfg.Address, cfg.Port = host, port
	cfg.ManualEvents = false
	cfg.Nagle = opts.Nagle
	if cfg.Secure && len(cfg.TLS.Settings.NextProtos) == 0 && cfg.TLS.Config == nil {
		cfg.TLS.Settings.NextProtos = []string{"http/1.1"}
	}
	st := newSocketTransport(opts.Conn.SendQueue)
	cfg.SendBufferSize = st.limit
	cfg.Events = st.events()
	sock, err := socket.Dial(ctx, cfg)
	if err != nil {
		return nil, err
	}
	st.s = sock
	c, err := clientHandshake(ctx, sock, u, opts, st)
	if err != nil {
		sock.Close()
		return nil, err
	}
	return c, nil
}

// NewClientConn runs the client handshake over an open connection (for
// example one made with a custom dialer or a proxy) and returns the open
// Conn; nc is closed when the Conn closes.
func NewClientConn(ctx context.Context, nc net.Conn, rawURL string, opts *DialOptions) (*Conn, error) {
	opts, u, err := prepareDial(opts, rawURL)
	if err != nil {
		return nil, err
	}
	return clientHandshake(ctx, nc, u, opts, nil)
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
// Conn on tr (nil: a netTransport over nc).
func clientHandshake(ctx context.Context, nc net.Conn, u *url.URL, opts *DialOptions, tr clientTransport) (*Conn, error) {
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
	stop := context.AfterFunc(ctx, func() { _ = nc.SetDeadline(time.Now()) })
	defer stop()
	// Deadlines on the socket only bound this handshake; crypto/tls is not
	// involved (a socket.Socket's deadlines are its own buffers').
	_ = nc.SetDeadline(deadline)
	if _, err := nc.Write(req); err != nil {
		return nil, handshakeIOError(ctx, err)
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
			return nil, handshakeIOError(ctx, rerr)
		}
	}
	if !stop() { // ctx ended as the response arrived: its deadline is set
		return nil, ctx.Err()
	}
	_ = nc.SetDeadline(time.Time{})
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
	if tr == nil {
		tr = newNetTransport(nc, opts.Conn.SendQueue)
	}
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
	tr.start(append([]byte(nil), rest...))
	return c, nil
}

// clientTransport is a transport a client Conn can be bound to once the
// handshake is done; start begins delivering events.
type clientTransport interface {
	transport
	bind(c *Conn)
	start(rest []byte)
}

func handshakeIOError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded // the socket's deadline was ctx's
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%w: opening handshake: %w", ErrTimedOut, err)
	}
	return fmt.Errorf("ws: opening handshake: %w", err)
}

// ConnectionState returns the TLS state of a wss:// client connection.
func (c *Conn) ConnectionState() (tls.ConnectionState, bool) {
	if c.sc != nil {
		return c.sc.ConnectionState()
	}
	if t, ok := c.tr.(*socketTransport); ok {
		return t.s.ConnectionState()
	}
	if t, ok := c.tr.(*netTransport); ok {
		if s, ok := t.nc.(interface {
			ConnectionState() (tls.ConnectionState, bool)
		}); ok {
			return s.ConnectionState()
		}
		if tc, ok := t.nc.(*tls.Conn); ok {
			return tc.ConnectionState(), true
		}
	}
	return tls.ConnectionState{}, false
}

// WriteMessage sends one whole message, waiting for room when the queue
// is full (unlike SendMessage, which returns ErrWouldBlock). A message
// larger than the connection holds at once (twice its send queue) goes
// uncompressed, as fragments of a queue's worth each, sent as the queue
// drains: the connection never holds more of it than one piece, and other
// data sends get ErrWouldBlock meanwhile. ctx ends the wait (a message
// left unfinished fails the connection). Do not call it from the connection's own hooks with a full queue
// on a Handler or Dial connection.
func (c *Conn) WriteMessage(ctx context.Context, f SendFormat, p []byte) error {
	done := make(chan struct{})
	stop := context.AfterFunc(ctx, func() { close(done) })
	defer stop()
	_, err := c.waitSendIntr(f, p, done)
	if errors.Is(err, ErrInterrupted) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
