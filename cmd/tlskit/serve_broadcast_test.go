package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
	"github.com/tlskit/tlskit/ws"
)

// In broadcast mode one WebSocket that does not read never delays the
// others: it gets a bounded backlog, then is closed with 1008, while every
// broadcast reaches the readers at once. The send timeout is long (30 s),
// so a sender waiting for the slow reader, as before, misses the readers'
// deadline.
func TestServeWebSocketBroadcastSlowSubscriber(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	svc, err := startWSServer(&serveConfig{proto: "ws", mode: "broadcast", host: "127.0.0.1", path: "/", engine: testEngine,
		handshakeTimeout: 10 * time.Second, sendWait: 30 * time.Second, log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := svc.(*ws.Server)
	defer srv.Close()

	slow, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if err := slow.(*net.TCPConn).SetReadBuffer(64 << 10); err != nil {
		t.Fatal(err)
	}
	io.WriteString(slow, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n") // and reads nothing for now

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var readers []*ws.Conn
	for range 3 {
		c, err := ws.Dial(ctx, "ws://"+srv.Addr().String()+"/", &ws.DialOptions{Conn: ws.ConnOptions{DisablePermessageDeflate: true}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ws.CloseNormal, "")
		readers = append(readers, c)
	}
	for srv.ConnectionCount() < 4 {
		time.Sleep(10 * time.Millisecond)
	}
	slowEnd := make(chan slowResult, 1)
	go func() { slowEnd <- readAfterCutoff(ctx, &logs, slow) }()
	const n = 400 // 6.4 MiB: more than the slow connection's kernel buffers
	msg := make([]byte, 16<<10)
	rand.Read(msg) // incompressible
	// Every broadcast must reach every reader well within the 30 s the
	// old code made a sender wait for the slow connection.
	rctx, rcancel := context.WithTimeout(ctx, 15*time.Second)
	defer rcancel()
	for i := range n {
		if err := readers[0].WriteMessage(rctx, ws.DataBinary, msg); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		for j, r := range readers {
			if _, got, err := r.ReadMessage(rctx); err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("broadcast %d to reader %d: %d bytes, %v (a slow subscriber delayed the others)", i, j, len(got), err)
			}
		}
	}
	select {
	case r := <-slowEnd:
		if r.err != nil {
			t.Fatal(r.err)
		}
		code, reason, err := wsproto.ParseClosePayload(r.close)
		if err != nil || code != ws.ClosePolicyViolation || !strings.Contains(reason, "too slow") {
			t.Fatalf("slow subscriber closed with %v %q (%v), want 1008 too slow", code, reason, err)
		}
	case <-ctx.Done():
		t.Fatalf("the slow subscriber was not cut off; log:\n%s", logs.String())
	}
}

type slowResult struct {
	close []byte
	err   error
}

// readAfterCutoff waits until the server logs the slow subscriber's
// cut-off, then reads its backlog and returns its Close frame's payload.
func readAfterCutoff(ctx context.Context, logs *syncBuffer, slow net.Conn) slowResult {
	for !strings.Contains(logs.String(), "disconnecting a client that does not read") {
		select {
		case <-ctx.Done():
			return slowResult{err: ctx.Err()}
		case <-time.After(10 * time.Millisecond):
		}
	}
	slow.SetReadDeadline(time.Now().Add(20 * time.Second))
	br := bufio.NewReader(slow)
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return slowResult{err: err}
		}
		if l == "\r\n" {
			break
		}
	}
	dec := wsproto.NewDecoder(wsproto.RoleClient, wsproto.DecoderOptions{MaxMessageSize: -1})
	buf := make([]byte, 64<<10)
	for {
		ch, ok, err := dec.Next()
		if err != nil {
			return slowResult{err: err}
		}
		if ok {
			if ch.Header.Opcode == wsproto.OpClose {
				return slowResult{close: append([]byte{}, ch.Data...)}
			}
			continue
		}
		k, err := br.Read(buf)
		if k == 0 && err != nil {
			return slowResult{err: fmt.Errorf("no Close frame for the slow subscriber: %w", err)}
		}
		dec.Feed(buf[:k])
	}
}
