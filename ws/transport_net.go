package ws

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// readBufferSize is the read goroutine's buffer, the only buffer an idle
// Handler or Dial connection holds.
const readBufferSize = 8 << 10

// netTransport runs a Conn over a net.Conn (a hijacked HTTP connection or a
// client socket): one goroutine reads and delivers events, and one writes
// only while bytes are queued. Writes never block the caller: the queue
// takes what fits of limit bytes.
type netTransport struct {
	nc    net.Conn
	c     *Conn
	limit int

	mu       sync.Mutex
	queue    []byte
	writing  bool
	closing  bool // close once the queue is written
	closed   bool
	wantRoom bool
	paused   bool
	resume   chan struct{} // closed by setPaused(false) while paused
	aborted  chan struct{} // closed by abort
	abortOne sync.Once
	room     chan struct{} // closed and replaced when the queue drains
	async    sync.WaitGroup
	done     chan struct{} // closed when the read loop has ended

	idle      time.Duration // the idle timeout, 0 for none
	idleTimer *time.Timer   // guarded by mu
	active    atomic.Int64  // when a byte was last read or written (Unix ns)
}

func newNetTransport(nc net.Conn, limit int) *netTransport {
	if limit <= 0 {
		limit = DefaultSendQueue
	}
	return &netTransport{nc: nc, limit: limit, room: make(chan struct{}), done: make(chan struct{}), aborted: make(chan struct{})}
}

func (t *netTransport) write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || t.closing {
		return 0, ErrNotConnected
	}
	n := min(len(p), t.limit-len(t.queue))
	if n < 0 {
		n = 0
	}
	t.queue = append(t.queue, p[:n]...)
	if n > 0 && !t.writing {
		t.writing = true
		go t.writeLoop()
	}
	if n < len(p) {
		t.wantRoom = true
		return n, ErrWouldBlock
	}
	return n, nil
}

func (t *netTransport) writeLoop() {
	var buf []byte
	for {
		t.mu.Lock()
		if len(t.queue) == 0 || t.closed {
			t.writing = false
			t.queue = nil
			closing := t.closing && !t.closed
			want := t.wantRoom
			t.wantRoom = false
			close(t.room)
			t.room = make(chan struct{})
			t.mu.Unlock()
			if closing {
				t.shutdown()
				return
			}
			if want {
				t.notifyWritable()
			}
			return
		}
		buf, t.queue = t.queue, buf[:0]
		t.mu.Unlock()
		_, err := t.nc.Write(buf)
		t.touch()
		if err != nil {
			t.mu.Lock()
			t.closed = true
			t.mu.Unlock()
			t.nc.Close()
		}
		if cap(buf) > 2*t.limit {
			buf = nil
		}
	}
}

// notifyWritable tells the Conn there is room, on a goroutine of its own
// that takes the event lock, so the writer never waits for a hook.
func (t *netTransport) notifyWritable() {
	// Add under mu, against closed: the read loop sets closed before it
	// waits for these goroutines, so no Add can race with its Wait.
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.async.Add(1)
	t.mu.Unlock()
	go func() {
		defer t.async.Done()
		t.c.roomReturned()
	}()
}

func (t *netTransport) waitWritable(done <-chan struct{}) bool {
	t.mu.Lock()
	if t.closed || t.closing {
		t.mu.Unlock()
		return false
	}
	if len(t.queue) < t.limit {
		t.mu.Unlock()
		return true
	}
	room := t.room
	t.mu.Unlock()
	select {
	case <-room:
		t.mu.Lock()
		ok := !t.closed && !t.closing
		t.mu.Unlock()
		return ok
	case <-done:
		return false
	case <-t.done:
		return false
	}
}

// shutdown half-closes for writing, so the peer sees our close, and lets
// the read loop end when the peer closes too (or the close timer aborts).
func (t *netTransport) shutdown() {
	if cw, ok := t.nc.(interface{ CloseWrite() error }); ok {
		if cw.CloseWrite() == nil {
			return
		}
	}
	t.nc.Close()
}

func (t *netTransport) closeGraceful() {
	t.mu.Lock()
	if t.closed || t.closing {
		t.mu.Unlock()
		return
	}
	t.closing = true
	writing := t.writing
	t.mu.Unlock()
	if !writing {
		t.shutdown()
	}
}

func (t *netTransport) abort() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.abortOne.Do(func() { close(t.aborted) })
	if tc, ok := t.nc.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	t.nc.Close()
}

func (t *netTransport) queueLimit() int { return t.limit }

func (t *netTransport) localAddr() net.Addr  { return t.nc.LocalAddr() }
func (t *netTransport) remoteAddr() net.Addr { return t.nc.RemoteAddr() }

// readLoop feeds received bytes to the Conn until the connection ends,
// then reports the end. first holds bytes read past the handshake.
func (t *netTransport) readLoop(first []byte) {
	c := t.c
	defer close(t.done)
	if t.idle > 0 {
		t.touch()
		t.mu.Lock()
		t.idleTimer = time.AfterFunc(t.idle, t.checkIdle)
		t.mu.Unlock()
	}
	c.evMu.Lock()
	c.opened()
	if len(first) > 0 {
		c.received(first)
	}
	c.evMu.Unlock()
	buf := make([]byte, readBufferSize)
	var err error
	for {
		t.waitResumed()
		var n int
		n, err = t.nc.Read(buf)
		if n > 0 {
			t.touch()
			t.waitResumed() // paused while Read was waiting: hold what it got
			c.evMu.Lock()
			c.received(buf[:n])
			c.evMu.Unlock()
		}
		if err != nil {
			break
		}
	}
	t.mu.Lock()
	t.closed = true
	if t.idleTimer != nil {
		t.idleTimer.Stop() // checkIdle rearms it no more once closed
	}
	t.mu.Unlock()
	t.nc.Close()
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		err = nil
	}
	t.async.Wait()
	c.evMu.Lock()
	c.transportClosed(err)
	c.evMu.Unlock()
}

func (t *netTransport) setPaused(on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if on == t.paused {
		return
	}
	t.paused = on
	if on {
		t.resume = make(chan struct{})
	} else {
		close(t.resume)
	}
}

// waitResumed holds the read loop while data delivery is paused; an abort
// (close timeout, shutdown) ends the wait too.
func (t *netTransport) waitResumed() {
	t.mu.Lock()
	paused, resume := t.paused, t.resume
	t.mu.Unlock()
	if !paused {
		return
	}
	select {
	case <-resume:
	case <-t.aborted:
	}
}

// touch records traffic for the idle timeout.
func (t *netTransport) touch() {
	if t.idle > 0 {
		t.active.Store(time.Now().UnixNano())
	}
}

// checkIdle runs from the idle timer: a connection without traffic for
// the idle timeout is closed with 1001, otherwise the timer waits for the
// rest of the period. It fires again after another period, so a close
// handshake that does not end is cut short by the close timer.
func (t *netTransport) checkIdle() {
	quiet := time.Since(time.Unix(0, t.active.Load()))
	next := t.idle - quiet
	if next <= 0 {
		_ = t.c.idleTimeout()
		next = t.idle
	}
	t.mu.Lock()
	if !t.closed {
		t.idleTimer.Reset(next)
	}
	t.mu.Unlock()
}

func (t *netTransport) bind(c *Conn)      { t.c = c }
func (t *netTransport) start(rest []byte) { go t.readLoop(rest) }
