package portable

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
)

// peerCloseWait bounds how long a graceful close waits for the peer's FIN
// after sending its own, when no shorter linger is left.
const peerCloseWait = 2 * time.Second

// conn is one connection of the portable engine. The reader goroutine
// (started by Start) runs the handshake, reads, and is the only one to
// finish the connection; a writer goroutine runs only while the send queue
// holds bytes.
type conn struct {
	tcp    *net.TCPConn
	remote netip.AddrPort
	local  netip.AddrPort

	mu      sync.Mutex
	cond    sync.Cond // on mu: resume, queue drained, shutdown sent, writer gone
	h       engine.Handler
	started bool
	open    bool     // handshake done; the writer may run
	rw      net.Conn // what reads and writes go through: tcp or a *tls.Conn
	tlsConn *tls.Conn
	state   *tls.ConnectionState // set once the handshake is done

	pending      []byte // queued by Write, not yet taken by the writer
	spare        []byte // the writer's previous buffer, reused
	inflight     int    // bytes the writer is writing now
	limit        int
	writing      bool
	wantWritable bool
	werr         error

	paused  bool
	closing bool // Close called or the peer closed: Write refuses
	byUs    bool // the close was asked for locally (Close or Reset)
	reset   bool // Reset called: drop everything
	shut    bool // close_notify and FIN sent (or not applicable)
	linger  *time.Timer

	cbMu     sync.Mutex // serialises OnIdle against OnClose
	finished bool       // under cbMu: OnClose has been called

	idle      atomic.Int64 // idle timeout in nanoseconds, 0 = off
	lastMoved atomic.Int64 // unix nanoseconds of the last byte moved
	idleTimer *time.Timer  // under mu

	peerLinger time.Duration
}

var _ engine.Conn = (*conn)(nil)

func newConn(tc *net.TCPConn) *conn {
	c := &conn{tcp: tc, rw: tc, limit: 64 << 10}
	c.cond.L = &c.mu
	if a, ok := tc.RemoteAddr().(*net.TCPAddr); ok {
		c.remote = unmapPort(a.AddrPort())
	}
	if a, ok := tc.LocalAddr().(*net.TCPAddr); ok {
		c.local = unmapPort(a.AddrPort())
	}
	return c
}

func unmapPort(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

func (c *conn) RemoteAddr() netip.AddrPort { return c.remote }
func (c *conn) LocalAddr() netip.AddrPort  { return c.local }

func (c *conn) Start(h engine.Handler, opts engine.StartOptions) {
	c.mu.Lock()
	if c.started || c.closing {
		c.mu.Unlock()
		return
	}
	opts = opts.WithDefaults()
	c.started = true
	c.h = h
	c.limit = opts.QueueSize
	c.paused = opts.Paused
	c.peerLinger = opts.Linger
	// Without TLS there is no handshake: what is written at once goes out
	// even if Close follows before the reader goroutine runs.
	c.open = opts.TLS == nil
	c.mu.Unlock()
	c.touch()
	c.SetIdleTimeout(opts.IdleTimeout)
	var deadline time.Time
	if opts.TLS != nil && opts.HandshakeTimeout > 0 {
		deadline = time.Now().Add(opts.HandshakeTimeout)
	}
	go c.run(opts, deadline)
}

func (c *conn) touch() { c.lastMoved.Store(time.Now().UnixNano()) }

// run is the reader goroutine: handshake, read loop, finish.
func (c *conn) run(opts engine.StartOptions, deadline time.Time) {
	var err error
	if opts.TLS != nil {
		var d time.Duration
		d, err = c.handshake(opts, deadline)
		if hh, ok := c.h.(engine.HandshakeHandler); ok {
			hh.OnHandshake(d, err)
		}
	}
	c.mu.Lock()
	if err == nil {
		c.open = true
		c.kickWriter()
	}
	c.mu.Unlock()
	c.h.OnOpen(err)
	if err == nil {
		err = c.readLoop(make([]byte, opts.ReadSize))
	}
	c.finish(err)
}

// handshakeConn notes when the handshake's first bytes came, for
// OnHandshake's time. Only the reader goroutine reads.
type handshakeConn struct {
	*net.TCPConn
	first time.Time
}

func (h *handshakeConn) Read(p []byte) (int, error) {
	n, err := h.TCPConn.Read(p)
	if n > 0 && h.first.IsZero() {
		h.first = time.Now()
	}
	return n, err
}

// handshake runs the TLS handshake and returns how long it took from its
// first received bytes. A positive HandshakeTimeout is a deadline for the
// whole handshake, counted from Start: a peer that sends its messages a
// byte at a time cannot stretch it.
func (c *conn) handshake(opts engine.StartOptions, deadline time.Time) (time.Duration, error) {
	hc := &handshakeConn{TCPConn: c.tcp}
	if !deadline.IsZero() {
		_ = c.tcp.SetDeadline(deadline)
	}
	tc := tls.Server(hc, opts.TLS)
	c.mu.Lock()
	c.tlsConn = tc
	c.rw = tc
	c.mu.Unlock()
	err := tc.Handshake()
	var d time.Duration
	if !hc.first.IsZero() {
		d = time.Since(hc.first)
	}
	if !deadline.IsZero() {
		_ = c.tcp.SetDeadline(time.Time{})
	}
	if err != nil {
		return d, err
	}
	c.touch()
	st := tc.ConnectionState()
	c.mu.Lock()
	c.state = &st
	c.mu.Unlock()
	return d, nil
}

func (c *conn) readLoop(buf []byte) error {
	for {
		c.mu.Lock()
		// A failed write (the peer reset) ends a paused connection too:
		// the reader then meets the closed socket and finishes it.
		for c.paused && !c.closing && c.werr == nil {
			c.cond.Wait()
		}
		discard := c.closing
		c.mu.Unlock()
		n, err := c.rw.Read(buf)
		if n > 0 {
			c.touch()
			if !discard {
				c.h.OnData(buf[:n])
			}
		}
		if err != nil {
			return err
		}
	}
}

// finish ends the connection after the reader stopped: a close the peer
// began is completed gracefully, the socket is closed, the writer is waited
// for, and OnClose is called last.
func (c *conn) finish(readErr error) {
	c.mu.Lock()
	local := c.byUs
	if pc, ok := c.h.(engine.PeerCloseHandler); ok && !c.closing && readErr == io.EOF {
		// The handler answers what arrived before the EOF, then closes.
		c.mu.Unlock()
		pc.OnPeerClose()
		c.mu.Lock()
	} else if !c.closing {
		c.startCloseLocked(c.peerLinger)
	}
	for !c.shut && !c.reset && c.werr == nil {
		c.cond.Wait()
	}
	c.closing = true
	c.mu.Unlock()

	_ = c.tcp.Close()

	c.mu.Lock()
	for c.writing {
		c.cond.Wait()
	}
	if c.linger != nil {
		c.linger.Stop()
	}
	if c.idleTimer != nil {
		c.idleTimer.Stop()
	}
	werr := c.werr
	c.pending, c.spare = nil, nil
	c.mu.Unlock()

	var err error
	switch {
	case local:
	case werr != nil && errors.Is(readErr, net.ErrClosed):
		err = werr // the writer closed the socket: its error is the cause
	case readErr != nil && readErr != io.EOF:
		err = readErr
	case werr != nil:
		err = werr
	}
	c.cbMu.Lock()
	c.finished = true
	c.cbMu.Unlock()
	c.h.OnClose(err)
}

func (c *conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.werr != nil {
		return 0, c.werr
	}
	if c.closing {
		return 0, net.ErrClosed
	}
	room := c.limit - len(c.pending) - c.inflight
	n := min(max(room, 0), len(p))
	if n > 0 {
		if c.pending == nil {
			c.pending = c.spare[:0]
			c.spare = nil
		}
		c.pending = append(c.pending, p[:n]...)
		c.kickWriter()
	}
	if n < len(p) {
		c.wantWritable = true
		return n, engine.ErrWouldBlock
	}
	return n, nil
}

// kickWriter starts the writer goroutine when there is something to write
// and none runs. c.mu is held.
func (c *conn) kickWriter() {
	if c.open && !c.writing && len(c.pending) > 0 && c.werr == nil && !c.reset {
		c.writing = true
		go c.writeLoop()
	}
}

func (c *conn) writeLoop() {
	for {
		c.mu.Lock()
		if c.werr != nil || c.reset || len(c.pending) == 0 {
			c.writing = false
			shut := c.closing && !c.shut && c.werr == nil && !c.reset
			if cap(c.spare) > 4<<10 {
				c.spare = nil // do not hold a large buffer while idle
			}
			c.cond.Broadcast()
			c.mu.Unlock()
			if shut {
				c.shutdownWrite()
			}
			return
		}
		buf := c.pending
		c.pending = nil
		c.inflight = len(buf)
		w := c.rw
		c.mu.Unlock()

		_, err := w.Write(buf)
		c.touch()

		c.mu.Lock()
		c.inflight = 0
		c.spare = buf[:0]
		notify := false
		if err != nil {
			c.werr = err
		} else if c.wantWritable && !c.closing {
			c.wantWritable = false
			notify = true
		}
		c.mu.Unlock()
		if err != nil {
			// The reader is woken by the close and finishes the connection.
			_ = c.tcp.Close()
			continue
		}
		if notify {
			c.h.OnWritable()
		}
	}
}

// shutdownWrite sends the TLS close_notify and the TCP FIN, then gives the
// peer a bounded time to close its side, reading (and discarding) until then.
func (c *conn) shutdownWrite() {
	c.mu.Lock()
	if c.shut {
		c.mu.Unlock()
		return
	}
	tc := c.tlsConn
	open := c.open
	c.mu.Unlock()
	if open {
		if tc != nil {
			_ = tc.CloseWrite()
		}
		_ = c.tcp.CloseWrite()
		_ = c.tcp.SetReadDeadline(time.Now().Add(peerCloseWait))
	} else {
		// Still in the handshake: there is nothing to flush.
		_ = c.tcp.Close()
	}
	c.mu.Lock()
	c.shut = true
	c.cond.Broadcast()
	c.mu.Unlock()
}

func (c *conn) Queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending) + c.inflight
}

func (c *conn) PauseRead() {
	c.mu.Lock()
	c.paused = true
	c.mu.Unlock()
}

func (c *conn) ResumeRead() {
	c.mu.Lock()
	c.paused = false
	c.cond.Broadcast()
	c.mu.Unlock()
}

func (c *conn) SetIdleTimeout(d time.Duration) {
	c.idle.Store(int64(max(d, 0)))
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.started || c.closing {
		return
	}
	if d <= 0 {
		if c.idleTimer != nil {
			c.idleTimer.Stop()
		}
		return
	}
	if c.idleTimer == nil {
		c.idleTimer = time.AfterFunc(d, c.idleCheck)
	} else {
		c.idleTimer.Reset(d)
	}
}

// idleCheck runs when the idle timer fires: it reports idleness or rearms
// the timer for the time still to go since the last byte moved.
func (c *conn) idleCheck() {
	d := time.Duration(c.idle.Load())
	if d <= 0 {
		return
	}
	since := time.Since(time.Unix(0, c.lastMoved.Load()))
	next := d - since
	if next <= 0 {
		c.cbMu.Lock()
		if !c.finished {
			c.h.OnIdle()
		}
		c.cbMu.Unlock()
		c.touch()
		next = d
	}
	c.mu.Lock()
	if c.idleTimer != nil && !c.closing {
		c.idleTimer.Reset(next)
	}
	c.mu.Unlock()
}

func (c *conn) Close(linger time.Duration) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.byUs = true
	if !c.started {
		c.closing = true
		c.mu.Unlock()
		_ = c.tcp.Close()
		return
	}
	c.startCloseLocked(linger)
	c.mu.Unlock()
}

// startCloseLocked begins a graceful close: refuse writes, flush, then
// shutdownWrite; a linger timer resets the connection if that takes too long.
func (c *conn) startCloseLocked(linger time.Duration) {
	c.closing = true
	c.cond.Broadcast() // a paused reader resumes to drain
	if linger > 0 {
		c.linger = time.AfterFunc(linger, c.abort)
	}
	if !c.writing && c.werr == nil {
		go c.shutdownWrite()
	}
}

func (c *conn) Reset() {
	c.mu.Lock()
	if c.reset {
		c.mu.Unlock()
		return
	}
	c.byUs = true
	c.mu.Unlock()
	c.abort()
}

// abort drops the queue and closes the socket with a reset.
func (c *conn) abort() {
	c.mu.Lock()
	c.reset = true
	c.closing = true
	c.pending = nil
	c.cond.Broadcast()
	c.mu.Unlock()
	_ = c.tcp.SetLinger(0)
	_ = c.tcp.Close()
}

func (c *conn) ConnectionState() *tls.ConnectionState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}
