package ws

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
	"github.com/tlskit/tlskit/server"
)

// serverConn starts a server with opts, connects a raw client, and returns
// both ends.
func serverConn(t *testing.T, opts Options, extra ...string) (*Conn, *rawClient) {
	t.Helper()
	conns := make(chan *Conn, 1)
	user := opts.Events.OnConnected
	opts.Events.OnConnected = func(c *Conn) {
		if user != nil {
			user(c)
		}
		conns <- c
	}
	s := startServer(t, opts)
	r := dialRaw(t, s.Addr().String())
	r.upgrade(extra...)
	select {
	case c := <-conns:
		return c, r
	case <-time.After(10 * time.Second):
		t.Fatal("no OnConnected")
	}
	return nil, nil
}

type wantFrame struct {
	fin     bool
	rsv1    bool
	op      wsproto.Opcode
	payload string
}

func TestSendFrames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts ConnOptions
		send func(c *Conn) error
		want []wantFrame
	}{
		{name: "auto-text", send: func(c *Conn) error { _, err := c.Send([]byte("héllo")); return err },
			want: []wantFrame{{fin: true, op: wsproto.OpText, payload: "héllo"}}},
		{name: "auto-binary", send: func(c *Conn) error { _, err := c.Send([]byte{0xff, 0}); return err },
			want: []wantFrame{{fin: true, op: wsproto.OpBinary, payload: "\xff\x00"}}},
		{name: "data-format-binary", send: func(c *Conn) error {
			if err := c.SetDataFormat(DataBinary); err != nil {
				return err
			}
			_, err := c.Send([]byte("text"))
			return err
		}, want: []wantFrame{{fin: true, op: wsproto.OpBinary, payload: "text"}}},
		{name: "data-format-ping", send: func(c *Conn) error { _, err := c.SendMessage(DataPing, []byte("p")); return err },
			want: []wantFrame{{fin: true, op: wsproto.OpPing, payload: "p"}}},
		{name: "data-format-pong", send: func(c *Conn) error { _, err := c.SendMessage(DataPong, []byte("q")); return err },
			want: []wantFrame{{fin: true, op: wsproto.OpPong, payload: "q"}}},
		{name: "max-frame-size", opts: ConnOptions{MaxFrameSize: 4}, send: func(c *Conn) error { _, err := c.SendText("abcdefghij"); return err },
			want: []wantFrame{{op: wsproto.OpText, payload: "abcd"}, {op: wsproto.OpContinuation, payload: "efgh"}, {fin: true, op: wsproto.OpContinuation, payload: "ij"}}},
		{name: "message-length", send: func(c *Conn) error {
			if err := c.SetMessageLength(6); err != nil {
				return err
			}
			if _, err := c.SendText("abc"); err != nil {
				return err
			}
			if err := c.SetMessageLength(1); !errors.Is(err, ErrMessageOpen) {
				return errors.New("SetMessageLength inside an open message was accepted")
			}
			_, err := c.SendText("def")
			return err
		}, want: []wantFrame{{op: wsproto.OpText, payload: "abc"}, {fin: true, op: wsproto.OpContinuation, payload: "def"}}},
		{name: "message-length-overrun", send: func(c *Conn) error {
			_ = c.SetMessageLength(2)
			if _, err := c.SendText("abc"); !errors.Is(err, ErrMessageOpen) {
				return errors.New("a send longer than MessageLength was accepted")
			}
			_, err := c.SendText("ab")
			return err
		}, want: []wantFrame{{fin: true, op: wsproto.OpText, payload: "ab"}}},
		{name: "text-must-be-utf8", send: func(c *Conn) error {
			if _, err := c.SendText("\xff"); !errors.Is(err, ErrInvalidValue) {
				return errors.New("invalid UTF-8 text accepted")
			}
			_, err := c.SendText("ok")
			return err
		}, want: []wantFrame{{fin: true, op: wsproto.OpText, payload: "ok"}}},
		{name: "ping-too-long", send: func(c *Conn) error {
			if _, err := c.SendMessage(DataPing, make([]byte, 126)); err == nil {
				return errors.New("126-byte ping accepted")
			}
			return c.SendPing([]byte("x"))
		}, want: []wantFrame{{fin: true, op: wsproto.OpPing, payload: "x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, r := serverConn(t, Options{Conn: tt.opts})
			if err := tt.send(c); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				f, ok := r.next()
				if !ok {
					t.Fatal("closed")
				}
				h := f.Header
				if h.Fin != w.fin || h.RSV1 != w.rsv1 || h.Opcode != w.op || string(f.Payload) != w.payload || h.Masked {
					t.Fatalf("frame fin=%v rsv1=%v %v %q masked=%v, want %+v", h.Fin, h.RSV1, h.Opcode, f.Payload, h.Masked, w)
				}
			}
		})
	}
}

func TestSendCompressed(t *testing.T) {
	t.Parallel()
	c, r := serverConn(t, Options{}, "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
	if !c.Compressed() {
		t.Fatal("deflate not negotiated")
	}
	if ext := r.resp.Header.Get("Sec-WebSocket-Extensions"); ext != "permessage-deflate; server_no_context_takeover; client_no_context_takeover" {
		t.Fatalf("response extension %q", ext)
	}
	msg := bytes.Repeat([]byte("compress me "), 100)
	for range 2 {
		if _, err := c.SendBytes(msg); err != nil {
			t.Fatal(err)
		}
		f, _ := r.next()
		if !f.Header.RSV1 || len(f.Payload) >= len(msg) {
			t.Fatalf("rsv1=%v, %d bytes for %d", f.Header.RSV1, len(f.Payload), len(msg))
		}
		out, err := wsproto.NewDecompressor(false, 15).Decompress(nil, f.Payload, -1)
		if err != nil || !bytes.Equal(out, msg) {
			t.Fatalf("inflate: %v", err)
		}
	}
	if _, err := c.SendText("tiny"); err != nil {
		t.Fatal(err)
	}
	if f, _ := r.next(); f.Header.RSV1 || string(f.Payload) != "tiny" {
		t.Fatalf("short message compressed: %+v", f.Header)
	}
}

func TestSendBackpressure(t *testing.T) {
	t.Parallel()
	ready := make(chan struct{}, 1)
	c, r := serverConn(t, Options{
		Server: server.Options{OutBufferSize: 8 << 10},
		Events: Events{OnReadyToSend: func(c *Conn) {
			select {
			case ready <- struct{}{}:
			default: // one is enough
			}
		}},
	})
	<-ready // once after OnConnected
	msg := bytes.Repeat([]byte("z"), 4000)
	// ReadyToSend is a snapshot: right after a refused send the engine may
	// already have moved the queue into the kernel's buffer, and then it
	// is true again and OnReadyToSend is on its way. The peer reads
	// nothing, so filling again after each OnReadyToSend fills that buffer
	// too, and then a refused send leaves ReadyToSend false.
	sent := 0
	for round := 0; ; round++ {
		n, err := fillQueue(c, msg)
		sent += n
		if !errors.Is(err, ErrWouldBlock) || c.BytesSent() != 0 {
			t.Fatalf("after %d messages: %v, BytesSent=%d", sent, err, c.BytesSent())
		}
		if !c.ReadyToSend() {
			break
		}
		if round == 10000 {
			t.Fatalf("ReadyToSend still true after a refused send, %d messages queued", sent)
		}
		select {
		case <-ready:
		case <-time.After(10 * time.Second):
			t.Fatal("ReadyToSend true after a refused send, but no OnReadyToSend")
		}
	}
	for i := 0; i < sent; i++ {
		f, ok := r.next()
		if !ok || !bytes.Equal(f.Payload, msg) {
			t.Fatalf("message %d lost or damaged", i)
		}
	}
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("no OnReadyToSend after the queue drained")
	}
	if _, err := c.SendText("again"); err != nil {
		t.Fatal(err)
	}
	if f, _ := r.next(); string(f.Payload) != "again" {
		t.Fatalf("after ReadyToSend got %q", f.Payload)
	}
}

func TestSendFile(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("0123456789abcdef"), 40000) // 640 000 bytes
	name := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	c, r := serverConn(t, Options{Server: server.Options{OutBufferSize: 16 << 10}})
	done := make(chan error, 1)
	go func() {
		n, err := c.SendFile(name)
		if err == nil && n != int64(len(data)) {
			err = errors.New("short SendFile count")
		}
		done <- err
	}()
	var got []byte
	for {
		f, ok := r.next()
		if !ok {
			t.Fatal("closed")
		}
		got = append(got, f.Payload...)
		if f.Header.Fin {
			break
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("file arrived with %d bytes, want %d", len(got), len(data))
	}
}

func TestSendFileInterrupt(t *testing.T) {
	t.Parallel()
	name := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(name, make([]byte, 8<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	c, r := serverConn(t, Options{Server: server.Options{OutBufferSize: 16 << 10}, Events: rec.events()})
	done := make(chan error, 1)
	go func() {
		_, err := c.SendFile(name)
		done <- err
	}()
	time.Sleep(100 * time.Millisecond) // the client does not read: SendFile waits for room
	c.Interrupt()
	select {
	case err := <-done:
		if !errors.Is(err, ErrInterrupted) {
			t.Fatalf("SendFile: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Interrupt did not stop SendFile")
	}
	// The half-sent message cannot be finished: the connection is failed.
	r.conn.Close()
	rec.waitClosed(t)
}

// With server.Options.DefaultTimeout a send waits for room instead of
// returning ErrWouldBlock, as IPWorks's Timeout does.
func TestSendBlocksWithTimeout(t *testing.T) {
	t.Parallel()
	c, r := serverConn(t, Options{Server: server.Options{OutBufferSize: 8 << 10, DefaultTimeout: 10 * time.Second}})
	msg := bytes.Repeat([]byte("b"), 32<<10)
	got := make(chan int, 1)
	go func() {
		n := 0
		for {
			f, ok := r.next()
			if !ok {
				break
			}
			n += len(f.Payload)
			if n == 100*len(msg) {
				break
			}
		}
		got <- n
	}()
	for i := 0; i < 100; i++ {
		if _, err := c.SendBytes(msg); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if n := <-got; n != 100*len(msg) {
		t.Fatalf("received %d bytes", n)
	}
}
