package ws

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
)

// syncPing makes the server answer a ping, which proves it handled
// everything sent before.
func (r *rawClient) syncPing() {
	r.t.Helper()
	r.frame(true, wsproto.OpPing, []byte("sync"))
	for {
		f, ok := r.next()
		if !ok {
			r.t.Fatal("closed before pong")
		}
		if f.Header.Opcode == wsproto.OpPong && string(f.Payload) == "sync" {
			return
		}
	}
}

func TestReadDelivery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts ConnOptions
		send []byte
		want string
	}{
		{name: "streaming", opts: ConnOptions{Fragments: true}, send: frames(hdr{op: wsproto.OpText, payload: []byte("ab")}, hdr{fin: true, op: wsproto.OpContinuation, payload: []byte("cd")}),
			want: "text:ab,continuation:cd|eom"},
		{name: "whole-message-default", opts: ConnOptions{}, send: frames(hdr{op: wsproto.OpBinary, payload: []byte("ab")}, hdr{fin: true, op: wsproto.OpContinuation, payload: []byte("cd")}),
			want: "binary:abcd|eom"},
		{name: "line-mode", opts: ConnOptions{LineMode: true}, send: frames(hdr{op: wsproto.OpText, payload: []byte("one\ntw")}, hdr{fin: true, op: wsproto.OpContinuation, payload: []byte("o\r\nthree\n")}),
			want: "continuation:one|eol,continuation:two|eol,continuation:three|eom|eol"},
		{name: "line-mode-max-length", opts: ConnOptions{LineMode: true, MaxLineLength: 256}, send: frames(hdr{fin: true, op: wsproto.OpText, payload: []byte(strings.Repeat("x", 300) + "\n")}),
			want: "continuation:" + strings.Repeat("x", 256) + ",continuation:" + strings.Repeat("x", 44) + "|eom|eol"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := newRecorder()
			s := startServer(t, Options{Conn: tt.opts, Events: rec.events()})
			r := dialRaw(t, s.Addr().String())
			r.upgrade()
			r.write(tt.send)
			r.syncPing()
			if got := rec.got(); got != tt.want {
				t.Fatalf("DataIn %q\nwant    %q", got, tt.want)
			}
		})
	}
}

func TestChangeLineModeAtRuntime(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	ev := rec.events()
	ev.OnConnected = func(c *Conn) { c.ChangeLineMode(true) }
	s := startServer(t, Options{Events: ev})
	r := dialRaw(t, s.Addr().String())
	r.upgrade()
	r.frame(true, wsproto.OpText, []byte("a\nb\n"))
	r.syncPing()
	if got, want := rec.got(), "continuation:a|eol,continuation:b|eom|eol"; got != want {
		t.Fatalf("DataIn %q, want %q", got, want)
	}
}

// A server without OnDataIn whose messages are never read must still
// close: the read side stops waiting for ReadMessage when the connection
// closes.
func TestUnreadMessagesDoNotBlockClose(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	ev := rec.events()
	ev.OnDataIn = nil
	c, r := serverConn(t, Options{Events: ev})
	for range 40 {
		r.frame(true, wsproto.OpText, []byte("unread"))
	}
	time.Sleep(50 * time.Millisecond)
	if err := c.Disconnect(); err != nil {
		t.Fatal(err)
	}
	if code := r.expectClose(); code != CloseNormal {
		t.Fatalf("close %v", code)
	}
	r.frame(true, wsproto.OpClose, closeBody(1000, ""))
	r.expectEOF()
	if code, _ := rec.waitClosed(t); code != CloseNormal {
		t.Fatalf("OnDisconnected %v", code)
	}
	if _, msg, err := c.ReadMessage(context.Background()); err != nil || string(msg) != "unread" {
		t.Fatalf("queued message lost: %q %v", msg, err)
	}
}

func TestSetBufferMessageAtRuntime(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	ev := rec.events()
	ev.OnConnected = func(c *Conn) { c.SetBufferMessage(true) }
	s := startServer(t, Options{Events: ev})
	r := dialRaw(t, s.Addr().String())
	r.upgrade()
	r.write(frames(hdr{op: wsproto.OpText, payload: []byte("ab")}, hdr{fin: true, op: wsproto.OpContinuation, payload: []byte("cd")}))
	r.syncPing()
	if got, want := rec.got(), "text:abcd|eom"; got != want {
		t.Fatalf("DataIn %q, want %q", got, want)
	}
}

// TestReaderPooledBetweenMessages checks that an open connection keeps no
// Reader between messages, and that one in the middle of a fragmented
// message, or of a frame, keeps its Reader (and the message) until the
// rest arrives.
func TestReaderPooledBetweenMessages(t *testing.T) {
	conns := make(chan *Conn, 1)
	ev := echoEvents()
	ev.OnConnected = func(c *Conn) { conns <- c }
	s := startServer(t, Options{Conn: ConnOptions{}, Events: ev})
	r := dialRaw(t, fmt.Sprintf("127.0.0.1:%d", s.LocalPort()))
	r.upgrade()
	c := <-conns
	holds := func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.rd != nil
	}
	waitFor := func(want bool, what string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for holds() != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: connection holds a reader: %v", what, !want)
			}
			time.Sleep(time.Millisecond)
		}
	}
	expect := func(want string) {
		t.Helper()
		f, ok := r.next()
		if !ok || string(f.Payload) != want {
			t.Fatalf("echo %q ok=%v, want %q", f.Payload, ok, want)
		}
	}
	if holds() {
		t.Fatal("a reader before any frame")
	}
	r.frame(true, wsproto.OpText, []byte("one"))
	expect("one")
	waitFor(false, "after a whole message")

	r.frame(false, wsproto.OpText, []byte("fra"))
	waitFor(true, "inside a fragmented message")
	time.Sleep(20 * time.Millisecond)
	if !holds() {
		t.Fatal("reader dropped inside a fragmented message")
	}
	r.frame(true, wsproto.OpContinuation, []byte("gmented"))
	expect("fragmented")
	waitFor(false, "after the fragmented message")

	// A frame whose header arrives in two writes.
	b := wsproto.AppendFrame(nil, wsproto.Header{Fin: true, Opcode: wsproto.OpBinary, Masked: true, Mask: [4]byte{1, 2, 3, 4}, Length: 3}, []byte("xyz"))
	r.write(b[:1])
	waitFor(true, "inside a frame header")
	r.write(b[1:])
	expect("xyz")
	waitFor(false, "after the split frame")
}

// Messages are whole by default: a 1 MiB binary message (eight frames of
// 128 KiB) reaches OnDataIn once, with eom, and the echo reaches the
// client's ReadMessage as one binary message; ReadMessage returns whole
// messages even with Fragments set.
func TestWholeMessagesByDefault(t *testing.T) {
	t.Parallel()
	calls := make(chan int, 64)
	s := startServer(t, Options{Events: Events{OnDataIn: func(c *Conn, f DataFormat, data []byte, eom, _ bool) {
		if eom {
			calls <- len(data)
		} else {
			calls <- -len(data)
		}
		_, _ = c.SendMessage(SendFormatOf(f), data)
	}}})
	msg := make([]byte, 1<<20)
	for i := range msg {
		msg[i] = byte(i * 7)
	}
	for _, opts := range []*DialOptions{nil, {Conn: ConnOptions{Fragments: true}}} {
		c := dialT(t, s.URL(), opts)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := c.WriteMessage(ctx, DataBinary, msg); err != nil {
			t.Fatal(err)
		}
		f, got, err := c.ReadMessage(ctx)
		cancel()
		if err != nil || f != FormatBinary || !bytes.Equal(got, msg) {
			t.Fatalf("ReadMessage: %v, %d bytes, %v; want one binary message of %d bytes", f, len(got), err, len(msg))
		}
		if n := <-calls; n != len(msg) {
			t.Fatalf("OnDataIn got %d bytes (negative: without eom), want the whole %d", n, len(msg))
		}
	}
}
