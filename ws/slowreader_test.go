package ws

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
	"github.com/tlskit/tlskit/server"
)

// held is what c holds beyond its transport's queue.
func (c *Conn) held() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}

// slowEchoServer echoes whole messages with WriteMessage, which waits for
// room; its connections that do not read are reset after StallTimeout.
func slowEchoServer(t *testing.T) (*Server, *recorder) {
	rec := newRecorder()
	ev := rec.events()
	ev.OnDataIn = func(c *Conn, f DataFormat, data []byte, _, _ bool) {
		_ = c.WriteMessage(context.Background(), SendFormatOf(f), data)
	}
	s := startServer(t, Options{
		Server: server.Options{StallTimeout: 3 * time.Second},
		Events: ev,
	})
	return s, rec
}

// A client that sends a 10 MB message and never reads the echo: the server
// holds no more than its queue's bound for it (not the message) and
// disconnects it once its queue has not moved for StallTimeout.
func TestSlowReaderBigMessageBounded(t *testing.T) {
	t.Parallel()
	s, rec := slowEchoServer(t)
	r := dialRaw(t, s.Addr().String())
	r.conn.(*net.TCPConn).SetReadBuffer(4 << 10)
	r.upgrade()
	sc := <-rec.connect
	r.frame(true, wsproto.OpBinary, make([]byte, 10<<20))
	limit := 2 * server.DefaultOutBufferSize
	most := 0
	deadline := time.After(30 * time.Second)
	for {
		most = max(most, sc.held())
		if most > limit {
			t.Fatalf("the server holds %d bytes for a client that does not read, want at most %d", most, limit)
		}
		select {
		case <-rec.closed:
			t.Logf("disconnected; at most %d bytes held", most)
			return
		case <-deadline:
			t.Fatal("a client that does not read was not disconnected")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// A client that reads slowly, but reads, gets the whole echo of a 10 MB
// message.
func TestSlowReaderBigMessageNoLoss(t *testing.T) {
	t.Parallel()
	s, _ := slowEchoServer(t)
	r := dialRaw(t, s.Addr().String())
	r.upgrade()
	msg := bytes.Repeat([]byte("0123456789abcdef"), (10<<20)/16)
	r.frame(true, wsproto.OpBinary, msg)
	r.conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	var got []byte
	for {
		time.Sleep(2 * time.Millisecond)
		f, ok := r.next()
		if !ok {
			t.Fatalf("closed after %d bytes", len(got))
		}
		got = append(got, f.Payload...)
		if f.Header.Fin {
			break
		}
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("echo: %d bytes, want %d", len(got), len(msg))
	}
}
