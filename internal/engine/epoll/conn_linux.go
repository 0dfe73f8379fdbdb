package epoll

// A connection's code is split by concern: this file has the type, its
// lifecycle, Start and the epoll interest; write_linux.go the write path;
// close_linux.go the close and the deadlines; read_linux.go and
// tls_linux.go the read path and TLS.
//
// Locks, in the order they may be taken (a lock is never acquired while a
// later one in this list is held):
//
//  1. c.mu, the connection's state (the fields marked so below).
//  2. c.l.mu, the loop's task list and timer heap: post and the timer
//     calls may be made with c.mu held; the loop runs tasks and timers
//     with l.mu released.
//
// c.flushing works as a token beside c.mu: the one goroutine that holds it
// (flush, and progressClose around close_notify) encrypts and writes with
// c.mu released; the others only queue. No callback into the Handler is
// made with c.mu held.

import (
	"crypto/tls"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
	"github.com/tlskit/tlskit/internal/lifecycle"
	"github.com/tlskit/tlskit/internal/tlsrecord"
	"golang.org/x/sys/unix"
)

const (
	// peerCloseWait bounds how long a graceful close waits for the peer's
	// FIN after sending its own, and the flush after the peer's close when
	// StartOptions.Linger is not set.
	peerCloseWait = 2 * time.Second
)

// phase is where a connection is in its life. It only moves forward, by
// setPhaseLocked, along the moves of phases.
//
// The TLS handshake is not a phase, because a close may begin while it
// runs: its progress is c.hs, and a TLS connection is open for
// application data once it succeeded (c.t.state is set).
type phase uint8

const (
	phaseProxy    phase = iota // from a trusted sender: its PROXY header is being read, no Acceptor has it
	phaseNew                   // made by the listener: Start not called yet
	phaseStarted               // Start ran: begin is posted to the loop
	phaseOpen                  // registered with the loop: reading (and the TLS handshake, if any)
	phaseClosing               // Close, Reset or the peer's close (byUs says which): Write refuses
	phaseNotified              // TLS: close_notify is queued, no more application data is encrypted
	phaseDraining              // our FIN is sent: waiting for the peer's
	phaseEnding                // the socket is closed; the handshake goroutine must return before OnClose
	phaseFinished              // OnClose has been (or is being) called, or the unstarted conn was dropped
)

// phases is the connections' lifecycle: for each phase, the phases it may
// move to.
var phases = lifecycle.Table[phase]{
	What:  "epoll: connection",
	Names: []string{"proxy", "new", "started", "open", "closing", "notified", "draining", "ending", "finished"},
	Next: []uint32{
		// The header is read (Accept follows) or refused (reset, no callback).
		phaseProxy: 1<<phaseNew | 1<<phaseFinished,
		// Close or Reset before Start drop the connection: no callback.
		phaseNew: 1<<phaseStarted | 1<<phaseFinished,
		// Close or Reset between Start and begin: begin still registers it.
		phaseStarted: 1<<phaseOpen | 1<<phaseClosing,
		phaseOpen:    1<<phaseClosing | 1<<phaseEnding | 1<<phaseFinished,
		// A plain connection sends its FIN after the flush; a TLS one sends
		// close_notify first.
		phaseClosing:  1<<phaseNotified | 1<<phaseDraining | 1<<phaseEnding | 1<<phaseFinished,
		phaseNotified: 1<<phaseDraining | 1<<phaseEnding | 1<<phaseFinished,
		phaseDraining: 1<<phaseEnding | 1<<phaseFinished,
		phaseEnding:   1 << phaseFinished,
	},
}

func (p phase) String() string { return phases.String(p) }

// setPhaseLocked moves the connection from phase from to phase to, if it is
// in from and phases allows the move; c.mu is held. It reports whether the
// move was made: callers check the phase before moving, so a refusal is a
// bug in this package (a panic in its tests, which set phases.Strict).
func (c *conn) setPhaseLocked(from, to phase) bool { return phases.Move(&c.phase, from, to) }

// hsState is where a TLS connection is in its handshake.
type hsState uint8

const (
	hsNone    hsState = iota // a plain connection
	hsWaiting                // no byte received yet, no goroutine
	hsRunning                // the handshake goroutine runs
	hsDone                   // the handshake has ended (successfully or not)
)

// killAction is what the connection's deadline timer does when it fires.
type killAction uint8

const (
	killHandshake killAction = iota // the TLS handshake did not end in time
	killLinger                      // the graceful close took too long: reset
	killPeerWait                    // our FIN is sent, the peer did not close: close
	killProxy                       // the PROXY header did not come in time
)

// conn is one connection. Its loop reads, runs the timers and makes every
// Handler call; Conn methods may run on any goroutine and touch the socket
// only under mu (writes, epoll_ctl). Only the loop closes the descriptor of
// a started connection, so the loop reads it without holding mu.
type conn struct {
	// Set by newConn, then constant; remote and px are set in phaseProxy
	// (on the loop) before the Acceptor has the connection.
	l      *loop // and its engine, l.e
	remote netip.AddrPort
	local  netip.AddrPort
	px     *proxyWait // a trusted sender's connection: its header (proxy_linux.go); nil otherwise

	// Set by Start (under mu), then constant: h, limit, linger, tc, t and
	// readSize below. The loop reads them without mu (begin is posted
	// after them).
	h      engine.Handler
	limit  int
	linger time.Duration // bound of the flush after the peer's close
	tc     *tls.Conn
	t      *tlsSide // the rest of TLS, nil on a plain connection; its fields are guarded by mu

	mu   sync.Mutex // guards the fields below up to idle, and the small fields at the end
	fd   int        // -1 once closed
	werr error      // the write error that ends the connection
	wire byteQueue  // bytes for the socket (TLS: ciphertext)

	// Atomic.
	idle      atomic.Int64 // idle timeout in nanoseconds, 0 = off
	lastMoved atomic.Int64 // mono() of the last byte moved

	// Guarded by l.mu.
	idleT timer
	killT *timer // the deadline (handshake, linger, peer wait): made when first armed

	// The small fields, last so that they pack; guarded by mu unless
	// marked.
	gen      int32 // registration generation: written by the loop in registerLocked, before begun; read by the loop
	events   uint32
	readSize int32 // set by Start: the most one read takes, at most readBufSize
	phase    phase
	hs       hsState
	// Flags, independent of the phase:
	begun    bool // the loop knows the connection: it may be registered
	byUs     bool // the end was asked for locally (Close or Reset)
	reset    bool // Reset was called: the socket is closed with a RST
	paused   bool // PauseRead
	rdDone   bool // the peer finished sending, or reading failed
	inEpoll  bool // in the loop's epoll set
	wantW    bool // a Write was refused: OnWritable is owed
	fileWait bool // WriteFile met a full socket buffer: EPOLLOUT brings OnWritable
	flushing bool // the flush token (see the lock order above): others only queue
	sniff    bool // on the loop: an untrusted connection of a Proxy listener whose first read is still to check
}

var _ engine.Conn = (*conn)(nil)

// tlsSide is the part of a connection only TLS needs, kept out of conn so
// that a plain connection does not carry it. Guarded by the conn's mu.
type tlsSide struct {
	plain     byteQueue // plaintext not yet encrypted
	batch     int       // plaintext of the ciphertext still in wire
	detached  [tlsBatch / chunkSize]*[]byte
	hsTimeout time.Duration
	in        byteQueue            // received bytes crypto/tls has not read yet
	inErr     error                // what reads return once in is empty (EOF, error)
	blocking  bool                 // the handshake goroutine reads: wait for bytes
	inWake    chan struct{}        // the handshake goroutine's wait for bytes; nil once it is done
	state     *tls.ConnectionState // set once the handshake has succeeded: the connection is open
	endErr    error                // the first cause of an end that waited for the handshake goroutine
}

// resetPlain drops the plaintext not yet encrypted; t may be nil.
func (t *tlsSide) resetPlain() {
	if t != nil {
		t.plain.reset()
	}
}

// reset drops the queued bytes both ways; t may be nil.
func (t *tlsSide) reset() {
	if t != nil {
		t.plain.reset()
		t.in.reset()
	}
}

func newConn(e *Engine, l *loop, fd int, remote netip.AddrPort) *conn {
	c := &conn{l: l, fd: fd, remote: remote, local: localAddrPort(fd), phase: phaseNew}
	c.wire.pool = &e.pool
	c.idleT = timer{idx: -1, kind: timerIdle, c: c}
	return c
}

func (c *conn) RemoteAddr() netip.AddrPort { return c.remote }
func (c *conn) LocalAddr() netip.AddrPort  { return c.local }

func (c *conn) touch() { c.lastMoved.Store(mono()) }

// closingLocked reports whether the connection is closing or has closed:
// Write refuses, a refused Write is owed nothing. c.mu is held.
func (c *conn) closingLocked() bool { return c.phase >= phaseClosing }

// openLocked reports whether application data may reach the socket:
// plain, or the TLS handshake has succeeded. c.mu is held.
func (c *conn) openLocked() bool { return c.t == nil || c.t.state != nil }

func (c *conn) Start(h engine.Handler, opts engine.StartOptions) {
	c.mu.Lock()
	if c.phase != phaseNew {
		c.mu.Unlock()
		return
	}
	opts = opts.WithDefaults()
	c.setPhaseLocked(phaseNew, phaseStarted)
	c.h = h
	c.limit = opts.QueueSize
	c.paused = opts.Paused
	c.linger = opts.Linger
	c.readSize = int32(min(opts.ReadSize, readBufSize))
	if opts.TLS != nil {
		c.t = &tlsSide{}
		c.t.plain.pool, c.t.in.pool = &c.l.e.pool, &c.l.e.pool
		var nc net.Conn = &memConn{c: c}
		if opts.Records != nil {
			nc = tlsrecord.Wrap(nc, opts.Records, opts.RecordBodies)
		}
		c.tc = tls.Server(nc, opts.TLS)
		c.hs = hsWaiting
		c.t.hsTimeout = opts.HandshakeTimeout
		c.t.blocking = true
		c.t.inWake = make(chan struct{}, 1)
	}
	c.mu.Unlock()
	c.touch()
	c.idle.Store(int64(max(opts.IdleTimeout, 0)))
	c.l.post(c.begin)
}

// begin registers the connection with its loop (on the loop).
func (c *conn) begin() {
	c.mu.Lock()
	if c.fd < 0 {
		c.mu.Unlock()
		return
	}
	if c.phase == phaseStarted { // else Close or Reset came first: it is closing
		c.setPhaseLocked(phaseStarted, phaseOpen)
	}
	c.registerLocked()
	plain := c.tc == nil
	c.mu.Unlock()
	if !plain && c.t.hsTimeout > 0 {
		c.armKill(c.t.hsTimeout, killHandshake)
	}
	if d := c.idle.Load(); d > 0 {
		c.l.mu.Lock()
		c.l.setTimerLocked(&c.idleT, c.lastMoved.Load()+d)
		c.l.mu.Unlock()
	}
	if plain {
		c.h.OnOpen(nil)
		c.flush(true)
	}
	if c.px != nil && c.px.lead != nil {
		c.readable() // the bytes that came with the header
	}
}

// registerLocked makes the connection the loop's for its descriptor, with
// a new generation, and adds it to the epoll set (on the loop); c.mu is
// held.
func (c *conn) registerLocked() {
	c.gen = c.l.nextGen()
	c.l.setConn(c.fd, c)
	c.begun = true
	c.updateInterestLocked()
}

// updateInterestLocked makes the epoll registration match what the
// connection wants now; c.mu is held. A connection that wants nothing is
// removed from the set, so a hung-up socket that is not being read cannot
// make a level-triggered loop spin.
func (c *conn) updateInterestLocked() {
	if !c.begun || c.fd < 0 {
		return
	}
	var want uint32
	if !c.rdDone {
		switch {
		case c.hs == hsWaiting || c.hs == hsRunning:
			if c.t.in.len() < hsInLimit {
				want |= unix.EPOLLIN
			}
		case !c.paused || (c.closingLocked() && c.byUs):
			want |= unix.EPOLLIN
		}
	}
	if (c.wire.len() > 0 || c.fileWait) && !c.flushing {
		want |= unix.EPOLLOUT
	}
	if want == c.events && (want != 0) == c.inEpoll {
		return
	}
	ev := unix.EpollEvent{Events: want, Fd: int32(c.fd), Pad: c.gen}
	var err error
	switch {
	case want == 0:
		err = unix.EpollCtl(c.l.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
		c.inEpoll = false
	case !c.inEpoll:
		err = unix.EpollCtl(c.l.epfd, unix.EPOLL_CTL_ADD, c.fd, &ev)
		c.inEpoll = err == nil
	default:
		err = unix.EpollCtl(c.l.epfd, unix.EPOLL_CTL_MOD, c.fd, &ev)
	}
	if err != nil && c.werr == nil {
		// Cannot happen with a valid descriptor; end the connection
		// rather than leave it deaf.
		c.werr = os.NewSyscallError("epoll_ctl", err)
		c.l.post(c.afterFlush)
	}
	c.events = want
}

func (c *conn) PauseRead() {
	c.mu.Lock()
	c.paused = true
	c.updateInterestLocked()
	c.mu.Unlock()
}

func (c *conn) ResumeRead() {
	c.mu.Lock()
	was := c.paused
	c.paused = false
	c.updateInterestLocked()
	drain := was && c.begun && c.phase != phaseFinished && c.tc != nil && c.openLocked()
	lead := was && c.begun && c.phase != phaseFinished && c.px != nil && c.px.lead != nil
	c.mu.Unlock()
	if lead {
		c.l.post(c.readable)
	}
	if drain {
		// crypto/tls may hold records read before the pause.
		c.l.post(c.drainTLS)
	}
}

func (c *conn) ConnectionState() *tls.ConnectionState {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t == nil {
		return nil
	}
	return c.t.state
}

func (c *conn) SetIdleTimeout(d time.Duration) {
	d = max(d, 0)
	c.idle.Store(int64(d))
	c.mu.Lock()
	armed := c.begun && c.phase != phaseFinished
	c.mu.Unlock()
	if !armed {
		return // begin arms it
	}
	c.l.mu.Lock()
	if d == 0 {
		c.l.stopTimerLocked(&c.idleT)
	} else {
		c.l.setTimerLocked(&c.idleT, mono()+int64(d))
	}
	c.l.mu.Unlock()
}

// idleFired runs when the idle timer expires (on the loop): it reports
// idleness, or re-arms for the time still to go since the last byte moved.
func (c *conn) idleFired(now int64) {
	c.mu.Lock()
	done := c.phase == phaseFinished
	c.mu.Unlock()
	d := c.idle.Load()
	if done || d <= 0 {
		return
	}
	next := c.lastMoved.Load() + d
	if next <= now {
		c.h.OnIdle()
		c.touch()
		next = mono() + d
	}
	c.mu.Lock()
	done = c.phase == phaseFinished
	c.mu.Unlock()
	if !done && c.idle.Load() > 0 {
		c.l.mu.Lock()
		if c.idleT.idx < 0 {
			c.l.setTimerLocked(&c.idleT, next)
		}
		c.l.mu.Unlock()
	}
}

func (c *conn) timeoutError() error { return c.opError("read", os.ErrDeadlineExceeded) }

func (c *conn) closedError() error { return c.opError("read", net.ErrClosed) }

// opError wraps err as the net package reports socket errors.
func (c *conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: net.TCPAddrFromAddrPort(c.local),
		Addr: net.TCPAddrFromAddrPort(c.remote), Err: err}
}
