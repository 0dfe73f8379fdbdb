package portable

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
	"github.com/tlskit/tlskit/internal/tlsrecord"
)

// peerCloseWait bounds how long a graceful close waits for the peer's FIN
// after sending its own, when no shorter linger is left.
const peerCloseWait = 2 * time.Second

// conn is one connection of the portable engine, accepted by its listener
// or adopted (see Adopt). The reader goroutine (started by Start) runs the
// handshake, reads, and is the only one to finish the connection; a writer
// goroutine runs only while the send queue holds bytes.
type conn struct {
	sock   net.Conn // the socket (a *net.TCPConn when accepted): closed, half-closed and reset directly
	in     net.Conn // what reads of the socket go through: sock, or a Proxy listener's inConn
	remote netip.AddrPort
	local  netip.AddrPort
	px     *engine.ProxyInfo // a trusted sender's connection's PROXY header (proxy.go)
	first  []byte            // an adopted conn's bytes read before, delivered first; the reader's
	// adoptedTLS is an adopted *tls.Conn: no handshake of ours, but its
	// own when it has not run yet.
	adoptedTLS bool

	mu      sync.Mutex
	cond    sync.Cond // on mu: resume, queue drained, shutdown sent, writer gone, reader stopped
	h       engine.Handler
	started bool
	open    bool     // handshake done; the writer may run
	rw      net.Conn // what reads and writes go through: tcp or a *tls.Conn
	tlsConn *tls.Conn
	state   *tls.ConnectionState // set once the handshake is done

	pending      []byte // queued by Write, not yet taken by the writer
	batch        []byte // taken by the writer, which writes batch[boff:]
	boff         int
	spare        []byte   // the writer's previous batch, reused
	inflight     int      // bytes of batch[boff:] the writer is writing now
	file         *os.File // WriteFile's descriptor (a duplicate), the writer's next or current job
	fileOff      int64    // where file's bytes begin
	fileLeft     int64    // how many of them the writer is to send
	limit        int
	writeSize    int  // LimitWrite: at most this many bytes per write, 0 for all
	readSize     int  // LimitRead: at most this many bytes per read, 0 for the buffer's size
	keepBuffers  bool // KeepBuffers: the writer keeps a large spare between bursts
	writing      bool
	wantWritable bool
	werr         error

	paused    bool
	releasing bool // Release waits for the reader to stop
	released  bool // the reader stopped for Release: no finish
	readDone  bool // the reader goroutine's read loop has ended
	closing   bool // Close called or the peer closed: Write refuses
	byUs      bool // the close was asked for locally (Close or Reset)
	reset     bool // Reset called: drop everything
	shut      bool // close_notify and FIN sent (or not applicable)
	linger    *time.Timer

	cbMu     sync.Mutex // serialises OnIdle against OnClose
	finished bool       // under cbMu: OnClose has been called

	idle      atomic.Int64 // idle timeout in nanoseconds, 0 = off
	lastMoved atomic.Int64 // unix nanoseconds of the last byte moved
	idleTimer *time.Timer  // under mu

	peerLinger time.Duration
}

var _ engine.Conn = (*conn)(nil)

func newConn(sock net.Conn) *conn {
	c := &conn{sock: sock, in: sock, rw: sock, limit: 64 << 10}
	c.cond.L = &c.mu
	if a, ok := sock.RemoteAddr().(*net.TCPAddr); ok {
		c.remote = unmapPort(a.AddrPort())
	}
	if a, ok := sock.LocalAddr().(*net.TCPAddr); ok {
		c.local = unmapPort(a.AddrPort())
	}
	return c
}

// Adopt returns an engine.Conn that runs nc, a connection established by
// other means (a net/http connection taken over with http.Hijacker, a
// dialed one), as the engine runs the connections it accepts: Start
// begins reading, Write queues without blocking, and so on. first holds
// bytes already read from nc (what a bufio.Reader over it buffered); they
// are delivered as the first OnData. A *tls.Conn is used as it is, its
// handshake run at Start if it has not run yet (StartOptions.TLS is
// ignored, HandshakeTimeout bounds that handshake); the socket under it
// (NetConn) is the one closed and reset. Addresses other than TCP ones
// are reported as zero AddrPorts. The ClientConn methods give an owner of
// its own connection byte-exact bounds and Release.
func Adopt(nc net.Conn, first []byte) ClientConn {
	sock := nc
	tc, isTLS := nc.(*tls.Conn)
	if isTLS {
		sock = tc.NetConn()
	}
	c := newConn(sock)
	c.rw = nc
	if len(first) > 0 {
		c.first = first
	}
	if isTLS {
		c.tlsConn, c.adoptedTLS = tc, true
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
	if c.adoptedTLS {
		opts.TLS = nil // nc is what it is
		if st := c.tlsConn.ConnectionState(); st.HandshakeComplete {
			c.state = &st
		}
	}
	// Without a handshake to run, what is written at once goes out even if
	// Close follows before the reader goroutine runs.
	c.open = opts.TLS == nil && (!c.adoptedTLS || c.state != nil)
	handshake := !c.open
	c.mu.Unlock()
	c.touch()
	c.SetIdleTimeout(opts.IdleTimeout)
	var deadline time.Time
	if handshake && opts.HandshakeTimeout > 0 {
		deadline = time.Now().Add(opts.HandshakeTimeout)
	}
	go c.run(opts, handshake, deadline)
}

func (c *conn) touch() { c.lastMoved.Store(time.Now().UnixNano()) }

// run is the reader goroutine: handshake, read loop, finish.
func (c *conn) run(opts engine.StartOptions, handshake bool, deadline time.Time) {
	var err error
	if handshake {
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
	c.mu.Lock()
	released := c.released
	c.readDone = true
	c.cond.Broadcast() // Release waits for it
	c.mu.Unlock()
	if !released {
		c.finish(err)
	}
}

// handshakeConn notes when the handshake's first bytes came, for
// OnHandshake's time. Only the reader goroutine reads.
type handshakeConn struct {
	net.Conn
	first time.Time
}

func (h *handshakeConn) Read(p []byte) (int, error) {
	n, err := h.Conn.Read(p)
	if n > 0 && h.first.IsZero() {
		h.first = time.Now()
	}
	return n, err
}

// handshake runs the TLS handshake and returns how long it took from its
// first received bytes. A positive HandshakeTimeout is a deadline for the
// whole handshake, counted from Start: a peer that sends its messages a
// byte at a time cannot stretch it.
// An adopted *tls.Conn runs its own handshake (its first bytes' time is
// not known: d counts from the start).
func (c *conn) handshake(opts engine.StartOptions, deadline time.Time) (time.Duration, error) {
	if !deadline.IsZero() {
		_ = c.sock.SetDeadline(deadline)
	}
	hc := &handshakeConn{Conn: c.in}
	tc := c.tlsConn
	if c.adoptedTLS {
		hc.first = time.Now()
	} else {
		var nc net.Conn = hc
		if opts.Records != nil {
			nc = tlsrecord.Wrap(hc, opts.Records, opts.RecordBodies)
		}
		tc = tls.Server(nc, opts.TLS)
		c.mu.Lock()
		c.tlsConn = tc
		c.rw = tc
		c.mu.Unlock()
	}
	err := tc.Handshake()
	var d time.Duration
	if !hc.first.IsZero() {
		d = time.Since(hc.first)
	}
	if !deadline.IsZero() {
		_ = c.sock.SetDeadline(time.Time{})
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
		for c.paused && !c.closing && c.werr == nil && !c.releasing {
			c.cond.Wait()
		}
		if c.releasing {
			c.released = true
			c.mu.Unlock()
			return nil
		}
		discard := c.closing
		p := buf
		if c.readSize > 0 && c.readSize < len(p) {
			p = p[:c.readSize]
		}
		c.mu.Unlock()
		if first := c.first; first != nil {
			c.first = nil
			if !discard {
				c.h.OnData(first)
			}
			continue
		}
		n, err := c.rw.Read(p)
		if n > 0 {
			c.touch()
			if !discard {
				c.h.OnData(p[:n])
			}
		}
		if err != nil {
			c.mu.Lock()
			c.released = c.releasing // the read Release's deadline ended
			c.mu.Unlock()
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

	_ = c.sock.Close()

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
	c.pending, c.batch, c.boff, c.spare = nil, nil, 0, nil
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
	if err := c.refusedLocked(); err != nil {
		return 0, err
	}
	room := c.limit - c.queuedLocked()
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

// refusedLocked is why a write is refused now, if it is: a failed write
// or a close. c.mu is held.
func (c *conn) refusedLocked() error {
	if c.werr != nil {
		return c.werr
	}
	if c.closing {
		return net.ErrClosed
	}
	return nil
}

// kickWriter starts the writer goroutine when there is something to write
// and none runs. c.mu is held.
func (c *conn) kickWriter() {
	if c.open && !c.writing && (len(c.pending) > 0 || c.file != nil) && c.werr == nil && !c.reset {
		c.writing = true
		go c.writeLoop()
	}
}

func (c *conn) writeLoop() {
	for {
		c.mu.Lock()
		if c.werr != nil || c.reset || c.queuedLocked() == 0 {
			c.writing = false
			shut := c.closing && !c.shut && c.werr == nil && !c.reset
			if cap(c.spare) > 4<<10 && !c.keepBuffers {
				c.spare = nil // do not hold a large buffer while idle
			}
			c.dropFileLocked()
			// A WriteFile refused while this writer was finishing.
			notify := c.wantWritable && !c.closing && c.werr == nil
			if notify {
				c.wantWritable = false
			}
			c.cond.Broadcast()
			c.mu.Unlock()
			if shut {
				c.shutdownWrite()
			}
			if notify {
				c.h.OnWritable()
			}
			return
		}
		var n int
		var err error
		if c.file != nil {
			c.mu.Unlock()
			n, err = c.writeFile()
			c.touch()
			c.mu.Lock()
			c.dropFileLocked()
		} else {
			if c.boff == len(c.batch) { // take what Write queued
				c.batch, c.boff, c.pending = c.pending, 0, nil
			}
			end := len(c.batch)
			if c.writeSize > 0 {
				end = min(end, c.boff+c.writeSize)
			}
			buf := c.batch[c.boff:end]
			c.inflight = len(buf)
			w := c.rw
			c.mu.Unlock()

			n, err = w.Write(buf)
			c.touch()

			c.mu.Lock()
			c.inflight = 0
			c.boff += len(buf)
			if c.boff >= len(c.batch) { // written (or cut by DiscardQueued)
				c.spare, c.batch, c.boff = c.batch[:0], nil, 0
			}
		}
		notify := false
		if err != nil {
			c.werr = err
		} else if c.wantWritable && !c.closing {
			c.wantWritable = false
			notify = true
		}
		c.mu.Unlock()
		if sh, ok := c.h.(SentHandler); ok && n > 0 {
			sh.OnSent(n)
		}
		if err != nil {
			// The reader is woken by the close and finishes the connection.
			_ = c.sock.Close()
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
		if cw, ok := c.sock.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
			_ = c.sock.SetReadDeadline(time.Now().Add(peerCloseWait))
		} else {
			_ = c.sock.Close() // no half-close (a net.Pipe, say): the reader ends
		}
	} else {
		// Still in the handshake: there is nothing to flush.
		_ = c.sock.Close()
	}
	c.mu.Lock()
	c.shut = true
	c.cond.Broadcast()
	c.mu.Unlock()
}

func (c *conn) Queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queuedLocked()
}

// queuedLocked is Queued with c.mu held.
func (c *conn) queuedLocked() int { return len(c.pending) + len(c.batch) - c.boff + int(c.fileLeft) }

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
		_ = c.sock.Close()
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
	if c.reset || c.released {
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
	c.batch = c.batch[:c.boff+c.inflight]
	c.cond.Broadcast()
	c.mu.Unlock()
	if l, ok := c.sock.(interface{ SetLinger(int) error }); ok {
		_ = l.SetLinger(0)
	}
	_ = c.sock.Close()
}

func (c *conn) ConnectionState() *tls.ConnectionState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}
