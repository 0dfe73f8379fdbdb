package ws

import (
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/tlskit/tlskit/internal/hook"
	"github.com/tlskit/tlskit/socket"
)

// socketTransport runs a Dial connection on the socket package's own
// goroutines: received bytes arrive with its DataAvailable event, room in
// its bounded send buffer with Writable, the end with Error. No goroutine
// of ours waits on an idle connection.
type socketTransport struct {
	s     *socket.Socket
	c     *Conn
	limit int

	mu       sync.Mutex
	ready    bool // the handshake is done and start has run
	wantRoom bool
	paused   bool
	finished bool
}

func newSocketTransport(limit int) *socketTransport {
	if limit <= 0 {
		limit = DefaultSendQueue
	}
	return &socketTransport{limit: limit}
}

func (t *socketTransport) events() socket.Events {
	return socket.Events{
		// tlskit's own code, run by the socket as program hooks: see hook.Own.
		DataAvailable: func(*socket.Socket, int) { defer hook.Own(); t.deliver() },
		Writable:      func(*socket.Socket, int) { defer hook.Own(); t.onWritable() },
		Error:         func(_ *socket.Socket, err error) { defer hook.Own(); t.finish(err) },
	}
}

func (t *socketTransport) bind(c *Conn) {
	t.mu.Lock()
	t.c = c
	t.mu.Unlock()
}

// conn returns the bound Conn, nil during the handshake (when the socket's
// events may already fire).
func (t *socketTransport) conn() *Conn {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.c
}

// start delivers OnConnected and OnReadyToSend, then the bytes read past
// the handshake and whatever the socket buffered meanwhile; from then on
// DataAvailable delivers.
func (t *socketTransport) start(rest []byte) {
	c := t.conn()
	c.evMu.Lock()
	c.opened()
	if len(rest) > 0 {
		c.received(rest)
	}
	t.mu.Lock()
	t.ready = true
	t.mu.Unlock()
	c.evMu.Unlock()
	t.deliver()
}

// deliver feeds the socket's received bytes to the Conn. ReadAll runs under
// the event lock, so bytes are fed in the order they arrived whoever calls.
func (t *socketTransport) deliver() {
	c := t.conn()
	if c == nil {
		return
	}
	c.evMu.Lock()
	defer c.evMu.Unlock()
	for {
		t.mu.Lock()
		ok := t.ready && !t.paused
		t.mu.Unlock()
		if !ok {
			return
		}
		p := t.s.ReadAll()
		if len(p) == 0 {
			return
		}
		c.received(p)
	}
}

func (t *socketTransport) onWritable() {
	t.mu.Lock()
	want := t.wantRoom && t.ready
	t.wantRoom = false
	t.mu.Unlock()
	if !want {
		return
	}
	t.conn().roomReturned()
}

// finish ends the connection once: the data still buffered is delivered
// first, then OnDisconnected. A lost connection (the peer closed) is the
// normal end and reports no error.
func (t *socketTransport) finish(err error) {
	c := t.conn()
	if c == nil {
		return // still in the handshake, which sees the error itself
	}
	t.mu.Lock()
	if t.finished || !t.ready {
		t.mu.Unlock()
		return
	}
	t.finished = true
	t.paused = false
	t.mu.Unlock()
	t.deliver()
	if errors.Is(err, socket.ErrLostConnection) {
		err = nil
	}
	c.evMu.Lock()
	c.transportClosed(err)
	c.evMu.Unlock()
}

func (t *socketTransport) write(p []byte) (int, error) {
	// Ask for Writable before looking at the room: a drain between the
	// look and the ask would otherwise go unnoticed and leave pending
	// bytes waiting for an event that never comes. A spurious call of
	// Conn.writable is harmless.
	t.mu.Lock()
	t.wantRoom = true
	t.mu.Unlock()
	room := t.limit - t.s.BytesLeftToSend()
	n := min(max(room, 0), len(p))
	if n > 0 {
		if _, err := t.s.Send(p[:n]); err != nil {
			if !errors.Is(err, socket.ErrBufferFull) {
				return 0, fmt.Errorf("%w: %w", ErrNotConnected, err)
			}
			n = 0
		}
	}
	if n < len(p) {
		return n, ErrWouldBlock
	}
	return n, nil
}

// waitWritable polls the send buffer: a hook waiting here holds the
// socket's event goroutine, so no Writable event can arrive.
func (t *socketTransport) waitWritable(done <-chan struct{}) bool {
	return pollRoom(done, t.s.IsConnected, func() bool { return t.s.BytesLeftToSend() < t.limit })
}

// closeGraceful closes the socket, which keeps sending what is queued for
// up to its Linger; the end is reported from a goroutine, since the caller
// may be a hook holding the event lock.
func (t *socketTransport) closeGraceful() {
	_ = t.s.Close()
	go t.finish(nil)
}

func (t *socketTransport) abort() { t.closeGraceful() }

func (t *socketTransport) queueLimit() int { return t.limit }

func (t *socketTransport) localAddr() net.Addr  { return t.s.LocalAddr() }
func (t *socketTransport) remoteAddr() net.Addr { return t.s.RemoteAddr() }

func (t *socketTransport) setPaused(on bool) {
	t.mu.Lock()
	t.paused = on
	t.mu.Unlock()
	if !on {
		go t.deliver()
	}
}
