package ws

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/topics"
)

// dialSubscriber upgrades a raw client (extra: request header lines) and
// subscribes its server-side Conn to patterns.
func dialSubscriber(t *testing.T, s *Server, conns <-chan *Conn, patterns []string, extra ...string) *rawClient {
	t.Helper()
	r := dialRaw(t, s.Addr().String())
	if resp := r.upgrade(extra...); resp.Status != 101 {
		t.Fatalf("status %d", resp.Status)
	}
	c := <-conns
	for _, p := range patterns {
		if err := c.Subscribe(p); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// Publish reaches each subscriber once, whatever number of its patterns
// match, in the order published, with the frames encoded (and compressed)
// once as Broadcast's; connections of other topics get nothing.
func TestPublishOncePerSubscriberInOrder(t *testing.T) {
	t.Parallel()
	conns := make(chan *Conn, 1)
	s := startServer(t, Options{Events: Events{OnConnected: func(c *Conn) { conns <- c }}})
	plain := dialSubscriber(t, s, conns, []string{"chat.*", "chat.>", "chat.a", ">"})
	z1 := dialSubscriber(t, s, conns, []string{"chat.a", "chat.b"}, "Sec-WebSocket-Extensions: permessage-deflate")
	z2 := dialSubscriber(t, s, conns, []string{"chat.>"}, "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover")
	other := dialSubscriber(t, s, conns, []string{"news"})
	msg := bytes.Repeat([]byte("topic "), 200)
	for i := range 50 {
		if err := s.Publish([]string{"chat.a", "chat.b"}[i%2], DataText, fmt.Appendf(bytes.Clone(msg), "%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Publish("news", DataBinary, []byte("last")); err != nil {
		t.Fatal(err)
	}
	inflate := func(f rawFrame) []byte {
		if !f.Header.RSV1 {
			return f.Payload
		}
		out, err := wsproto.NewDecompressor(false, 15).Decompress(nil, f.Payload, -1)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for i := range 50 {
		want := fmt.Appendf(bytes.Clone(msg), "%d", i)
		for name, r := range map[string]*rawClient{"plain": plain, "z1": z1, "z2": z2} {
			f, ok := r.next()
			if !ok || f.Header.Opcode != wsproto.OpText || !bytes.Equal(inflate(f), want) {
				t.Fatalf("%s: message %d: %v %q", name, i, ok, f.Payload)
			}
			if name != "plain" && !f.Header.RSV1 {
				t.Fatalf("%s: message %d not compressed", name, i)
			}
		}
	}
	for name, r := range map[string]*rawClient{"plain": plain, "other": other} {
		if f, ok := r.next(); !ok || f.Header.Opcode != wsproto.OpBinary || string(f.Payload) != "last" {
			t.Fatalf("%s: want the news message next, got %v %q", name, ok, f.Payload)
		}
	}
}

// Subscriptions end with their connection: none is left in the server nor
// on the bus once every subscriber has gone, and Unsubscribe ends one.
func TestSubscriptionsEndWithConnection(t *testing.T) {
	t.Parallel()
	bus := topics.NewLocal()
	conns := make(chan *Conn, 1)
	s := startServer(t, Options{Bus: bus, Events: Events{OnConnected: func(c *Conn) { conns <- c }}})
	var clients []*rawClient
	for i := range 5 {
		clients = append(clients, dialSubscriber(t, s, conns, []string{"a.b", "a.*", fmt.Sprintf("room.%d", i)}))
	}
	if n := bus.Subscriptions(); n != 7 { // the server subscribes once per pattern
		t.Fatalf("%d bus subscriptions, want 7", n)
	}
	c, _ := s.Conn(1)
	for _, p := range []string{"room.0", "room.0", "a.b"} {
		if err := c.Unsubscribe(p); err != nil {
			t.Fatal(err)
		}
	}
	if n := bus.Subscriptions(); n != 6 {
		t.Fatalf("%d bus subscriptions after Unsubscribe, want 6", n)
	}
	for _, r := range clients {
		r.conn.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.ConnectionCount() > 0 || bus.Subscriptions() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections, %d bus subscriptions left", s.ConnectionCount(), bus.Subscriptions())
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.hub.topics.mu.Lock()
	left, byConn := s.hub.topics.tree.Len(), len(s.hub.topics.byConn)
	s.hub.topics.mu.Unlock()
	if left != 0 || byConn != 0 {
		t.Fatalf("server holds %d subscriptions of %d connections", left, byConn)
	}
	if err := c.Subscribe("a.b"); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("Subscribe after the end: %v", err)
	}
	if n := bus.Subscriptions(); n != 0 {
		t.Fatalf("%d bus subscriptions after a Subscribe of an ended connection", n)
	}
}

// A subscriber that does not read gets its bounded backlog, then is closed
// as too slow; the other subscriber and the publisher go on.
func TestPublishSlowSubscriberClosed(t *testing.T) {
	t.Parallel()
	conns := make(chan *Conn, 1)
	s := startServer(t, Options{Server: server.Options{OutBufferSize: 4096}, Conn: ConnOptions{CloseTimeout: 200 * time.Millisecond},
		Events: Events{OnConnected: func(c *Conn) { conns <- c }}})
	slow := dialRaw(t, s.Addr().String())
	slow.conn.(*net.TCPConn).SetReadBuffer(4 << 10)
	slow.upgrade()
	slowConn := <-conns
	slowConn.Subscribe("t")
	fast := dialSubscriber(t, s, conns, []string{"t"})
	msg := make([]byte, 1<<10)
	rand.Read(msg)
	got := make(chan error, 1)
	read := make(chan int, 2000)
	go func() {
		for i := range 2000 {
			read <- i
			f, ok := fast.next()
			if !ok || !bytes.Equal(f.Payload[:4], fmt.Appendf(nil, "%04d", i)) {
				got <- fmt.Errorf("fast subscriber: message %d: %v %q", i, ok, f.Payload[:min(4, len(f.Payload))])
				return
			}
		}
		got <- nil
	}()
	for i := range 2000 {
		copy(msg, fmt.Appendf(nil, "%04d", i))
		if err := s.Publish("t", DataBinary, msg); err != nil {
			t.Fatal(err)
		}
		for len(read) < i-4 && len(got) == 0 { // the fast one keeps up: at most 4 behind
			time.Sleep(100 * time.Microsecond)
		}
	}
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	select {
	case <-slowConn.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the slow subscriber was not closed")
	}
	if st := slowConn.CloseStatus(); st.Code != ClosePolicyViolation {
		t.Fatalf("slow subscriber closed with %v", st)
	}
}

// A Server and a Handler on one Bus reach each other's subscribers; what
// is not a topic, a text message or a server's connection is refused.
func TestPublishSharedBusAndErrors(t *testing.T) {
	t.Parallel()
	bus := topics.NewLocal()
	s := startServer(t, Options{Bus: bus, Events: Events{OnConnected: func(c *Conn) { c.Subscribe("x.*") }}})
	h, err := NewHandler(HandlerOptions{Bus: bus, Events: Events{OnConnected: func(c *Conn) { c.Subscribe("x.>") }}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := startHandler(t, h)
	cs := dialT(t, s.URL(), nil)
	ch := dialT(t, "ws://"+addr+"/", nil)
	for bus.Subscriptions() < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Publish("x.1", DataText, []byte("from handler")); err != nil {
		t.Fatal(err)
	}
	if err := s.Publish("x.2", DataAutomatic, []byte("from server")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*Conn{cs, ch} {
		for _, want := range []string{"from handler", "from server"} {
			if _, p, err := c.ReadMessage(ctx); err != nil || string(p) != want {
				t.Fatalf("got %q, %v; want %q", p, err, want)
			}
		}
	}
	for _, err := range []error{
		s.Publish("x.*", DataText, nil), s.Publish("", DataText, nil),
		s.Publish("x", DataText, []byte{0xff}), s.Publish("x", DataPing, nil),
		cs.Subscribe("x"), cs.Unsubscribe("x"),
	} {
		if !errors.Is(err, ErrInvalidValue) && !errors.Is(err, ErrUnsupported) {
			t.Errorf("got %v, want ErrInvalidValue or ErrUnsupported", err)
		}
	}
	for c := range s.Connections() {
		if err := c.Subscribe("a..b"); !errors.Is(err, ErrInvalidValue) || !errors.Is(err, topics.ErrInvalidTopic) {
			t.Fatalf("Subscribe(a..b) = %v", err)
		}
	}
}

// A subscriber that cannot take a message without waiting, here one larger
// than its backlog, is closed (1008) rather than left without it.
func TestPublishTooLargeForBacklogCloses(t *testing.T) {
	t.Parallel()
	conns := make(chan *Conn, 1)
	s := startServer(t, Options{Server: server.Options{OutBufferSize: 4096}, Conn: ConnOptions{CloseTimeout: 200 * time.Millisecond},
		Events: Events{OnConnected: func(c *Conn) { conns <- c }}})
	r := dialSubscriber(t, s, conns, []string{"big"})
	if err := s.Publish("big", DataBinary, make([]byte, 64<<10)); err != nil {
		t.Fatal(err)
	}
	if code := r.expectClose(); code != wsproto.CloseCode(ClosePolicyViolation) {
		t.Fatalf("closed with %v, want 1008", code)
	}
}
