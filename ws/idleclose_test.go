package ws

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/tlskit/tlskit/server"
)

// checkIdleClose: a client that stays idle past the server's idle timeout
// reads a Close frame with 1001 and the reason "idle timeout" (not a
// dropped connection, 1006), and the server reports 1001 too.
func checkIdleClose(t *testing.T, url string, rec *recorder) {
	t.Helper()
	c := dialT(t, url, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, _, err := c.ReadMessage(ctx)
	ce, ok := err.(*CloseError)
	if !ok || ce.Code != CloseGoingAway || ce.Reason != idleCloseReason {
		t.Fatalf("the idle client read %v, want a close with 1001 %q", err, idleCloseReason)
	}
	if code, _ := rec.waitClosed(t); code != CloseGoingAway { // with the client's echo of it
		t.Fatalf("the server reported %v", code)
	}
}

func TestIdleTimeoutSendsCloseFrame(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	s := startServer(t, Options{
		Server: server.Options{DefaultIdleTimeout: 300 * time.Millisecond},
		Events: rec.events(),
	})
	checkIdleClose(t, s.URL(), rec)
}

func TestHandlerIdleTimeoutSendsCloseFrame(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	h, err := NewHandler(HandlerOptions{Events: rec.events(), IdleTimeout: 300 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
		_ = hs.Shutdown(ctx)
	})
	checkIdleClose(t, "ws://"+ln.Addr().String()+"/", rec)
	if _, err := NewHandler(HandlerOptions{IdleTimeout: -1}, nil); err == nil {
		t.Error("a negative IdleTimeout was accepted")
	}
}

// A connection with traffic is not idle: the Handler's timer restarts.
func TestHandlerIdleTimeoutKeepsActiveConnection(t *testing.T) {
	t.Parallel()
	// A 2 s timeout against traffic every 100 ms: a 20x margin, as a full
	// -race run on two shared cores once closed it with a 1 s timeout.
	h, err := NewHandler(HandlerOptions{Events: echoEvents(), IdleTimeout: 2 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
		_ = hs.Shutdown(ctx)
	})
	c := dialT(t, "ws://"+ln.Addr().String()+"/", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for range 25 { // 2.5 s of traffic, more than the idle timeout
		time.Sleep(100 * time.Millisecond)
		if err := c.WriteMessage(ctx, DataText, []byte("x")); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.ReadMessage(ctx); err != nil {
			t.Fatalf("an active connection was closed: %v", err)
		}
	}
}
