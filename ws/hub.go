package ws

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/tlskit/tlskit/internal/wsproto"
)

// hub is the set of open connections of a Server or Handler, for Conn
// lookups, Broadcast and Shutdown.
type hub struct {
	mu sync.Mutex
	// bmu makes broadcasts one at a time, so that every connection gets
	// them in the same order; no send blocks while it is held.
	bmu    sync.Mutex
	conns  map[int64]*Conn
	nextID int64
	closed bool
	opts   *atomic.Pointer[ConnOptions]
	topics hubTopics
}

func newHub(opts *atomic.Pointer[ConnOptions]) *hub {
	return &hub{conns: map[int64]*Conn{}, opts: opts}
}

func (h *hub) add(c *Conn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	if c.id == 0 {
		h.nextID++
		c.id = h.nextID
	}
	h.conns[c.id] = c
	c.hub = h
	return true
}

func (h *hub) remove(c *Conn) {
	h.mu.Lock()
	if h.conns[c.id] == c {
		delete(h.conns, c.id)
	}
	h.mu.Unlock()
	h.dropTopics(c)
}

func (h *hub) get(id int64) (*Conn, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c, ok := h.conns[id]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("%w: %d", ErrInvalidConnectionID, id)
}

func (h *hub) snapshot() []*Conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	ids := slices.Sorted(maps.Keys(h.conns))
	out := make([]*Conn, 0, len(ids))
	for _, id := range ids {
		out = append(out, h.conns[id])
	}
	return out
}

// broadcast sends one message to every open connection, encoding its frames
// once (and compressing them once when any connection uses deflate). It
// returns how many connections took it; the others' errors are joined. A
// slow connection gets a bounded backlog and is closed when it overflows
// (see Conn.sendPrepared).
// Broadcasts are queued to all connections one after the other, never
// interleaved, so each connection gets them in the same order.
func (h *hub) broadcast(f SendFormat, p []byte) (int, error) {
	op, err := opcodeFor(f, p)
	if err != nil {
		return 0, err
	}
	if !op.IsData() {
		return 0, fmt.Errorf("%w: Broadcast sends text or binary messages", ErrInvalidValue)
	}
	m, err := wsproto.NewPreparedMessage(op, p, h.opts.Load().MaxFrameSize)
	if err != nil {
		return 0, err
	}
	h.bmu.Lock()
	defer h.bmu.Unlock()
	return h.sendEach(h.snapshot(), m, len(p))
}

// sendEach queues m to each of conns, with hub.bmu held.
func (h *hub) sendEach(conns []*Conn, m *wsproto.PreparedMessage, size int) (int, error) {
	n := 0
	var errs []error
	for _, c := range conns {
		if err := c.sendPrepared(m, size); err != nil {
			errs = append(errs, &SendError{ConnectionID: c.id, Err: err})
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// shutdown closes every connection with code, then waits for them (or ctx).
func (h *hub) shutdown(ctx context.Context, code CloseCode, reason string) error {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	conns := h.snapshot()
	for _, c := range conns {
		if c.Close(code, reason) != nil {
			c.tr.Reset()
		}
	}
	for _, c := range conns {
		select {
		case <-c.doneChan():
		case <-ctx.Done():
			for _, c := range h.snapshot() {
				c.tr.Reset()
			}
			return ctx.Err()
		}
	}
	return nil
}

// reopen lets a hub take connections again after shutdown.
func (h *hub) reopen() {
	h.mu.Lock()
	h.closed = false
	h.mu.Unlock()
}
