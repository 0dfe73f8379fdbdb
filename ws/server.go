package ws

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/tlskit/tlskit/internal/hook"
	"github.com/tlskit/tlskit/internal/logsafe"
	"github.com/tlskit/tlskit/internal/wsproto"
	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/topics"
)

// DefaultHandshakeTimeout bounds the opening handshake of a standalone
// Server when Options.HandshakeTimeout is zero.
const DefaultHandshakeTimeout = 10 * time.Second

// Options configure a standalone Server. The zero value is a plain
// WebSocket server on an OS-chosen port of every interface.
type Options struct {
	// Server configures the listener and the TCP/TLS layer (TLSConfig nil:
	// ws://), its Events the connection, TLS and OnError hooks (failures
	// before the upgrade). DefaultTimeout is each Conn's SetTimeout,
	// DefaultIdleTimeout closes with 1001, and a plain client over the
	// limits gets a 503 unless BusyResponse is set. NewServer refuses
	// (ErrInvalidValue) what Conn and Events replace: DefaultEOL,
	// DefaultSingleLineMode, DefaultMaxLineLength, a CodePage not UTF-8 and
	// the data hooks.
	Server server.Options
	// Conn and Events are every connection's settings and hooks.
	Conn   ConnOptions
	Events Events
	// HandshakeTimeout bounds the opening handshake from the accept, TLS
	// included, however it trickles in. Default 10 s; negative: no limit.
	HandshakeTimeout time.Duration
	// MaxHeaderBytes bounds the upgrade request head (default 16 KiB; 431).
	MaxHeaderBytes int
	// HTTP answers plain HTTP/1.x requests, like a hook (default: 426
	// Upgrade Required): one response, then the connection closes; a body
	// over 16 KiB is streamed, a write without room for HandshakeTimeout
	// resets. A request with a body gets 413; a panic 500 (or a reset once
	// the head is out), reported to OnError.
	HTTP http.Handler
	// OriginPatterns and InsecureSkipOriginCheck (danger) set the Origin
	// check (see the package doc). Default: the same origin only.
	OriginPatterns          []string
	InsecureSkipOriginCheck bool
	// Observer and Logger, if set (default nil), get what the package doc
	// says, and are also Server's unless set there.
	Observer Observer
	Logger   *slog.Logger
	// Bus carries Publish to the subscribed connections (Conn.Subscribe)
	// of every server on it; default: a topics.Local of this one's own.
	Bus topics.Bus
}

// busyResponse is what a plain client refused for MaxConnections or
// MaxConnectionsPerAddress reads: sent at once, before its request.
var busyResponse = []byte("HTTP/1.1 503 Service Unavailable\r\nRetry-After: " + strconv.Itoa(busyRetryAfter) +
	"\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " + strconv.Itoa(len(busyBody)) +
	"\r\nConnection: close\r\n\r\n" + busyBody)

const (
	busyBody       = "too many connections: retry in a few seconds\n"
	busyRetryAfter = 5 // seconds
)

// Server is a standalone WebSocket server: it listens
// through server.Server and speaks WebSocket on every connection.
type Server struct {
	srv    *server.Server
	opts   Options
	events Events
	conn   atomic.Pointer[ConnOptions] // settings for new connections (Config changes them)
	hub    *hub
	logLim *logsafe.Limiter // nil without a Logger
	// tcpError is Options.Server.Events.OnError: errors of connections
	// that are not WebSockets yet (TLS handshake failures).
	tcpError func(*server.Conn, error)
}

// NewServer validates opts and returns a server that is not yet listening.
func NewServer(opts Options) (*Server, error) {
	if err := refuseConnFields(&opts.Server); err != nil {
		return nil, err
	}
	if err := opts.Conn.validate(); err != nil {
		return nil, err
	}
	origin, err := newOriginPolicy(opts.OriginPatterns, opts.InsecureSkipOriginCheck)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, events: opts.Events}
	co := opts.Conn
	co.obs = opts.Observer
	co.origin = origin
	co.slog, s.logLim = limitedLogger(opts.Logger, opts.Observer)
	s.conn.Store(&co)
	s.hub = newHub(&s.conn)
	s.hub.useBus(opts.Bus)
	so := opts.Server
	if so.Observer == nil && opts.Observer != nil {
		so.Observer = opts.Observer
	}
	if so.Logger == nil {
		so.Logger = opts.Logger
	}
	if so.BusyResponse == nil {
		so.BusyResponse = busyResponse
	}
	// Until its upgrade, a connection may be replaced when the server is
	// full (see server.Options.MaxConnections).
	so.UpgradeHandshake = true
	if d := s.handshakeTimeout(); d > 0 && (so.DefaultConnectionTimeout == 0 || so.DefaultConnectionTimeout > d) {
		so.DefaultConnectionTimeout = d // the TLS handshake is part of the opening handshake
	}
	user := opts.Server.Events
	s.tcpError = user.OnError
	so.Events = server.Events{
		OnConnectionRequest:       user.OnConnectionRequest,
		OnSSLClientAuthentication: user.OnSSLClientAuthentication,
		OnSSLConnectionRequest:    user.OnSSLConnectionRequest,
		OnSSLStatus:               user.OnSSLStatus,
		OnConnected:               s.onConnected,
		OnDataIn:                  s.onDataIn,
		OnReadyToSend:             s.onReadyToSend,
		OnDisconnected:            s.onDisconnected,
		OnIdleTimeout:             s.onIdleTimeout,
		OnError:                   s.onError,
	}
	srv, err := server.New(so)
	if err != nil {
		return nil, err
	}
	s.srv = srv
	return s, nil
}

// refuseConnFields refuses the fields of server.Options that the
// WebSocket layer replaces, so that none is silently ignored.
func refuseConnFields(so *server.Options) error {
	ev := so.Events
	for _, f := range []struct {
		name, use string
		set       bool
	}{
		{"DefaultEOL", "Conn.LineMode", len(so.DefaultEOL) > 0},
		{"DefaultSingleLineMode", "Conn.LineMode", so.DefaultSingleLineMode},
		{"DefaultMaxLineLength", "Conn.MaxLineLength", so.DefaultMaxLineLength != 0},
		{"CodePage", "UTF-8, which WebSocket text is (0 or 65001)", so.CodePage != 0 && so.CodePage != 65001},
		{"Events.OnConnected", "Events.OnConnected", ev.OnConnected != nil},
		{"Events.OnDataIn", "Events.OnDataIn", ev.OnDataIn != nil},
		{"Events.OnReadyToSend", "Events.OnReadyToSend", ev.OnReadyToSend != nil},
		{"Events.OnDisconnected", "Events.OnDisconnected", ev.OnDisconnected != nil},
		{"Events.OnIdleTimeout", "Server.DefaultIdleTimeout (a Close of 1001)", ev.OnIdleTimeout != nil},
	} {
		if f.set {
			return fmt.Errorf("%w: Options.Server.%s does not apply to a WebSocket server; use %s", ErrInvalidValue, f.name, f.use)
		}
	}
	return nil
}

func wsConn(sc *server.Conn) *Conn {
	c, _ := sc.UserData().(*Conn)
	return c
}

// The handlers of the server's events are tlskit's own code: hook.Own
// keeps a panic in them a crash, while the program's hooks they call
// through Conn.call end only their connection.

func (s *Server) onConnected(sc *server.Conn) {
	defer hook.Own()
	tr := serverTransport{sc, s.outLimit()}
	c := newConn(wsproto.RoleServer, s.conn.Load(), &s.events, tr)
	c.id = sc.ConnectionID()
	c.sc = sc
	c.shs = &serverHandshake{parser: wsproto.RequestParser{MaxHeaderBytes: s.opts.MaxHeaderBytes}}
	if d := sc.Timeout(); d > 0 {
		// server.Options.DefaultTimeout: the WebSocket's sends wait (see
		// Conn.SetTimeout), whole frames at a time, while the server's
		// Send never does.
		_ = c.SetTimeout(d)
		sc.SetTimeout(0)
	}
	sc.SetUserData(c)
	if !s.hub.add(c) {
		sc.Reset()
		return
	}
	if d := s.handshakeTimeout(); d > 0 {
		// The deadline counts from the accept, so the TLS handshake's
		// time is part of it.
		c.shs.timer = time.AfterFunc(d-time.Since(sc.AcceptedAt()), func() {
			c.mu.Lock()
			stuck := c.phase == phaseHandshake
			c.mu.Unlock()
			if stuck {
				sc.Reset()
			}
		})
	}
}

// outLimit is the bound of each connection's send queue.
func (s *Server) outLimit() int {
	if n := s.opts.Server.OutBufferSize; n > 0 {
		return n
	}
	return server.DefaultOutBufferSize
}

func (s *Server) handshakeTimeout() time.Duration {
	if s.opts.HandshakeTimeout == 0 {
		return DefaultHandshakeTimeout
	}
	return s.opts.HandshakeTimeout
}

func (s *Server) onDataIn(sc *server.Conn, data []byte, _ bool) {
	defer hook.Own()
	c := wsConn(sc)
	if c == nil {
		return
	}
	c.mu.Lock()
	handshake := c.phase == phaseHandshake
	c.mu.Unlock()
	if !handshake {
		c.received(data)
		return
	}
	req, rest, err := s.feedHandshake(c, data)
	if err != nil {
		if s.serveHTTP(c, sc, err) {
			return
		}
		c.mu.Lock()
		c.setPhaseLocked(phaseHandshake, phaseRefused)
		c.mu.Unlock()
		_, _ = sc.Send(c.refused(err))
		sc.Disconnect()
		return
	}
	if req == nil {
		return
	}
	buf := frameBufs.Get().(*[]byte) // Send copies the response
	resp, ok := c.acceptRequest((*buf)[:0], req, nil)
	if ok {
		sc.EndHandshake() // before the client can see the 101 and count on it
	}
	_, err = sc.Send(resp)
	*buf = resp
	putFrameBuf(buf)
	if err != nil || !ok {
		sc.Disconnect()
		return
	}
	if c.shs.timer != nil {
		c.shs.timer.Stop()
	}
	c.shs = nil
	c.mu.Lock()
	if head := req.Head(); head != "" {
		c.req, c.head = nil, head // one string instead of the parsed request
	}
	c.mu.Unlock()
	c.opened()
	if len(rest) > 0 {
		c.received(rest)
	}
}

func (s *Server) onReadyToSend(sc *server.Conn) {
	defer hook.Own()
	if c := wsConn(sc); c != nil && c.writable() {
		c.fireReady()
	}
}

// onIdleTimeout closes an idle WebSocket with 1001 and a reason, so that
// the peer learns why; one still in its opening handshake, or already
// closing, is disconnected.
func (s *Server) onIdleTimeout(sc *server.Conn) {
	defer hook.Own()
	if c := wsConn(sc); c == nil || c.idleTimeout() != nil {
		sc.Disconnect()
	}
}

func (s *Server) onDisconnected(sc *server.Conn, err error) {
	defer hook.Own()
	if c := wsConn(sc); c != nil {
		c.transportClosed(err)
	}
}

func (s *Server) onError(sc *server.Conn, err error) {
	defer hook.Own()
	if sc == nil {
		if h := s.events.OnError; h != nil {
			if p := hook.Call("OnError", func() { h(nil, err) }); p != nil {
				l := s.opts.Logger
				if l == nil {
					l = slog.Default()
				}
				l.Error("panic in a hook", "hook", p.Hook, "panic", fmt.Sprint(p.Value), "stack", string(p.Stack))
			}
		}
		return
	}
	if c := wsConn(sc); c != nil {
		c.reportError(err)
		return
	}
	// Not a WebSocket yet: a TLS handshake that failed.
	if h := s.tcpError; h != nil {
		if p := hook.Call("Server.OnError", func() { h(sc, err) }); p != nil {
			l := s.opts.Logger
			if l == nil {
				l = slog.Default()
			}
			l.Error("panic in a hook", "hook", p.Hook, "panic", fmt.Sprint(p.Value), "stack", string(p.Stack))
			sc.Reset()
		}
	}
}

// StartListening binds and starts accepting connections.
func (s *Server) StartListening() error { return s.srv.StartListening() }

// StopListening stops accepting; open connections stay.
func (s *Server) StopListening() error { return s.srv.StopListening() }

// Listening reports whether the server accepts connections.
func (s *Server) Listening() bool { return s.srv.Listening() }

// Addr returns the listening address, nil when not listening.
func (s *Server) Addr() net.Addr { return s.srv.Addr() }

// URL returns "ws://host:port" or "wss://host:port" for the listening
// address (empty when not listening).
func (s *Server) URL() string {
	a := s.Addr()
	if a == nil {
		return ""
	}
	scheme := "ws"
	if s.opts.Server.TLSConfig != nil {
		scheme = "wss"
	}
	return scheme + "://" + a.String()
}

// ListenAndServe listens and serves until ctx ends, then shuts down
// (closing every WebSocket with 1001 going away).
func (s *Server) ListenAndServe(ctx context.Context) error {
	if err := s.StartListening(); err != nil {
		return err
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), s.conn.Load().closeTimeout()+time.Second)
	defer cancel()
	return s.Shutdown(sctx)
}

// Shutdown stops listening and closes every WebSocket with 1001 (going
// away), waiting for the close handshakes until ctx ends, then resets
// the rest; the server can listen again. With ManualEvents, call DoEvents
// meanwhile.
func (s *Server) Shutdown(ctx context.Context) error {
	_ = s.srv.StopListening()
	err := s.hub.shutdown(ctx, CloseGoingAway, CloseGoingAway.Text())
	s.hub.reopen()
	if serr := s.srv.Shutdown(ctx); err == nil {
		err = serr
	}
	return err
}

// Close resets every connection at once and stops the server for good.
func (s *Server) Close() error {
	err := s.srv.Close()
	if s.logLim != nil {
		s.logLim.Close()
	}
	return err
}

// Conn returns the connection with the given id (ErrInvalidConnectionID).
func (s *Server) Conn(id int64) (*Conn, error) { return s.hub.get(id) }

// Connections iterates over the connections in id order (a snapshot).
func (s *Server) Connections() iter.Seq[*Conn] {
	return func(yield func(*Conn) bool) {
		for _, c := range s.hub.snapshot() {
			if !yield(c) {
				return
			}
		}
	}
}

// ConnectionCount returns the number of connections.
func (s *Server) ConnectionCount() int { return len(s.hub.snapshot()) }

// Broadcast sends one message to every open WebSocket, its frames encoded
// once, and returns how many took it, joining the others' *SendError. It
// never waits: a full queue keeps the message in a backlog of up to twice
// its size (larger: ErrSendTooLarge), a connection whose backlog overflows
// is closed (ErrTooSlow), one busy with a piece-by-piece message gets
// ErrWouldBlock. Concurrent broadcasts reach all in one order.
func (s *Server) Broadcast(f SendFormat, p []byte) (int, error) { return s.hub.broadcast(f, p) }

// DoEvents delivers queued events when Options.Server.ManualEvents is set
// (see server.Server.DoEvents; ErrServerClosed once closed and drained).
func (s *Server) DoEvents(ctx context.Context) error { return s.srv.DoEvents(ctx) }

// TCP returns the underlying server.Server, for its other methods
// (SetCertificate replaces the certificate while it runs).
func (s *Server) TCP() *server.Server { return s.srv }

func (s *Server) String() string { return fmt.Sprintf("ws.Server(%s)", s.URL()) }
