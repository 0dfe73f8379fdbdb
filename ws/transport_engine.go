package ws

import (
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
	"github.com/tlskit/tlskit/internal/engine/portable"
)

// readBufferSize is the engine's read size on Handler and client
// connections, the only buffer an idle one holds.
const readBufferSize = 8 << 10

// engineTransport runs a Handler or client Conn on its net.Conn (a
// hijacked HTTP connection, a dialed one) adopted by the portable engine,
// and is that engine.Conn's Handler: the engine reads, queues (SendQueue
// bytes) and writes, and the callbacks feed the Conn as its events
// (executor.go), one at a time, on the connection's own goroutines, so that
// a hook that blocks holds up its own connection only. With ManualEvents
// the events wait for DoEvents, and so does the engine's reader, whose
// buffer a data event borrows: reading stops until the program pumps.
type engineTransport struct {
	nc    net.Conn // for the addresses and the TLS state
	ec    engine.Conn
	c     *Conn
	limit int
	man   *manualEvents // ManualEvents only, nil otherwise

	paused atomic.Bool // PauseData; changed under mu

	mu      sync.Mutex
	held    []byte       // received while paused, delivered by ProcessData
	room    engine.Waker // woken at each OnWritable and at the end
	started bool
	early   bool // ended before it started: start reports the end itself
	opened  bool // OnOpen has delivered OnConnected
	closed  bool // OnClose has begun
	ready   bool // an OnReadyToSend goroutine runs
	again   bool // and is to fire once more
	async   sync.WaitGroup
}

// newEngineTransport returns the transport of a Conn over nc, its send
// queue bounded by limit bytes (0: DefaultSendQueue); man is nil, or with
// ManualEvents what the connection needs for them.
func newEngineTransport(nc net.Conn, limit int, man *manualEvents) *engineTransport {
	if limit <= 0 {
		limit = DefaultSendQueue
	}
	return &engineTransport{nc: nc, limit: limit, man: man}
}

var _ engine.Handler = (*engineTransport)(nil)

// adopt hands nc to the engine, with first, the bytes already read from
// it, to be delivered first; it is called before the Conn is shared.
func (t *engineTransport) adopt(first []byte) { t.ec = portable.Adopt(t.nc, first) }

func (t *engineTransport) bind(c *Conn) {
	t.c = c
	c.evq = newEventQueue()
}

// start runs the connection, closing it after idle without traffic (0:
// never); rest are bytes read past the handshake when adopt has not run
// yet.
func (t *engineTransport) start(rest []byte, idle time.Duration) {
	if t.ec == nil {
		t.adopt(rest)
	}
	t.mu.Lock()
	defer t.mu.Unlock() // the engine calls no Handler method before Start returns
	t.started = true
	if t.early {
		go t.OnClose(nil)
		return
	}
	t.ec.Start(t, engine.StartOptions{QueueSize: t.limit, ReadSize: readBufferSize, IdleTimeout: idle})
}

func (t *engineTransport) Send(p []byte) (int, error) {
	n, err := t.ec.Write(p)
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, engine.ErrWouldBlock):
		return n, ErrWouldBlock
	case errors.Is(err, net.ErrClosed):
		return n, ErrNotConnected
	}
	return n, err
}

func (t *engineTransport) Writable() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.room.Chan(t.closed)
}

func (t *engineTransport) PauseData() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.paused.Load() {
		t.paused.Store(true)
		t.ec.PauseRead()
	}
}

// ProcessData resumes: what arrived while pausing is delivered first, as
// an event queued now (the caller may be a hook of the connection, after
// which it runs), and reading resumes after it.
func (t *engineTransport) ProcessData() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.paused.Load() {
		return
	}
	t.paused.Store(false)
	held := t.held
	t.held = nil
	if len(held) == 0 || t.closed {
		t.ec.ResumeRead()
		return
	}
	// Queued under mu, so before OnClose's last event.
	t.exec().Post(t.c, connEvent{fn: func() {
		t.c.received(held)
		t.mu.Lock()
		if !t.paused.Load() {
			t.ec.ResumeRead()
		}
		t.mu.Unlock()
	}})
}

func (t *engineTransport) AcceptData() bool { return !t.paused.Load() }

// Disconnect closes once the queue is written, with no limit: the Conn's
// close timer resets a connection whose close does not end.
func (t *engineTransport) Disconnect() { t.end(func() { t.ec.Close(0) }) }

func (t *engineTransport) Reset() { t.end(t.ec.Reset) }

func (t *engineTransport) end(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.started {
		t.early = true
	}
	t.stopWaitingLocked()
	f()
}

func (t *engineTransport) queueLimit() int      { return t.limit }
func (t *engineTransport) localAddr() net.Addr  { return t.nc.LocalAddr() }
func (t *engineTransport) remoteAddr() net.Addr { return t.nc.RemoteAddr() }

func (t *engineTransport) connectionState() (tls.ConnectionState, bool) {
	if s, ok := t.nc.(interface {
		ConnectionState() (tls.ConnectionState, bool)
	}); ok {
		return s.ConnectionState()
	}
	if tc, ok := t.nc.(*tls.Conn); ok {
		return tc.ConnectionState(), true
	}
	return tls.ConnectionState{}, false
}

// exec is the executor of the connection's events.
func (t *engineTransport) exec() *connExecutor {
	if t.man != nil {
		return t.man.exec
	}
	return connEvents
}

// stop is closed when an event waiting for DoEvents is to be dropped
// (nil, never, without ManualEvents).
func (t *engineTransport) stop() <-chan struct{} {
	if t.man != nil {
		return t.man.ended
	}
	return nil
}

// stopWaitingLocked drops the events that wait for DoEvents, and later
// ones that would: the connection is ended. t.mu is held.
func (t *engineTransport) stopWaitingLocked() {
	if t.man == nil {
		return
	}
	select {
	case <-t.man.ended:
	default:
		close(t.man.ended)
	}
}

// serially runs fn as one of the connection's events and returns once it
// has run; with ManualEvents it may instead be dropped, when the
// connection is ended before DoEvents runs it. It reports whether fn ran.
func (t *engineTransport) serially(fn func()) bool {
	return t.exec().DoUntil(t.c, connEvent{fn: fn}, t.stop())
}

// event runs fn as one of the connection's events that nothing waits
// for and that is never dropped: with ManualEvents it is queued for
// DoEvents; otherwise it runs at once when the connection is idle, or
// the caller waits for its turn.
func (t *engineTransport) event(fn func()) {
	if t.man != nil {
		t.man.exec.Post(t.c, connEvent{fn: fn})
		return
	}
	connEvents.Do(t.c, connEvent{fn: fn})
}

// deliver hands p to received as one of the connection's events, and
// returns once it has been handled (p is then free again), or dropped
// (see serially).
func (t *engineTransport) deliver(p []byte) {
	t.exec().DoUntil(t.c, connEvent{data: p}, t.stop())
}

// noEvents tells Handler.Shutdown that the connection, refused before it
// started, has no event to come.
func (t *engineTransport) noEvents() {
	if t.man != nil {
		close(t.man.posted)
	}
}

// The engine's callbacks.

func (t *engineTransport) OnOpen(err error) {
	if err != nil {
		return // OnClose follows
	}
	t.event(func() {
		t.mu.Lock()
		t.opened = true // an OnReadyToSend from now is queued after this: it follows
		t.mu.Unlock()
		t.c.opened()
	})
}

func (t *engineTransport) OnData(p []byte) {
	if t.paused.Load() && t.hold(p) {
		return
	}
	t.deliver(p)
}

// hold keeps p, read while PauseData took effect, for ProcessData.
func (t *engineTransport) hold(p []byte) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.paused.Load() {
		return false
	}
	t.held = append(t.held, p...)
	return true
}

// OnWritable wakes blocking sends, hands the Conn's pending bytes to the
// engine and, when a send was refused, fires OnReadyToSend on a goroutine
// of its own, so that the engine's writer never waits for a hook. Room
// that returns while that goroutine runs makes it fire once more, not
// start another; before OnConnected it fires nothing (OnConnected's
// OnReadyToSend follows).
func (t *engineTransport) OnWritable() {
	t.mu.Lock()
	t.room.Wake()
	t.mu.Unlock()
	if !t.c.writable() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.closed || !t.opened:
	case t.ready:
		t.again = true
	default:
		t.ready = true
		t.async.Add(1) // before closed is set: OnClose waits
		go t.fireReady()
	}
}

func (t *engineTransport) fireReady() {
	defer t.async.Done()
	for {
		t.serially(t.c.readyNow)
		t.mu.Lock()
		again := t.again && !t.closed
		t.again = false
		t.ready = again
		t.mu.Unlock()
		if !again {
			return
		}
	}
}

func (t *engineTransport) OnIdle() { _ = t.c.idleTimeout() }

// OnClose reports the end once what was held is delivered. With
// ManualEvents that is the last event DoEvents delivers (a client Conn's
// own executor is then closed), and OnClose does not wait for it.
func (t *engineTransport) OnClose(err error) {
	t.mu.Lock()
	t.closed = true
	t.room.Wake()
	held := t.held
	t.held = nil
	t.stopWaitingLocked() // an OnReadyToSend waiting for DoEvents is dropped
	t.mu.Unlock()
	t.async.Wait()
	c := t.c
	t.event(func() {
		if len(held) > 0 {
			c.received(held)
		}
		c.transportClosed(err)
		if t.man != nil && t.man.own {
			t.man.exec.Close()
		}
	})
	if t.man != nil {
		close(t.man.posted)
	}
}
