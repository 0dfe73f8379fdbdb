package ws

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Data a paused client has not taken yet is still delivered, in order and
// before OnDisconnected, when the server ends the connection meanwhile.
func TestSocketTransportDeliversBeforeEnd(t *testing.T) {
	t.Parallel()
	conns := make(chan *Conn, 1)
	s := startServer(t, Options{Conn: ConnOptions{CloseTimeout: 200 * time.Millisecond}, Events: Events{OnConnected: func(c *Conn) { conns <- c }}})
	var mu sync.Mutex
	var seen []string
	ended := make(chan struct{})
	cl := dialT(t, s.URL(), &DialOptions{Events: Events{
		OnDataIn: func(c *Conn, f DataFormat, data []byte, eom, eol bool) {
			mu.Lock()
			seen = append(seen, string(data))
			mu.Unlock()
		},
		OnDisconnected: func(c *Conn, code CloseCode, reason string) {
			mu.Lock()
			seen = append(seen, code.String())
			mu.Unlock()
			close(ended)
		},
	}})
	if _, ok := cl.tr.(*socketTransport); !ok {
		t.Fatalf("Dial connection runs on %T", cl.tr)
	}
	sc := <-conns
	time.Sleep(20 * time.Millisecond)
	cl.PauseData()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, m := range []string{"a", "b"} {
		if err := sc.WriteMessage(ctx, DataText, []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	if err := sc.Disconnect(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("no OnDisconnected")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 || seen[0] != "a" || seen[1] != "b" || seen[2] != CloseNormal.String() {
		t.Fatalf("events %q", seen)
	}
}
