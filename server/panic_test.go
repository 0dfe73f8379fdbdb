package server

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
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

// A panic in a hook resets only that connection: it is logged at Error
// with its stack, OnDisconnected still runs for it, and the server goes on
// serving the other connections.
func TestHookPanicResetsOnlyItsConnection(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		var logs syncBuffer
		gone := make(chan int, 2)
		s := start(t, engine, Options{
			DefaultEOL: []byte("\n"),
			Logger:     slog.New(slog.NewTextHandler(&logs, nil)),
			Events: Events{
				OnDataIn: func(c *Conn, text []byte, _ bool) {
					if string(text) == "boom" {
						panicInHook()
					}
					c.Send(append(append([]byte(nil), text...), '\n'))
				},
				OnDisconnected: func(c *Conn, err error) { gone <- Code(err) },
			},
		})
		bad := dial(t, s)
		good := dial(t, s)
		good.SetReadDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(good)
		io.WriteString(good, "one\n")
		if got := readLine(t, r); got != "one" {
			t.Fatalf("got %q", got)
		}
		io.WriteString(bad, "boom\nnever delivered\n")
		bad.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := bad.Read(make([]byte, 1)); err == nil || errors.Is(err, io.EOF) {
			t.Fatalf("the panicking connection was not reset: %v", err)
		}
		select {
		case code := <-gone:
			if code != 10053 {
				t.Errorf("OnDisconnected code %d, want 10053", code)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no OnDisconnected for the reset connection")
		}
		io.WriteString(good, "two\n")
		if got := readLine(t, r); got != "two" {
			t.Fatalf("the other connection after the panic: got %q", got)
		}
		out := logs.String()
		for _, want := range []string{"level=ERROR", "hook=OnDataIn", "panic=\"boom in a test hook\"", "panicInHook"} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "never delivered") {
			t.Error("data after the panic was delivered")
		}
	})
}

// A panic in OnConnectionRequest refuses that connection only.
func TestConnectionRequestPanicRefuses(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		var logs syncBuffer
		var n int
		var mu sync.Mutex
		s := start(t, engine, Options{
			Logger: slog.New(slog.NewTextHandler(&logs, nil)),
			Events: Events{
				OnConnectionRequest: func(r *ConnectionRequest) {
					mu.Lock()
					n++
					first := n == 1
					mu.Unlock()
					if first {
						panicInHook()
					}
				},
				OnDataIn: func(c *Conn, text []byte, _ bool) { c.Send(text) },
			},
		})
		if bad, err := net.DialTimeout("tcp", s.Addr().String(), 5*time.Second); err == nil {
			bad.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, err := bad.Read(make([]byte, 1))
			bad.Close()
			if err == nil {
				t.Fatal("the connection whose request panicked was served")
			}
		}
		good := dial(t, s)
		good.SetReadDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(good, "hi")
		buf := make([]byte, 2)
		if _, err := io.ReadFull(good, buf); err != nil || string(buf) != "hi" {
			t.Fatalf("next connection: %q %v", buf, err)
		}
		if out := logs.String(); !strings.Contains(out, "hook=OnConnectionRequest") || !strings.Contains(out, "panicInHook") {
			t.Errorf("log:\n%s", out)
		}
	})
}

// panicInHook is a named function so that the logged stack can be checked.
func panicInHook() { panic("boom in a test hook") }
