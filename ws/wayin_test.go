package ws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
	"github.com/tlskit/tlskit/server"
)

// The tests in this file run on each of the three ways a Conn is made: a
// standalone Server's, a Handler's (behind net/http) and Dial's, each
// with a raw peer that reads only when the test says, and check that they
// follow the same rules.

// rawPeer is the other end of a Conn under test: it writes whole frames
// and reads the Conn's.
type rawPeer struct {
	conn net.Conn
	send func(op wsproto.Opcode, p []byte)
	next func() (rawFrame, bool)
}

// wayIn makes Conns one way, with a send queue of queue bytes (SendQueue,
// or OutBufferSize for a standalone Server) and the hooks ev; the Conns of
// one factory share their server.
type wayIn struct {
	name    string
	factory func(t *testing.T, queue int, ev Events) func() (*Conn, *rawPeer)
	// manual makes one Conn with ManualEvents and the hooks ev. It
	// returns its peer (sent once the upgrade is answered: DoEvents must
	// run meanwhile), the DoEvents that delivers its events, what ends
	// them (the server closed, the Handler shut down; nothing for a
	// client, whose end is its connection's) and the error DoEvents
	// returns then.
	manual func(t *testing.T, ev Events) (peer <-chan *rawPeer, pump func(context.Context) error, end func(), closed error)
}

var waysIn = []wayIn{
	{"server", func(t *testing.T, queue int, ev Events) func() (*Conn, *rawPeer) {
		conns := make(chan *Conn, 4)
		s := startServer(t, Options{Server: server.Options{OutBufferSize: queue}, Events: announce(ev, conns)})
		return func() (*Conn, *rawPeer) {
			r := dialRaw(t, s.Addr().String())
			r.upgrade()
			return takeConn(t, conns), clientPeer(r)
		}
	}, func(t *testing.T, ev Events) (<-chan *rawPeer, func(context.Context) error, func(), error) {
		s := startServer(t, Options{Server: server.Options{ManualEvents: true}, Events: ev})
		return upgradeRaw(t, s.Addr().String()), s.DoEvents, func() { _ = s.Close() }, ErrServerClosed
	}},
	{"handler", func(t *testing.T, queue int, ev Events) func() (*Conn, *rawPeer) {
		conns := make(chan *Conn, 4)
		h, err := NewHandler(HandlerOptions{Conn: ConnOptions{SendQueue: queue}, Events: announce(ev, conns)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		addr := startHandler(t, h)
		return func() (*Conn, *rawPeer) {
			r := dialRaw(t, addr)
			r.upgrade()
			return takeConn(t, conns), clientPeer(r)
		}
	}, func(t *testing.T, ev Events) (<-chan *rawPeer, func(context.Context) error, func(), error) {
		h, err := NewHandler(HandlerOptions{ManualEvents: true, Events: ev}, nil)
		if err != nil {
			t.Fatal(err)
		}
		end := func() {
			if err := h.Shutdown(t.Context()); err != nil {
				t.Error(err)
			}
		}
		return upgradeRaw(t, startHandler(t, h)), h.DoEvents, end, ErrServerClosed
	}},
	{"dial", func(t *testing.T, queue int, ev Events) func() (*Conn, *rawPeer) {
		return func() (*Conn, *rawPeer) {
			url, ch := startRawServer(t, accept101())
			c := dialT(t, url, &DialOptions{Conn: ConnOptions{SendQueue: queue, DisablePermessageDeflate: true}, Events: ev})
			rs := <-ch
			t.Cleanup(func() { rs.conn.Close() }) // before dialT's wait for the end
			return c, &rawPeer{conn: rs.conn, next: rs.next, send: func(op wsproto.Opcode, p []byte) {
				if _, err := rs.conn.Write(sframe(true, op, p)); err != nil {
					t.Error(err)
				}
			}}
		}
	}, func(t *testing.T, ev Events) (<-chan *rawPeer, func(context.Context) error, func(), error) {
		url, ch := startRawServer(t, accept101())
		c := dialT(t, url, &DialOptions{Conn: ConnOptions{DisablePermessageDeflate: true}, Events: ev, ManualEvents: true})
		rs := <-ch
		t.Cleanup(func() { rs.conn.Close() })
		peer := make(chan *rawPeer, 1)
		peer <- &rawPeer{conn: rs.conn, next: rs.next, send: func(op wsproto.Opcode, p []byte) {
			if _, err := rs.conn.Write(sframe(true, op, p)); err != nil {
				t.Error(err)
			}
		}}
		return peer, c.DoEvents, func() {}, ErrNotConnected
	}},
}

// upgradeRaw connects a raw client to addr and upgrades it on a goroutine
// (with ManualEvents the answer waits for DoEvents), then sends it.
func upgradeRaw(t *testing.T, addr string) <-chan *rawPeer {
	peer := make(chan *rawPeer, 1)
	r := dialRaw(t, addr)
	go func() {
		r.upgrade()
		peer <- clientPeer(r)
	}()
	return peer
}

// eachWayIn runs f as a parallel subtest per way in.
func eachWayIn(t *testing.T, f func(t *testing.T, w wayIn)) {
	t.Parallel()
	for _, w := range waysIn {
		t.Run(w.name, func(t *testing.T) {
			t.Parallel()
			f(t, w)
		})
	}
}

// open makes one Conn the way w says.
func (w wayIn) open(t *testing.T, queue int, ev Events) (*Conn, *rawPeer) {
	return w.factory(t, queue, ev)()
}

// announce adds to ev's OnConnected the sending of the Conn on conns.
func announce(ev Events, conns chan<- *Conn) Events {
	user := ev.OnConnected
	ev.OnConnected = func(c *Conn) {
		if user != nil {
			user(c)
		}
		conns <- c
	}
	return ev
}

func takeConn(t *testing.T, conns <-chan *Conn) *Conn {
	t.Helper()
	select {
	case c := <-conns:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no OnConnected")
	}
	return nil
}

func clientPeer(r *rawClient) *rawPeer {
	return &rawPeer{conn: r.conn, next: r.next, send: func(op wsproto.Opcode, p []byte) { r.frame(true, op, p) }}
}

// message reads the peer's next whole message.
func (p *rawPeer) message(t *testing.T) []byte {
	t.Helper()
	var m []byte
	for {
		f, ok := p.next()
		if !ok {
			t.Fatal("the connection ended mid-message")
		}
		if f.Header.Opcode.IsControl() {
			continue
		}
		m = append(m, f.Payload...)
		if f.Header.Fin {
			return m
		}
	}
}

// readMessages reads n messages of the peer on a goroutine and reports
// the bytes they held.
func (p *rawPeer) readMessages(t *testing.T, n int) <-chan int {
	got := make(chan int, 1)
	go func() {
		total := 0
		defer func() { got <- total }() // also when a bad frame fails the test
		for range n {
			var m []byte
			for {
				f, ok := p.next()
				if !ok {
					return
				}
				if f.Header.Opcode.IsControl() {
					continue
				}
				m = append(m, f.Payload...)
				if f.Header.Fin {
					break
				}
			}
			total += len(m)
		}
	}()
	return got
}

// fillQueue sends msg until a send fails (at most 10,000 times) and
// returns the count sent and the error.
func fillQueue(c *Conn, msg []byte) (int, error) {
	for sent := range 10000 {
		if _, err := c.SendBytes(msg); err != nil {
			return sent, err
		}
	}
	return 10000, nil
}

func waitSignal(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(15 * time.Second):
		t.Fatalf("no %s", what)
	}
}

// A full send queue refuses a send with ErrWouldBlock, all or nothing;
// OnReadyToSend follows once the peer reads, and a send then goes; a
// blocking WriteMessage waits for room and proceeds.
func TestWayInFlowControl(t *testing.T) {
	eachWayIn(t, func(t *testing.T, w wayIn) {
		ready := make(chan struct{}, 64)
		c, peer := w.open(t, 8<<10, Events{
			OnReadyToSend: func(*Conn) {
				select {
				case ready <- struct{}{}:
				default: // one is enough
				}
			},
			OnDataIn: func(*Conn, DataFormat, []byte, bool, bool) {},
		})
		defer peer.conn.Close()
		waitSignal(t, ready, "OnReadyToSend after OnConnected")
		msg := bytes.Repeat([]byte{0xab}, 4<<10)
		sent, err := fillQueue(c, msg)
		if !errors.Is(err, ErrWouldBlock) {
			t.Fatalf("after %d messages: %v", sent, err)
		}
		if c.BytesSent() != 0 {
			t.Fatalf("BytesSent() = %d after a refused send", c.BytesSent())
		}
		for i := range sent {
			if m := peer.message(t); !bytes.Equal(m, msg) {
				t.Fatalf("message %d of %d lost or damaged", i, sent)
			}
		}
		waitSignal(t, ready, "OnReadyToSend once the peer read")
		if _, err := c.SendText("after"); err != nil {
			t.Fatal(err)
		}
		if m := peer.message(t); string(m) != "after" {
			t.Fatalf("got %q", m)
		}
		big := bytes.Repeat([]byte("w"), 1<<20)
		got := peer.readMessages(t, 1)
		if err := c.WriteMessage(t.Context(), DataBinary, big); err != nil {
			t.Fatal(err)
		}
		if n := <-got; n != len(big) {
			t.Fatalf("peer got %d bytes of %d", n, len(big))
		}
	})
}

// A blocking send inside the connection's own hook, where no
// OnReadyToSend can arrive, waits for room and proceeds.
func TestWayInBlockingSendInsideHook(t *testing.T) {
	eachWayIn(t, func(t *testing.T, w wayIn) {
		big := bytes.Repeat([]byte("w"), 1<<20)
		done := make(chan error, 1)
		_, peer := w.open(t, 8<<10, Events{OnDataIn: func(c *Conn, f DataFormat, data []byte, eom, eol bool) {
			var err error
			for range 3 {
				if err = c.WriteMessage(t.Context(), DataBinary, big); err != nil {
					break
				}
			}
			done <- err
		}})
		defer peer.conn.Close()
		got := peer.readMessages(t, 3)
		peer.send(wsproto.OpText, []byte("go"))
		if n := <-got; n != 3*len(big) {
			t.Fatalf("peer got %d bytes of %d", n, 3*len(big))
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// With SetTimeout a send waits for room instead of returning
// ErrWouldBlock, and fails with ErrTimedOut when none comes in time;
// a message larger than the queue goes once the peer reads.
func TestWayInSetTimeout(t *testing.T) {
	eachWayIn(t, func(t *testing.T, w wayIn) {
		c, peer := w.open(t, 8<<10, Events{OnDataIn: func(*Conn, DataFormat, []byte, bool, bool) {}})
		defer peer.conn.Close()
		if err := c.SetTimeout(-time.Second); !errors.Is(err, ErrInvalidValue) {
			t.Fatalf("SetTimeout(-1s) = %v", err)
		}
		if err := c.SetTimeout(200 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
		msg := bytes.Repeat([]byte{0xcd}, 4<<10)
		sent, err := fillQueue(c, msg)
		if !errors.Is(err, ErrTimedOut) || errors.Is(err, ErrWouldBlock) {
			t.Fatalf("after %d messages: %v, want ErrTimedOut", sent, err)
		}
		if err := c.SetTimeout(20 * time.Second); err != nil {
			t.Fatal(err)
		}
		big := bytes.Repeat([]byte{0xef}, 64<<10) // more than the queue holds at once
		got := peer.readMessages(t, sent+20)
		for i := range 20 {
			if _, err := c.SendBytes(big); err != nil {
				t.Fatalf("send %d with a timeout: %v", i, err)
			}
		}
		if n := <-got; n != sent*len(msg)+20*len(big) {
			t.Fatalf("peer got %d bytes, want %d", n, sent*len(msg)+20*len(big))
		}
	})
}

// PauseData holds received data (AcceptData false) and ProcessData
// delivers it, in order.
func TestWayInPauseData(t *testing.T) {
	eachWayIn(t, func(t *testing.T, w wayIn) {
		got := make(chan string, 16)
		c, peer := w.open(t, 64<<10, Events{OnDataIn: func(c *Conn, f DataFormat, data []byte, eom, eol bool) { got <- string(data) }})
		defer peer.conn.Close()
		peer.send(wsproto.OpText, []byte("first"))
		if m := <-got; m != "first" {
			t.Fatalf("got %q", m)
		}
		c.PauseData()
		if c.AcceptData() {
			t.Fatal("AcceptData after PauseData")
		}
		peer.send(wsproto.OpText, []byte("a"))
		peer.send(wsproto.OpText, []byte("b"))
		select {
		case m := <-got:
			t.Fatalf("delivered %q while paused", m)
		case <-time.After(200 * time.Millisecond):
		}
		c.ProcessData()
		if !c.AcceptData() {
			t.Fatal("AcceptData false after ProcessData")
		}
		for _, want := range []string{"a", "b"} {
			select {
			case m := <-got:
				if m != want {
					t.Fatalf("got %q, want %q", m, want)
				}
			case <-time.After(15 * time.Second):
				t.Fatalf("%q not delivered after ProcessData", want)
			}
		}
	})
}

// Hooks come one at a time, OnConnected first, OnDisconnected last, the
// data in order, while sends make OnReadyToSend come from the write side.
func TestWayInEventOrder(t *testing.T) {
	eachWayIn(t, func(t *testing.T, w wayIn) {
		var (
			mu     sync.Mutex
			events []string
			inHook atomic.Int32
		)
		record := func(e string) func() {
			if inHook.Add(1) != 1 {
				t.Errorf("%s while another hook runs", e)
			}
			mu.Lock()
			events = append(events, e)
			mu.Unlock()
			return func() { inHook.Add(-1) }
		}
		ended := make(chan struct{})
		c, peer := w.open(t, 8<<10, Events{
			OnConnected:   func(*Conn) { defer record("connected")() },
			OnReadyToSend: func(*Conn) { defer record("ready")() },
			OnDataIn: func(c *Conn, f DataFormat, data []byte, eom, eol bool) {
				defer record(string(data))()
				time.Sleep(time.Millisecond) // let the write side's events pile up
			},
			OnDisconnected: func(*Conn, error) {
				defer record("disconnected")()
				close(ended)
			},
		})
		defer peer.conn.Close()
		const n = 20
		go func() {
			for i := range n {
				peer.send(wsproto.OpText, fmt.Appendf(nil, "m%d", i))
			}
		}()
		drained := peer.readMessages(t, 1<<30) // reads until the end
		msg := bytes.Repeat([]byte("x"), 4<<10)
		for range 200 {
			if _, err := c.SendBytes(msg); err != nil && !errors.Is(err, ErrWouldBlock) {
				t.Fatal(err)
			}
		}
		deadline := time.Now().Add(15 * time.Second)
		for {
			mu.Lock()
			k := len(events)
			mu.Unlock()
			if k >= n+1 || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		_ = c.Disconnect()
		peer.conn.Close()
		waitSignal(t, ended, "OnDisconnected")
		<-drained
		mu.Lock()
		defer mu.Unlock()
		if len(events) < n+2 || events[0] != "connected" || events[len(events)-1] != "disconnected" {
			t.Fatalf("events %q", events)
		}
		i := 0
		for _, e := range events[1 : len(events)-1] {
			switch e {
			case "ready":
			case fmt.Sprintf("m%d", i):
				i++
			default:
				t.Fatalf("event %q out of order in %q", e, events)
			}
		}
		if i != n {
			t.Fatalf("%d of %d messages in %q", i, n, events)
		}
	})
}

// A hook that blocks holds up its own connection only: another
// connection of the same server (or another client) is served on.
func TestWayInBlockingHookDelaysOnlyItsConn(t *testing.T) {
	eachWayIn(t, func(t *testing.T, w wayIn) {
		release := make(chan struct{})
		blocked := make(chan struct{})
		open := w.factory(t, 64<<10, Events{OnDataIn: func(c *Conn, f DataFormat, data []byte, eom, eol bool) {
			if string(data) == "block" {
				close(blocked)
				<-release
				return
			}
			_, _ = c.SendText("echo:" + string(data))
		}})
		_, a := open()
		defer a.conn.Close()
		_, b := open()
		defer b.conn.Close()
		defer close(release)
		a.send(wsproto.OpText, []byte("block"))
		waitSignal(t, blocked, "the blocking hook")
		b.send(wsproto.OpText, []byte("hello"))
		if m := b.message(t); string(m) != "echo:hello" {
			t.Fatalf("got %q", m)
		}
	})
}

// With ManualEvents a connection's events wait for DoEvents: none comes
// before it is called, and each comes inside it, on the caller's
// goroutine, in order. DoEvents returns when ctx ends, and once the
// events' source is closed (the connection, the server, the Handler) and
// drained, with the closed error.
func TestWayInManualEvents(t *testing.T) {
	eachWayIn(t, func(t *testing.T, w wayIn) {
		var (
			mu      sync.Mutex
			events  []string
			pumping atomic.Bool
		)
		me := goroutine()
		record := func(e string) {
			if !pumping.Load() || goroutine() != me {
				t.Errorf("%s delivered outside DoEvents or on another goroutine", e)
			}
			mu.Lock()
			events = append(events, e)
			mu.Unlock()
		}
		got := func() string {
			mu.Lock()
			defer mu.Unlock()
			return fmt.Sprint(events)
		}
		peers, pump, end, closed := w.manual(t, Events{
			OnConnected:    func(*Conn) { record("connected") },
			OnDataIn:       func(c *Conn, f DataFormat, data []byte, eom, eol bool) { record(string(data)) },
			OnDisconnected: func(*Conn, error) { record("disconnected") },
		})
		doEvents := func(d time.Duration) error {
			ctx, cancel := context.WithTimeout(context.Background(), d)
			defer cancel()
			pumping.Store(true)
			defer pumping.Store(false)
			return pump(ctx)
		}
		pumpUntil := func(want string) {
			t.Helper()
			for deadline := time.Now().Add(15 * time.Second); got() != want; {
				if time.Now().After(deadline) {
					t.Fatalf("events %s, want %s", got(), want)
				}
				if err := doEvents(20 * time.Millisecond); err != nil && !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("DoEvents: %v (events %s)", err, got())
				}
			}
		}

		time.Sleep(100 * time.Millisecond)
		if e := got(); e != "[]" {
			t.Fatalf("events %s delivered without DoEvents", e)
		}
		var peer *rawPeer
		for deadline := time.Now().Add(15 * time.Second); peer == nil; {
			select {
			case peer = <-peers:
			default:
				if time.Now().After(deadline) {
					t.Fatal("no upgrade")
				}
				_ = doEvents(20 * time.Millisecond)
			}
		}
		pumpUntil("[connected]")
		for _, m := range []string{"a", "b", "c"} {
			peer.send(wsproto.OpText, []byte(m))
		}
		time.Sleep(50 * time.Millisecond)
		if e := got(); e != "[connected]" {
			t.Fatalf("events %s delivered without DoEvents", e)
		}
		pumpUntil("[connected a b c]")
		if err := doEvents(50 * time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("DoEvents with nothing to deliver = %v, want the context's end", err)
		}
		peer.conn.Close()
		pumpUntil("[connected a b c disconnected]")
		end()
		var err error
		for range 100 {
			if err = doEvents(time.Second); err != nil {
				break
			}
		}
		if !errors.Is(err, closed) {
			t.Fatalf("DoEvents after the end = %v, want %v", err, closed)
		}
	})
}

// goroutine is the running goroutine's id, from its stack's first line.
func goroutine() string {
	b := make([]byte, 64)
	return string(bytes.Fields(b[:runtime.Stack(b, false)])[1])
}

// With ManualEvents a connection whose program never calls DoEvents still
// ends when it is closed or shut down: the event its reader waits with is
// dropped, the engine closes, and the connection's last event is queued
// (DoEvents then delivers OnDisconnected) with no goroutine left waiting.
func TestManualEventsEndWithoutDoEvents(t *testing.T) {
	t.Parallel()
	posted := func(t *testing.T, c *Conn) {
		t.Helper()
		select {
		case <-c.tr.(*engineTransport).man.posted:
		case <-time.After(10 * time.Second):
			t.Fatal("the connection did not end without DoEvents")
		}
	}
	t.Run("dial", func(t *testing.T) {
		t.Parallel()
		url, ch := startRawServer(t, accept101())
		disconnected := make(chan struct{})
		c, err := Dial(t.Context(), url, &DialOptions{
			Conn:         ConnOptions{DisablePermessageDeflate: true, CloseTimeout: 100 * time.Millisecond},
			Events:       Events{OnDataIn: func(*Conn, DataFormat, []byte, bool, bool) {}, OnDisconnected: func(*Conn, error) { close(disconnected) }},
			ManualEvents: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		rs := <-ch
		defer rs.conn.Close()
		for range 3 { // the reader waits for DoEvents with the first
			if _, err := rs.conn.Write(sframe(true, wsproto.OpText, []byte("x"))); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(50 * time.Millisecond)
		if err := c.Close(CloseNormal, ""); err != nil {
			t.Fatal(err)
		}
		posted(t, c) // the peer never answers: the close timer resets
		for {
			err := c.DoEvents(t.Context())
			if errors.Is(err, ErrNotConnected) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		waitSignal(t, disconnected, "OnDisconnected")
	})
	t.Run("handler", func(t *testing.T) {
		t.Parallel()
		h, err := NewHandler(HandlerOptions{ManualEvents: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		addr := startHandler(t, h)
		r := dialRaw(t, addr)
		if _, err := r.conn.Write([]byte("GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		var c *Conn
		for deadline := time.Now().Add(10 * time.Second); c == nil; time.Sleep(time.Millisecond) {
			for c = range h.Connections() {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no upgrade waiting for DoEvents")
			}
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		if err := h.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown of a Handler whose upgrade waits for DoEvents: %v", err)
		}
		posted(t, c)
		if _, err := r.br.ReadByte(); err == nil {
			t.Fatal("the refused upgrade got an answer")
		}
		err = nil
		for i := 0; err == nil && i < 10; i++ { // the dropped upgrade may count as one event
			err = h.DoEvents(t.Context())
		}
		if !errors.Is(err, ErrServerClosed) {
			t.Fatalf("DoEvents after Shutdown = %v", err)
		}
	})
}

// Without ManualEvents, a Handler's and a dialed Conn's DoEvents only wait
// for ctx, as a Server's does; a Server's or Handler's connection has no
// DoEvents of its own (ErrUnsupported).
func TestDoEventsWithoutManualEvents(t *testing.T) {
	t.Parallel()
	conns := make(chan *Conn, 1)
	h, err := NewHandler(HandlerOptions{Events: announce(Events{}, conns)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	peers := upgradeRaw(t, startHandler(t, h))
	sc := takeConn(t, conns)
	defer (<-peers).conn.Close()
	if err := sc.DoEvents(t.Context()); !errors.Is(err, ErrUnsupported) {
		t.Errorf("DoEvents of a Handler's connection = %v, want ErrUnsupported", err)
	}
	url, ch := startRawServer(t, accept101())
	c := dialT(t, url, &DialOptions{Conn: ConnOptions{DisablePermessageDeflate: true}})
	rs := <-ch
	t.Cleanup(func() { rs.conn.Close() })
	for name, pump := range map[string]func(context.Context) error{"Handler": h.DoEvents, "Conn": c.DoEvents} {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		if err := pump(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s.DoEvents without ManualEvents = %v, want the context's end", name, err)
		}
		cancel()
	}
}
