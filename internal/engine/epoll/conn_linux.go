package epoll

import (
	"crypto/tls"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
	"golang.org/x/sys/unix"
)

const (
	// peerCloseWait bounds how long a graceful close waits for the peer's
	// FIN after sending its own, and the flush after the peer's close when
	// StartOptions.Linger is not set.
	peerCloseWait = 2 * time.Second
)

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
)

// conn is one connection. Its loop reads, runs the timers and makes every
// Handler call; Conn methods may run on any goroutine and touch the socket
// only under mu (writes, epoll_ctl). Only the loop closes the descriptor of
// a started connection, so the loop reads it without holding mu.
type conn struct {
	l      *loop // and its engine, l.e
	remote netip.AddrPort
	local  netip.AddrPort

	mu     sync.Mutex
	fd     int // -1 once closed
	h      engine.Handler
	werr   error
	limit  int
	linger time.Duration // bound of the flush after the peer's close
	wire   byteQueue     // bytes for the socket (TLS: ciphertext)

	// TLS; the rest of it is in t, nil on a plain connection.
	tc *tls.Conn
	t  *tlsSide

	idle      atomic.Int64 // idle timeout in nanoseconds, 0 = off
	lastMoved atomic.Int64 // mono() of the last byte moved
	idleT     timer
	killT     *timer // the deadline (handshake, linger, peer wait): made when first armed; guarded by l.mu

	// The small fields, together so that they pack: guarded by mu unless
	// marked.
	gen         int32 // registration generation, set by the loop in begin
	events      uint32
	readSize    int32 // the most one read takes, at most readBufSize
	hs          hsState
	started     bool
	begun       bool // the loop knows the connection: it may be registered
	finished    bool // OnClose has been (or is being) called
	open        bool // writes may reach the socket: plain, or handshake done
	paused      bool
	closing     bool // Close, Reset or the peer's close: Write refuses
	byUs        bool // the end was asked for locally
	reset       bool
	rdDone      bool // the peer finished sending, or reading failed
	shutWr      bool // our FIN is sent
	inEpoll     bool
	wantW       bool // a Write was refused: OnWritable is owed
	flushing    bool // someone is flushing; others only queue
	killPending bool // the end came while the handshake goroutine ran
	closeNotify bool // close_notify is queued
}

var _ engine.Conn = (*conn)(nil)

// tlsSide is the part of a connection only TLS needs, kept out of conn so
// that a plain connection does not carry it.
type tlsSide struct {
	plain     byteQueue // plaintext not yet encrypted
	batch     int       // plaintext of the ciphertext still in wire
	detached  [tlsBatch / chunkSize]*[]byte
	hsTimeout time.Duration
	in        byteQueue            // received bytes crypto/tls has not read yet
	inErr     error                // what reads return once in is empty (EOF, error)
	blocking  bool                 // the handshake goroutine reads: wait for bytes
	inWake    chan struct{}        // the handshake goroutine's wait for bytes; nil once it is done
	state     *tls.ConnectionState // set once the handshake is done
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
	c := &conn{l: l, fd: fd, remote: remote, local: localAddrPort(fd)}
	c.wire.pool = &e.pool
	c.idleT = timer{idx: -1, kind: timerIdle, c: c}
	return c
}

func (c *conn) RemoteAddr() netip.AddrPort { return c.remote }
func (c *conn) LocalAddr() netip.AddrPort  { return c.local }

func (c *conn) touch() { c.lastMoved.Store(mono()) }

func (c *conn) Start(h engine.Handler, opts engine.StartOptions) {
	c.mu.Lock()
	if c.started || c.closing || c.finished {
		c.mu.Unlock()
		return
	}
	opts = opts.WithDefaults()
	c.started = true
	c.h = h
	c.limit = opts.QueueSize
	c.paused = opts.Paused
	c.linger = opts.Linger
	c.readSize = int32(min(opts.ReadSize, readBufSize))
	if opts.TLS != nil {
		c.t = &tlsSide{}
		c.t.plain.pool, c.t.in.pool = &c.l.e.pool, &c.l.e.pool
		c.tc = tls.Server(&memConn{c: c}, opts.TLS)
		c.hs = hsWaiting
		c.t.hsTimeout = opts.HandshakeTimeout
		c.t.blocking = true
		c.t.inWake = make(chan struct{}, 1)
	} else {
		c.open = true
	}
	c.mu.Unlock()
	c.touch()
	c.idle.Store(int64(max(opts.IdleTimeout, 0)))
	c.l.post(c.begin)
}

// begin registers the connection with its loop (on the loop).
func (c *conn) begin() {
	c.gen = c.l.nextGen()
	c.mu.Lock()
	if c.fd < 0 {
		c.mu.Unlock()
		return
	}
	c.l.setConn(c.fd, c)
	c.begun = true
	c.updateInterestLocked()
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
		case !c.paused || (c.closing && c.byUs):
			want |= unix.EPOLLIN
		}
	}
	if c.wire.len() > 0 && !c.flushing {
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

func (c *conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.werr != nil {
		err := c.werr
		c.mu.Unlock()
		return 0, err
	}
	if c.closing || c.fd < 0 {
		c.mu.Unlock()
		return 0, net.ErrClosed
	}
	var n int
	var err error
	if c.tc == nil {
		n, err = c.writePlainLocked(p)
	} else {
		n = min(max(c.limit-c.t.plain.len()-c.t.batch, 0), len(p))
		c.t.plain.push(p[:n])
	}
	short := err == nil && n < len(p)
	if short {
		c.wantW = true
	}
	c.mu.Unlock()
	if c.tc != nil && n > 0 {
		c.flush(false)
	}
	if err != nil {
		return n, err
	}
	if short {
		return n, engine.ErrWouldBlock
	}
	return n, nil
}

// writePlainLocked writes what the kernel takes at once and queues what
// fits of the rest.
func (c *conn) writePlainLocked(p []byte) (int, error) {
	done := 0
	if c.wire.len() == 0 {
		for done < len(p) {
			n, err := unix.Write(c.fd, p[done:])
			if n > 0 {
				done += n
			}
			if err == unix.EINTR {
				continue
			}
			if err == unix.EAGAIN {
				break
			}
			if err != nil {
				c.failLocked(err)
				return done, c.werr
			}
		}
		if done > 0 {
			c.touch()
		}
	}
	k := min(max(c.limit-c.wire.len(), 0), len(p)-done)
	c.wire.push(p[done : done+k])
	c.updateInterestLocked()
	return done + k, nil
}

// failLocked records a write error, drops the queues and has the loop end
// the connection.
func (c *conn) failLocked(err error) {
	if c.werr != nil {
		return
	}
	c.werr = c.opError("write", os.NewSyscallError("write", err))
	c.wire.reset()
	c.t.resetPlain()
	c.l.post(c.afterFlush)
}

// writeWireLocked writes the wire queue until it is empty or the kernel
// refuses more.
func (c *conn) writeWireLocked() {
	if c.fd < 0 || c.werr != nil {
		return
	}
	var iov [maxIovecs][]byte
	n, err := c.wire.writeTo(c.fd, iov[:0])
	if n > 0 {
		c.touch()
	}
	if err != nil && err != unix.EAGAIN {
		c.failLocked(err)
	}
}

// flush moves queued bytes to the socket: the wire queue first, then (TLS)
// plaintext encrypted in batches, until everything is written or the
// kernel refuses more. One goroutine flushes at a time; crypto/tls runs
// without c.mu held.
func (c *conn) flush(onLoop bool) {
	c.mu.Lock()
	if c.flushing || c.fd < 0 {
		c.mu.Unlock()
		return
	}
	c.flushing = true
	for c.werr == nil && c.fd >= 0 {
		if c.wire.len() > 0 {
			c.writeWireLocked()
			if c.wire.len() > 0 || c.werr != nil {
				break
			}
		}
		if c.tc == nil {
			break
		}
		c.t.batch = 0
		if !c.open || c.closeNotify || c.t.plain.len() == 0 {
			break
		}
		chunks, head, n := c.t.plain.detach(tlsBatch, c.t.detached[:0])
		c.t.batch = n
		c.mu.Unlock()
		var err error
		for i, ch := range chunks {
			b := *ch
			if i == 0 {
				b = b[head:]
			}
			if err == nil {
				_, err = c.tc.Write(b)
			}
		}
		c.mu.Lock()
		for i, ch := range chunks {
			c.t.plain.pool.put(ch)
			chunks[i] = nil
		}
		if err != nil && c.werr == nil {
			c.werr = err
			c.wire.reset()
			c.t.plain.reset()
		}
	}
	c.flushing = false
	c.updateInterestLocked()
	after := c.werr != nil || c.closing || (c.wantW && c.queuedLocked() <= c.limit/2)
	c.mu.Unlock()
	if after {
		if onLoop {
			c.afterFlush()
		} else {
			c.l.post(c.afterFlush)
		}
	}
}

// afterFlush reports what a flush changed (on the loop): a write error ends
// the connection, room owed to a refused Write is reported, a close in
// progress moves on.
func (c *conn) afterFlush() {
	c.mu.Lock()
	if c.finished || !c.begun {
		c.mu.Unlock()
		return
	}
	werr := c.werr
	notify := werr == nil && c.wantW && !c.closing && c.hs != hsWaiting && c.hs != hsRunning &&
		c.queuedLocked() <= c.limit/2
	if notify {
		c.wantW = false
	}
	closing := c.closing
	c.mu.Unlock()
	switch {
	case werr != nil:
		c.end(werr, false)
	case notify:
		c.h.OnWritable()
	case closing:
		c.progressClose()
	}
}

func (c *conn) queuedLocked() int {
	if c.tc == nil {
		return c.wire.len()
	}
	return c.t.plain.len() + c.t.batch
}

func (c *conn) Queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queuedLocked()
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
	drain := was && c.begun && !c.finished && c.tc != nil && c.open
	c.mu.Unlock()
	if drain {
		// crypto/tls may hold records read before the pause.
		c.l.post(c.drainTLS)
	}
}

func (c *conn) SetIdleTimeout(d time.Duration) {
	d = max(d, 0)
	c.idle.Store(int64(d))
	c.mu.Lock()
	armed := c.begun && !c.finished
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
	done := c.finished
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
	done = c.finished
	c.mu.Unlock()
	if !done && c.idle.Load() > 0 {
		c.l.mu.Lock()
		if c.idleT.idx < 0 {
			c.l.setTimerLocked(&c.idleT, next)
		}
		c.l.mu.Unlock()
	}
}

// armKill sets the connection's deadline d from now, unless an earlier one
// is set (a handshake deadline is always replaced). On the loop.
func (c *conn) armKill(d time.Duration, act killAction) {
	when := mono() + int64(d)
	c.l.mu.Lock()
	if c.killT == nil {
		c.killT = &timer{idx: -1, kind: timerKill, c: c}
	}
	t := c.killT
	if t.idx < 0 || when < t.when || t.act == killHandshake {
		t.act = act
		c.l.setTimerLocked(t, when)
	}
	c.l.mu.Unlock()
}

func (c *conn) killFired(act killAction) {
	switch act {
	case killHandshake:
		// The deadline of the whole handshake, armed by begin: whether
		// the first byte has come or the handshake goroutine waits for
		// the rest, it fails with a timeout.
		c.mu.Lock()
		in := c.hs == hsWaiting || c.hs == hsRunning
		if in && c.t.inErr == nil {
			c.t.inErr = c.timeoutError() // what the handshake goroutine's read returns
		}
		c.mu.Unlock()
		if in {
			c.end(c.timeoutError(), false)
		}
	case killLinger:
		c.end(nil, true)
	case killPeerWait:
		c.end(nil, false)
	}
}

func (c *conn) timeoutError() error { return c.opError("read", os.ErrDeadlineExceeded) }

func (c *conn) closedError() error { return c.opError("read", net.ErrClosed) }

// opError wraps err as the net package reports socket errors.
func (c *conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: net.TCPAddrFromAddrPort(c.local),
		Addr: net.TCPAddrFromAddrPort(c.remote), Err: err}
}

func (c *conn) Close(linger time.Duration) {
	c.mu.Lock()
	if c.closing || c.finished {
		c.mu.Unlock()
		return
	}
	c.closing = true
	c.byUs = true
	if !c.started {
		c.dropUnstarted(false)
		return
	}
	c.updateInterestLocked() // read, discarding, even when paused
	c.mu.Unlock()
	c.l.post(func() {
		if linger > 0 {
			c.armKill(linger, killLinger)
		}
		c.progressClose()
	})
}

func (c *conn) Reset() {
	c.mu.Lock()
	if c.reset || c.finished {
		c.mu.Unlock()
		return
	}
	c.reset = true
	c.byUs = true
	c.closing = true
	c.wire.reset()
	c.t.resetPlain()
	if !c.started {
		c.dropUnstarted(true)
		return
	}
	c.mu.Unlock()
	c.l.post(func() { c.end(nil, true) })
}

func (c *conn) ConnectionState() *tls.ConnectionState {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t == nil || !c.open {
		return nil
	}
	return c.t.state
}

// dropUnstarted closes a connection that was never started: no callback
// follows. c.mu is held and released.
func (c *conn) dropUnstarted(rst bool) {
	c.finished = true
	c.closeFDLocked(rst)
	c.mu.Unlock()
	c.l.e.release()
}

// progressClose takes a graceful close one step further (on the loop):
// flush, close_notify, FIN, then wait for the peer's close.
func (c *conn) progressClose() {
	c.mu.Lock()
	if c.finished || c.fd < 0 {
		c.mu.Unlock()
		return
	}
	if c.hs == hsWaiting || c.hs == hsRunning || c.werr != nil {
		// Nothing can be flushed before the handshake ends.
		err := c.werr
		c.mu.Unlock()
		c.end(err, false)
		return
	}
	if c.tc != nil && c.open && !c.closeNotify {
		if c.t.plain.len() > 0 || c.t.batch > 0 || c.flushing {
			c.mu.Unlock()
			return // the flush comes back here
		}
		c.closeNotify = true
		c.flushing = true
		c.mu.Unlock()
		_ = c.tc.CloseWrite()
		c.mu.Lock()
		c.flushing = false
	}
	if c.wire.len() > 0 {
		c.writeWireLocked()
		if c.wire.len() > 0 && c.werr == nil {
			c.updateInterestLocked() // EPOLLOUT brings the flush back here
			c.mu.Unlock()
			return
		}
	}
	if c.werr != nil {
		err := c.werr
		c.mu.Unlock()
		c.end(err, false)
		return
	}
	if !c.shutWr {
		_ = unix.Shutdown(c.fd, unix.SHUT_WR)
		c.shutWr = true
	}
	rd := c.rdDone
	c.updateInterestLocked()
	c.mu.Unlock()
	if rd {
		c.end(nil, false)
		return
	}
	c.armKill(peerCloseWait, killPeerWait)
}

// closeFDLocked closes the socket: with a reset, or after a last attempt to
// write what is queued (a TLS alert).
func (c *conn) closeFDLocked(rst bool) {
	if c.fd < 0 {
		return
	}
	if c.begun {
		if c.inEpoll {
			_ = unix.EpollCtl(c.l.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
			c.inEpoll = false
		}
		c.l.setConn(c.fd, nil)
	}
	if rst {
		_ = unix.SetsockoptLinger(c.fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	} else if c.wire.len() > 0 {
		c.writeWireLocked()
	}
	unix.Close(c.fd)
	c.fd = -1
}

// end is the one way a started connection ends (on the loop): the socket
// is closed at once and, when no handshake goroutine runs any more, the
// last callbacks are made and the loops released.
func (c *conn) end(err error, rst bool) {
	c.mu.Lock()
	if c.finished {
		c.mu.Unlock()
		return
	}
	endErr := err
	if c.t != nil {
		// An end may wait for the handshake goroutine (below) and come
		// again: the first cause is the one reported.
		if c.t.endErr == nil {
			c.t.endErr = err
		}
		endErr = c.t.endErr
	}
	c.closeFDLocked(rst || c.reset)
	if c.hs == hsRunning {
		c.killPending = true
		if c.t.inErr == nil {
			c.t.inErr = c.closedError()
		}
		c.wakeReaderLocked()
		c.mu.Unlock()
		return // handshakeDone calls end again
	}
	c.finished = true
	waiting := c.hs == hsWaiting
	c.hs = hsDone
	local := c.byUs
	c.wire.reset()
	c.t.reset()
	c.mu.Unlock()

	c.l.mu.Lock()
	c.l.stopTimerLocked(&c.idleT)
	c.l.stopTimerLocked(c.killT)
	c.l.mu.Unlock()
	if waiting {
		hsErr := endErr
		if hsErr == nil {
			hsErr = c.closedError()
		}
		c.h.OnOpen(hsErr)
	}
	if local || isEOF(endErr) {
		endErr = nil
	}
	c.h.OnClose(endErr)
	c.l.e.release()
}
