package ws

import (
	"context"
	"fmt"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
	"github.com/tlskit/tlskit/server"
)

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// BenchmarkIdleConnMemory opens b.N connections that have each exchanged a
// compressed message and are now idle, and reports the server-side memory
// per connection (heap and stacks, client sockets excluded as far as the
// runtime can tell), against server.Server's plain TCP connections in the
// same run. Run with a fixed count: go test -run X -bench IdleConnMemory
// -benchtime 500x ./ws
func BenchmarkIdleConnMemory(b *testing.B) {
	b.Run("tcp-server", func(b *testing.B) {
		s := startTCPEcho(b, server.Options{MaxConnections: -1})
		measureIdle(b, s.Addr().String(), func(c net.Conn) {
			_, _ = c.Write([]byte("hello"))
			_, _ = c.Read(make([]byte, 16))
		})
	})
	for _, offer := range []struct{ name, ext string }{
		{name: "ws-server-plain", ext: ""},
		{name: "ws-server-deflate", ext: "permessage-deflate"},
		{name: "ws-server-deflate-client-no-context-takeover", ext: "permessage-deflate; client_no_context_takeover"},
	} {
		b.Run(offer.name, func(b *testing.B) { benchIdleWS(b, offer.ext) })
	}
	b.Run("ws-handler-deflate", func(b *testing.B) {
		addr := startBenchHandler(b, HandlerOptions{Conn: ConnOptions{}, Events: echoEvents()})
		measureIdle(b, addr, idleExchange(b, "permessage-deflate"))
	})
}

func benchIdleWS(b *testing.B, ext string) {
	s, err := NewServer(Options{Server: server.Options{LocalHost: "127.0.0.1", MaxConnections: -1}, Conn: ConnOptions{}, Events: echoEvents()})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.StartListening(); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	measureIdle(b, s.Addr().String(), idleExchange(b, ext))
}

// idleExchange upgrades a raw connection offering ext ("" for none) and
// echoes one message, compressed when ext is set.
func idleExchange(b *testing.B, ext string) func(net.Conn) {
	req := "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
	payload := []byte("hello hello hello hello hello hello hello hello hello hello hello hello")
	compressed := ext != ""
	if compressed {
		req += "Sec-WebSocket-Extensions: " + ext + "\r\n"
		payload = deflateRaw(nil, payload)
	}
	req += "\r\n"
	msg := wsproto.AppendFrame(nil, wsproto.Header{Fin: true, RSV1: compressed, Opcode: wsproto.OpText, Masked: true, Mask: [4]byte{1, 2, 3, 4}, Length: uint64(len(payload))}, payload)
	return func(c net.Conn) {
		_, _ = c.Write([]byte(req))
		buf := make([]byte, 4096)
		if n, _ := c.Read(buf); n == 0 {
			b.Fatal("no handshake response")
		}
		_, _ = c.Write(msg)
		_, _ = c.Read(buf)
	}
}

// measureIdle opens b.N connections, runs exchange on each, and reports the
// memory growth per connection once they are idle.
func measureIdle(b *testing.B, addr string, exchange func(net.Conn)) {
	before := heapInUse()
	conns := make([]net.Conn, 0, b.N)
	for i := 0; i < b.N; i++ {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		exchange(c)
		conns = append(conns, c)
	}
	time.Sleep(100 * time.Millisecond)
	after := heapInUse()
	b.ReportMetric(float64(after-before)/float64(b.N), "B/conn")
	for _, c := range conns {
		c.Close()
	}
}

// BenchmarkEcho measures round trips of one message through an echo
// server: server.Server with a plain TCP client (the peer, the cost of
// the engine alone) against ws.Server with a ws.Dial client, with and
// without permessage-deflate, and ws.Handler behind net/http with the same
// client. go test -run X -bench Echo ./ws
func BenchmarkEcho(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10} {
		msg := make([]byte, size)
		for i := range msg {
			msg[i] = byte('a' + i%26)
		}
		b.Run(fmt.Sprintf("tcp-%dK", size>>10), func(b *testing.B) {
			s := startTCPEcho(b, server.Options{OutBufferSize: 1 << 20})
			c, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			buf := make([]byte, size)
			b.SetBytes(int64(size))
			for b.Loop() {
				_, _ = c.Write(msg)
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
		for _, deflate := range []bool{false, true} {
			b.Run(fmt.Sprintf("ws-%dK-deflate=%v", size>>10, deflate), func(b *testing.B) {
				conn := ConnOptions{DisablePermessageDeflate: !deflate}
				s, err := NewServer(Options{Server: server.Options{LocalHost: "127.0.0.1", OutBufferSize: 1 << 20}, Conn: conn, Events: echoEvents()})
				if err != nil {
					b.Fatal(err)
				}
				if err := s.StartListening(); err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				benchEchoClient(b, s.URL(), deflate, msg)
			})
			b.Run(fmt.Sprintf("handler-%dK-deflate=%v", size>>10, deflate), func(b *testing.B) {
				addr := startBenchHandler(b, HandlerOptions{Conn: ConnOptions{DisablePermessageDeflate: !deflate, SendQueue: 1 << 20}, Events: echoEvents()})
				benchEchoClient(b, "ws://"+addr+"/", deflate, msg)
			})
		}
	}
}

// startBenchHandler serves a Handler with opts on 127.0.0.1 until the
// benchmark ends and returns its address.
func startBenchHandler(b *testing.B, opts HandlerOptions) string {
	h, err := NewHandler(opts, nil)
	if err != nil {
		b.Fatal(err)
	}
	return startHandler(b, h)
}

// benchEchoClient dials url and measures round trips of msg with the
// echo server there.
func benchEchoClient(b *testing.B, url string, deflate bool, msg []byte) {
	ctx := context.Background()
	c, err := Dial(ctx, url, &DialOptions{Conn: ConnOptions{DisablePermessageDeflate: !deflate, SendQueue: 1 << 20}})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = c.Disconnect(); <-c.Done() }()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := c.WriteMessage(ctx, DataBinary, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.ReadMessage(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// startTCPEcho starts server.Server as a plain TCP echo on 127.0.0.1, the
// peer the WebSocket figures are compared with.
func startTCPEcho(b *testing.B, o server.Options) *server.Server {
	o.LocalHost = "127.0.0.1"
	o.Events.OnDataIn = func(c *server.Conn, p []byte, _ bool) { _, _ = c.Send(p) }
	s, err := server.New(o)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.StartListening(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}
