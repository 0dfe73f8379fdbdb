package ws

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// OnDisconnected fires only for connections that got OnConnected: a page
// request answered by Options.HTTP, a malformed upgrade and an upgrade the
// hook refuses produce neither; an accepted WebSocket produces both.
func TestEventsPairUp(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var events []string
	record := func(s string) {
		mu.Lock()
		events = append(events, s)
		mu.Unlock()
	}
	s := startServer(t, Options{
		HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "page") }),
		Events: Events{
			OnWebSocketOpenRequest: func(r *OpenRequest) {
				if r.URI == "/refused" {
					r.StatusCode = http.StatusForbidden
				}
			},
			OnConnected:    func(c *Conn) { record("connected") },
			OnDisconnected: func(c *Conn, _ error) { record("disconnected") },
		},
	})
	addr := s.Addr().String()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get("http://" + addr + "/page")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	bad := dialRaw(t, addr)
	bad.request("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n\r\n")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := Dial(ctx, s.URL()+"/refused", nil); err == nil {
		t.Fatal("the refused upgrade was accepted")
	}
	c, err := Dial(ctx, s.URL()+"/ok", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Disconnect()
	<-c.Done()
	bad.expectEOF()
	// Every TCP connection is gone, so every OnDisconnected due has run.
	deadline := time.Now().Add(10 * time.Second)
	for s.TCP().ConnectionCount() > 0 || s.ConnectionCount() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d TCP connections still open", s.TCP().ConnectionCount())
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	got := strings.Join(events, ",")
	mu.Unlock()
	if got != "connected,disconnected" {
		t.Fatalf("events %q, want connected,disconnected only", got)
	}
}
