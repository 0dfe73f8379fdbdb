package server

import (
	"container/list"
	"context"
	"errors"
	"iter"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tlskit/tlskit/internal/access"
	"github.com/tlskit/tlskit/internal/engine"
	"github.com/tlskit/tlskit/internal/logsafe"
	"github.com/tlskit/tlskit/internal/settings"
)

// State is the lifecycle state of a Server.
type State int32

const (
	StateIdle         State = iota // not listening (connections may remain open)
	StateListening                 // accepting connections
	StateShuttingDown              // Shutdown in progress
	StateClosed                    // Close was called; the server cannot be used again
)

func (s State) String() string {
	switch s {
	case StateIdle:
		return "idle"
	case StateListening:
		return "listening"
	case StateShuttingDown:
		return "shutting down"
	case StateClosed:
		return "closed"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Server is an event-driven TCP/TLS server. Create one with New, start it
// with StartListening, stop it with Shutdown or Close. Its methods are safe
// for concurrent use, including from event hooks.
type Server struct {
	eng    engine.Engine
	ev     Events
	obs    Observer         // nil: none
	log    *slog.Logger     // nil: none; limited by logLim
	logLim *logsafe.Limiter // nil without a Logger
	manual bool
	exec   *executor
	sys    queue // events not tied to a connection (accept errors)

	// sockMu serializes setting the open sockets' options after a Config
	// change (applyOpenSocketOptions, addConn); taken before mu.
	sockMu sync.Mutex

	mu      sync.Mutex
	initial Options    // as given to New, defaulted; Reset restores it
	opts    Options    // current settings (Config changes them)
	fixed   *connFixed // what connections accepted under opts share
	pol     access.Policy
	state   State
	ln      engine.Listener
	conns   map[int64]*Conn
	live    int                  // engine connections not yet closed
	perAddr map[netip.Addr]int   // live connections by client address (IPv6: /64 prefix)
	sockGen uint32               // counts the Config changes applied to open sockets (see addConn)
	busy    map[engine.Conn]bool // refused connections being sent BusyResponse: true once started
	// handshaking holds the started connections still in their handshake
	// (TLS, or the protocol's own with UpgradeHandshake), oldest first:
	// a full server replaces the oldest (see MaxConnections).
	handshaking list.List
	evictAge    time.Duration // how long a handshake must have run to be replaced
	changed     chan struct{} // made by a waiter, closed (and dropped) when live or conns change
	extra       map[string]string
	tls         tlsSettings // TLS-layer settings changed with Config
	nextID      atomic.Int64
	serveErr    chan struct{} // closed by Close
}

// New validates opts and returns a server that is not yet listening.
func New(opts Options) (*Server, error) {
	o, err := opts.defaulted()
	if err != nil {
		return nil, err
	}
	s := &Server{
		eng:      newEngine(o.Engine),
		ev:       o.Events,
		obs:      o.Observer,
		manual:   o.ManualEvents,
		exec:     newExecutor(o.ManualEvents),
		initial:  o,
		opts:     o,
		pol:      o.policy(),
		conns:    make(map[int64]*Conn),
		perAddr:  make(map[netip.Addr]int),
		busy:     make(map[engine.Conn]bool),
		extra:    make(map[string]string),
		serveErr: make(chan struct{}),
		evictAge: evictAge,
	}
	if o.Logger != nil {
		s.logLim = logsafe.NewLimiter(o.Logger.Handler(), logsafe.LimitOptions{OnDrop: logDropHook(o.Observer)})
		s.log = slog.New(s.logLim)
	}
	return s, nil
}

// State returns the lifecycle state.
func (s *Server) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Listening reports whether the server accepts connections.
func (s *Server) Listening() bool { return s.State() == StateListening }

// StartListening binds LocalHost:LocalPort and starts accepting. It fails
// with ErrAlreadyListening when listening, ErrServerClosed after Close, and
// an *Error with a Winsock-style TCP/IP code (10048 address in use, ...) when
// the socket cannot be bound.
func (s *Server) StartListening() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.state {
	case StateListening:
		return ErrAlreadyListening
	case StateClosed:
		return ErrServerClosed
	case StateShuttingDown:
		return opError("listen", 0, ErrAlreadyListening, errShuttingDown)
	}
	o := s.opts
	cfg := engine.ListenConfig{
		Host: o.LocalHost, Port: o.LocalPort, Family: engine.Family(o.UseIPv6),
		Backlog: o.ConnectionBacklog, Shared: o.SharePort,
		Socket: o.socketOptions(), Proxy: o.proxyConfig(),
	}
	ln, err := s.eng.Listen(cfg, (*acceptor)(s))
	if err != nil {
		return netError("listen", 0, err)
	}
	s.ln = ln
	s.state = StateListening
	return nil
}

// Addr returns the listening address (with the port the OS chose), or nil
// when not listening.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// StopListening stops accepting new connections; open connections are not
// touched.
func (s *Server) StopListening() error {
	s.mu.Lock()
	ln := s.ln
	s.ln = nil
	if s.state == StateListening {
		s.state = StateIdle
	}
	s.mu.Unlock()
	if ln != nil {
		return ln.Close()
	}
	return nil
}

// Shutdown stops listening and disconnects every connection: gracefully
// (queued data is flushed, bounded by LingerTime) unless NoLinger is set.
// It returns when every connection is closed and, unless ManualEvents is
// set, its OnDisconnected has returned; or when ctx ends, after which the
// remaining connections are reset and ctx.Err() returned. The server can
// listen again afterwards.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.state == StateClosed {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.state = StateShuttingDown
	s.mu.Unlock()
	err := s.StopListening()
	s.resetBusy()
	for _, c := range s.snapshot() {
		c.Disconnect()
	}
	if werr := s.waitEmpty(ctx); werr != nil {
		for _, c := range s.snapshot() {
			c.Reset()
		}
		_ = s.waitEmpty(context.Background())
		err = werr
	}
	s.mu.Lock()
	if s.state == StateShuttingDown {
		s.state = StateIdle
	}
	s.mu.Unlock()
	return err
}

// Close stops listening and resets every connection at once, dropping
// queued data, then waits for them to close. The server cannot be used
// afterwards: its methods return ErrServerClosed.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.state == StateClosed {
		s.mu.Unlock()
		return nil
	}
	s.state = StateShuttingDown
	s.mu.Unlock()
	err := s.StopListening()
	s.resetBusy()
	for _, c := range s.snapshot() {
		c.Reset()
	}
	_ = s.waitEmpty(context.Background())
	s.mu.Lock()
	s.state = StateClosed
	close(s.serveErr)
	s.resetTLSLocked()
	s.mu.Unlock()
	s.exec.Close()
	if s.logLim != nil {
		s.logLim.Close()
	}
	return err
}

// Reset stops listening, resets every connection and restores the options
// given to New (undoing Config changes). The server can listen again
// afterwards.
func (s *Server) Reset() error {
	if s.State() == StateClosed {
		return ErrServerClosed
	}
	err := s.StopListening()
	s.resetBusy()
	for _, c := range s.snapshot() {
		c.Reset()
	}
	_ = s.waitEmpty(context.Background())
	s.mu.Lock()
	s.opts = s.initial
	s.pol = s.opts.policy()
	s.extra = make(map[string]string)
	s.resetTLSLocked()
	s.mu.Unlock()
	return err
}

// ListenAndServe starts listening and serves until ctx ends, then shuts down
// gracefully (bounded by LingerTime). It returns ErrServerClosed if Close is
// called meanwhile.
func (s *Server) ListenAndServe(ctx context.Context) error {
	if err := s.StartListening(); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		s.mu.Lock()
		d := s.opts.LingerTime
		s.mu.Unlock()
		sctx, cancel := context.WithTimeout(context.Background(), d+d/2)
		defer cancel()
		return s.Shutdown(sctx)
	case <-s.serveErr:
		return ErrServerClosed
	}
}

// waitEmpty waits until no engine connection is open and (unless events are
// pumped by hand) every Disconnected event has been delivered.
func (s *Server) waitEmpty(ctx context.Context) error {
	for {
		s.mu.Lock()
		done := s.live == 0 && len(s.busy) == 0 && (s.manual || len(s.conns) == 0)
		if s.changed == nil && !done {
			s.changed = make(chan struct{})
		}
		ch := s.changed
		s.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// notifyLocked wakes waitEmpty; s.mu is held. The channel is made only
// while someone waits, not for every connection.
func (s *Server) notifyLocked() {
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
}

// ConnectionCount returns the number of connections in the map.
func (s *Server) ConnectionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Conn returns the connection with the given id, or an error matching
// ErrInvalidConnectionID.
func (s *Server) Conn(id int64) (*Conn, error) {
	s.mu.Lock()
	c := s.conns[id]
	s.mu.Unlock()
	if c == nil {
		return nil, opError("conn", id, ErrInvalidConnectionID, nil)
	}
	return c, nil
}

// Connections iterates over the connections in id order. It works on a
// snapshot, so connections may open and close (and hooks may run) while
// it is used.
func (s *Server) Connections() iter.Seq[*Conn] {
	return slices.Values(s.snapshot())
}

func (s *Server) snapshot() []*Conn {
	s.mu.Lock()
	cs := slices.Collect(maps.Values(s.conns))
	s.mu.Unlock()
	slices.SortFunc(cs, func(a, b *Conn) int { return int(a.id - b.id) })
	return cs
}

// Broadcast sends p to every connected connection and returns how many
// took all of it; the errors of the others are joined.
func (s *Server) Broadcast(p []byte) (int, error) {
	var errs []error
	n := 0
	for _, c := range s.snapshot() {
		if _, err := c.Send(p); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// acceptor receives the engine's accepted connections.
type acceptor Server

// addrKey is what MaxConnectionsPerAddress counts by: the IPv4 address, or
// the /64 prefix of an IPv6 one (one host or site usually has a whole /64).
func addrKey(a netip.Addr) netip.Addr {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

func (a *acceptor) Accept(ec engine.Conn) {
	s := (*Server)(a)
	key := addrKey(ec.RemoteAddr().Addr())
	s.mu.Lock()
	var reason string
	var cause RefuseCause
	var evicted *Conn
	switch {
	case s.state != StateListening:
		reason, cause = "not listening", RefusedNotListening
	case s.opts.MaxConnectionsPerAddress > 0 && s.perAddr[key] >= s.opts.MaxConnectionsPerAddress:
		reason, cause = "MaxConnectionsPerAddress", RefusedPerAddress
	case s.opts.MaxConnections > 0 && s.live >= s.opts.MaxConnections:
		if evicted = s.evictLocked(); evicted == nil {
			reason, cause = "MaxConnections", RefusedMaxConnections
		}
	}
	if reason != "" {
		busy := s.opts.BusyResponse
		answer := reason != "not listening" && len(busy) > 0 && s.opts.TLSConfig == nil && len(s.busy) < maxBusyAnswers
		if answer {
			s.busy[ec] = false
		}
		s.mu.Unlock()
		if answer {
			(&busyHandler{s: s, ec: ec}).start(busy)
		} else {
			ec.Reset()
		}
		if s.obs != nil {
			s.obs.ConnectionRefused(cause)
		}
		if s.log != nil {
			s.log.Info("connection refused", "remote", ec.RemoteAddr().String(), "reason", reason)
		}
		return
	}
	s.live++
	s.perAddr[key]++
	o := s.opts
	o.TLSConfig = s.effectiveTLSLocked()
	if evicted != nil {
		defer func() {
			if s.log != nil {
				s.log.Info("connection replaced", "id", evicted.id, "remote", evicted.ec.RemoteAddr().String(),
					"reason", "MaxConnections reached while its handshake ran", "handshake", evicted.age().Round(time.Millisecond))
			}
			evicted.closeWith(opError("handshake", evicted.id, ErrTimedOut, errEvicted), true)
		}()
	}
	f := connFixedOf(&o)
	f.maskData, _ = settings.ParseBool(s.remembered("MaskSensitiveData", "True"))
	if s.fixed == nil || *s.fixed != f {
		s.fixed = &f
	}
	fixed := s.fixed
	pol := s.pol
	gen := s.sockGen
	s.mu.Unlock()
	c := newConn(s, ec, &o, fixed)
	c.s.post(c, event{kind: evRequest, verdict: pol.Check(ec.RemoteAddr().Addr()), sockGen: gen})
}

func (a *acceptor) AcceptError(err error) {
	s := (*Server)(a)
	s.post((*sysHandler)(s), event{kind: evError, err: netError("accept", 0, err)})
}

// connClosed is called once per accepted connection when the engine has
// closed it (or it was refused).
func (s *Server) connClosed(c *Conn) {
	s.mu.Lock()
	s.endHandshakeLocked(c)
	if !c.evicted {
		s.uncountLocked(c)
	}
	s.notifyLocked()
	s.mu.Unlock()
}

// uncountLocked gives back c's places in MaxConnections and
// MaxConnectionsPerAddress; s.mu is held.
func (s *Server) uncountLocked(c *Conn) {
	key := addrKey(c.ec.RemoteAddr().Addr())
	s.live--
	if n := s.perAddr[key] - 1; n > 0 {
		s.perAddr[key] = n
	} else {
		delete(s.perAddr, key)
	}
}

// evictAge is how long a connection must have been in its handshake
// (since the accept) before a full server replaces it with a new one:
// longer than an honest handshake over a slow network takes.
const evictAge = time.Second

// evictLocked picks the connection that has been in its handshake longest,
// if that is at least evictAge, to make room for a new one: it no longer
// counts, and the caller resets it. s.mu is held.
func (s *Server) evictLocked() *Conn {
	e := s.handshaking.Front()
	if e == nil {
		return nil
	}
	c := e.Value.(*Conn)
	if c.age() < s.evictAge {
		return nil // the others started later
	}
	s.endHandshakeLocked(c)
	c.evicted = true
	s.uncountLocked(c)
	return c
}

// beginHandshake records that c, just started, is in its handshake,
// unless that has already ended.
func (s *Server) beginHandshake(c *Conn) {
	s.mu.Lock()
	if !c.hsOver && c.hsElem == nil {
		c.hsElem = s.handshaking.PushBack(c)
	}
	s.mu.Unlock()
}

// endHandshakeLocked records that c's handshake is over; s.mu is held.
func (s *Server) endHandshakeLocked(c *Conn) {
	c.hsOver = true
	if c.hsElem != nil {
		s.handshaking.Remove(c.hsElem)
		c.hsElem = nil
	}
}

// maxBusyAnswers bounds the refused connections being sent BusyResponse at
// a time; beyond it refused connections are reset, so that a flood of
// refused clients holds no more than this many descriptors.
const maxBusyAnswers = 64

// busyLinger bounds the life of a refused connection sent BusyResponse:
// the answer, the FIN and the wait for the client's close.
const busyLinger = time.Second

// busyHandler runs a refused connection that is sent BusyResponse: it
// writes the answer at once (without waiting for the request), closes
// gracefully, and discards what the client sends meanwhile, so that the
// client's request does not turn the close into a reset that could drop
// the answer before the client reads it.
type busyHandler struct {
	s  *Server
	ec engine.Conn
}

func (h *busyHandler) start(answer []byte) {
	h.ec.Start(h, engine.StartOptions{QueueSize: len(answer), Linger: busyLinger})
	if _, err := h.ec.Write(answer); err != nil {
		h.ec.Reset()
	} else {
		h.ec.Close(busyLinger)
	}
	// Only a started connection is reset by resetBusy (an engine makes no
	// callback for one reset before Start, so OnClose would never come):
	// one that a stop overtook is reset here.
	s := h.s
	s.mu.Lock()
	_, open := s.busy[h.ec]
	if open {
		s.busy[h.ec] = true
	}
	stopping := s.state != StateListening
	s.mu.Unlock()
	if open && stopping {
		h.ec.Reset()
	}
}

func (h *busyHandler) OnOpen(error)  {}
func (h *busyHandler) OnData([]byte) {}
func (h *busyHandler) OnWritable()   {}
func (h *busyHandler) OnIdle()       {}
func (h *busyHandler) OnClose(error) {
	h.s.mu.Lock()
	delete(h.s.busy, h.ec)
	h.s.notifyLocked()
	h.s.mu.Unlock()
}

// resetBusy resets the refused connections still being answered (those
// not yet started are reset by busyHandler.start).
func (s *Server) resetBusy() {
	s.mu.Lock()
	var cs []engine.Conn
	for ec, started := range s.busy {
		if started {
			cs = append(cs, ec)
		}
	}
	s.mu.Unlock()
	for _, ec := range cs {
		ec.Reset()
	}
}

// addConn makes c one of the server's connections. gen is s.sockGen when
// c was accepted: if Config changed the open sockets' options since (while
// c was being admitted, so not yet among s.conns), c's socket, set at the
// accept, gets the current ones too.
func (s *Server) addConn(c *Conn, gen uint32) {
	s.mu.Lock()
	s.conns[c.id] = c
	s.notifyLocked()
	stale := s.sockGen != gen
	s.mu.Unlock()
	if sc, ok := c.ec.(engine.SocketConfigurer); ok && stale {
		s.sockMu.Lock()
		s.mu.Lock()
		o := s.opts.socketOptions()
		s.mu.Unlock()
		o.ReceiveBuffer, o.SendBuffer = 0, 0
		_ = sc.SetSocketOptions(o) // a closed one has nothing to set
		s.sockMu.Unlock()
	}
	if s.obs != nil {
		s.obs.ConnectionOpened()
	}
}

func (s *Server) removeConn(c *Conn) {
	s.mu.Lock()
	_, known := s.conns[c.id]
	delete(s.conns, c.id)
	s.notifyLocked()
	s.mu.Unlock()
	if known && s.obs != nil {
		s.obs.ConnectionClosed()
	}
}
