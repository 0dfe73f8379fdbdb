package ws

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer for a Logger written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// panicInHook is a named function so that the logged stack can be checked.
func panicInHook() { panic("boom in a test hook") }

// panickyEvents echo every message except "boom", whose OnDataIn panics,
// and report each OnDisconnected's code on gone.
func panickyEvents(gone chan<- CloseCode) Events {
	return Events{
		OnDataIn: func(c *Conn, f DataFormat, data []byte, _, _ bool) {
			if string(data) == "boom" {
				panicInHook()
			}
			_, _ = c.SendMessage(SendFormatOf(f), data)
		},
		OnDisconnected: func(_ *Conn, err error) { gone <- err.(*CloseError).Code },
	}
}

// checkHookPanic: a client whose message makes the server's OnDataIn panic
// is reset (it sees no Close frame), another client is served before and
// after, and the panic is logged at Error with its stack.
func checkHookPanic(t *testing.T, url string, logs *syncBuffer, gone <-chan CloseCode) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	good := dialT(t, url, nil)
	echo := func(msg string) {
		t.Helper()
		if err := good.WriteMessage(ctx, DataText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if _, got, err := good.ReadMessage(ctx); err != nil || string(got) != msg {
			t.Fatalf("echo of %q: %q, %v", msg, got, err)
		}
	}
	echo("before")
	bad := dialT(t, url, nil)
	if err := bad.WriteMessage(ctx, DataText, []byte("boom")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := bad.ReadMessage(ctx); err == nil {
		t.Fatal("the client whose message panicked the server got an answer")
	}
	if st := bad.CloseStatus(); st.Code != CloseAbnormal {
		t.Errorf("the client saw %v, want a reset (1006)", st)
	}
	select {
	case code := <-gone:
		if code != CloseAbnormal {
			t.Errorf("server's OnDisconnected: %v, want 1006", code)
		}
	case <-ctx.Done():
		t.Fatal("no OnDisconnected for the panicking connection")
	}
	echo("after")
	out := logs.String()
	for _, want := range []string{"level=ERROR", "hook=OnDataIn", `panic="boom in a test hook"`, "panicInHook"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestServerHookPanicResetsOnlyItsConnection(t *testing.T) {
	var logs syncBuffer
	gone := make(chan CloseCode, 4)
	s := startServer(t, Options{
		Conn:   ConnOptions{},
		Events: panickyEvents(gone),
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	checkHookPanic(t, s.URL(), &logs, gone)
}

func TestHandlerHookPanicResetsOnlyItsConnection(t *testing.T) {
	var logs syncBuffer
	gone := make(chan CloseCode, 4)
	h, err := NewHandler(HandlerOptions{
		Conn:   ConnOptions{},
		Events: panickyEvents(gone),
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	}, nil)
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
	checkHookPanic(t, "ws://"+ln.Addr().String()+"/", &logs, gone)
}

// A panic in OnWebSocketOpenRequest refuses that upgrade only.
func TestOpenRequestPanicRefusesOnlyThatUpgrade(t *testing.T) {
	var logs syncBuffer
	var mu sync.Mutex
	n := 0
	ev := echoEvents()
	ev.OnWebSocketOpenRequest = func(r *OpenRequest) {
		mu.Lock()
		n++
		first := n == 1
		mu.Unlock()
		if first {
			panicInHook()
		}
	}
	s := startServer(t, Options{Conn: ConnOptions{}, Events: ev, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if c, err := Dial(ctx, s.URL(), nil); err == nil {
		c.Close(CloseNormal, "")
		t.Fatal("the upgrade whose hook panicked succeeded")
	}
	c := dialT(t, s.URL(), nil)
	if err := c.WriteMessage(ctx, DataText, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.ReadMessage(ctx); err != nil || string(got) != "hi" {
		t.Fatalf("echo: %q %v", got, err)
	}
	if out := logs.String(); !strings.Contains(out, "hook=OnWebSocketOpenRequest") || !strings.Contains(out, "panicInHook") {
		t.Errorf("log:\n%s", out)
	}
}
