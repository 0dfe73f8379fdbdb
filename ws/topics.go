package ws

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"unicode/utf8"

	"github.com/tlskit/tlskit/internal/wsproto"
	"github.com/tlskit/tlskit/topics"
)

// hubTopics is a hub's subscriptions: the hub holds one Bus subscription
// per pattern that any of its connections has, and sends each message it
// is given to the connections of every matching pattern, once each.
type hubTopics struct {
	mu     sync.Mutex
	bus    topics.Bus
	tree   topics.Tree[*Conn]
	byConn map[*Conn][]string
	buf    []*Conn // under hub.bmu
}

func (h *hub) useBus(b topics.Bus) {
	if b == nil {
		b = topics.NewLocal()
	}
	h.topics.bus = b
}

// Subscribe adds c to the subscribers of a topic pattern (see package
// topics) on its Server or Handler, whose Publish then reaches it until
// Unsubscribe or its end. ErrUnsupported on a dialed connection.
func (c *Conn) Subscribe(pattern string) error {
	if c.hub == nil {
		return fmt.Errorf("%w: Subscribe of a dialed connection", ErrUnsupported)
	}
	return c.hub.subscribe(c, pattern)
}

// Unsubscribe ends c's subscription to pattern, if it has one.
func (c *Conn) Unsubscribe(pattern string) error {
	if c.hub == nil {
		return fmt.Errorf("%w: Unsubscribe of a dialed connection", ErrUnsupported)
	}
	return c.hub.unsubscribe(c, pattern)
}

// Publish sends a text or binary message to the connections subscribed to
// topic on every server of Options.Bus (default: this one's), its frames
// encoded once per server as by Broadcast, and in the order published.
func (s *Server) Publish(topic string, f SendFormat, p []byte) error {
	return s.hub.publish(topic, f, p)
}

// Publish is Server.Publish for the Handler's connections.
func (h *Handler) Publish(topic string, f SendFormat, p []byte) error {
	return h.hub.publish(topic, f, p)
}

func (h *hub) subscribe(c *Conn, pattern string) error {
	if err := topics.ValidPattern(pattern); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidValue, err)
	}
	t := &h.topics
	t.mu.Lock()
	defer t.mu.Unlock()
	h.mu.Lock()
	member := h.conns[c.id] == c
	h.mu.Unlock()
	if !member {
		return ErrNotConnected // its end has dropped its subscriptions
	}
	added, first := t.tree.Add(pattern, c)
	if !added {
		return nil
	}
	if first {
		if err := t.bus.Subscribe(pattern, h); err != nil {
			t.tree.Remove(pattern, c)
			return err
		}
	}
	if t.byConn == nil {
		t.byConn = map[*Conn][]string{}
	}
	t.byConn[c] = append(t.byConn[c], pattern)
	return nil
}

func (h *hub) unsubscribe(c *Conn, pattern string) error {
	if err := topics.ValidPattern(pattern); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidValue, err)
	}
	t := &h.topics
	t.mu.Lock()
	defer t.mu.Unlock()
	ps := t.byConn[c]
	i := slices.Index(ps, pattern)
	if i < 0 {
		return nil
	}
	if ps = slices.Delete(ps, i, i+1); len(ps) == 0 {
		delete(t.byConn, c)
	} else {
		t.byConn[c] = ps
	}
	return t.removeLocked(h, pattern, c)
}

func (t *hubTopics) removeLocked(h *hub, pattern string, c *Conn) error {
	if _, last := t.tree.Remove(pattern, c); last {
		return t.bus.Unsubscribe(pattern, h)
	}
	return nil
}

// dropTopics ends the subscriptions of a connection that has ended.
func (h *hub) dropTopics(c *Conn) {
	t := &h.topics
	t.mu.Lock()
	defer t.mu.Unlock()
	var errs []error
	for _, p := range t.byConn[c] {
		errs = append(errs, t.removeLocked(h, p, c))
	}
	delete(t.byConn, c)
	if err := errors.Join(errs...); err != nil {
		c.logf(LogInfo, "Info", "ending its topic subscriptions: %v", err)
	}
}

func (h *hub) publish(topic string, f SendFormat, p []byte) error {
	op, err := opcodeFor(f, p)
	if err != nil {
		return err
	}
	if !op.IsData() {
		return fmt.Errorf("%w: Publish sends text or binary messages", ErrInvalidValue)
	}
	if op == wsproto.OpText && !utf8.Valid(p) {
		return fmt.Errorf("%w: a text message that is not UTF-8", ErrInvalidValue)
	}
	if err := topics.ValidTopic(topic); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidValue, err)
	}
	return h.topics.bus.Publish(topics.Message{Topic: topic, Data: p, Binary: op == wsproto.OpBinary})
}

// Deliver sends a message from the bus to the subscribed connections, as
// Broadcast does: a slow one gets a bounded backlog, then is closed.
func (h *hub) Deliver(m topics.Message) {
	op := wsproto.OpBinary
	if !m.Binary && utf8.Valid(m.Data) { // another process may publish anything
		op = wsproto.OpText
	}
	pm, err := wsproto.NewPreparedMessage(op, m.Data, h.opts.Load().MaxFrameSize)
	if err != nil {
		return // not reached: op is text or binary
	}
	t := &h.topics
	h.bmu.Lock()
	defer h.bmu.Unlock()
	t.mu.Lock()
	conns := t.tree.Match(t.buf[:0], m.Topic)
	t.mu.Unlock()
	// A subscriber whose backlog overflows is closed by sendPrepared; one
	// that cannot take the message without waiting (larger than its
	// backlog, or behind a message being sent in pieces) is closed too,
	// rather than left without it: each gets every message or is closed.
	// The others are not affected.
	for _, c := range conns {
		if err := c.sendPrepared(pm, len(m.Data)); errors.Is(err, ErrSendTooLarge) || errors.Is(err, ErrWouldBlock) {
			c.logf(LogInfo, "Info", "closing a subscriber that cannot take a topic message without waiting: %v", err)
			_ = c.Close(ClosePolicyViolation, "cannot take a topic message without waiting")
		}
	}
	clear(conns)
	t.buf = conns[:0]
}
