package socket

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/hook"
)

// A panicking event handler closes its socket, whose Error event carries
// the panic and its stack; the program and the other sockets go on.
func TestHandlerPanicClosesOnlyItsSocket(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("x"))
			defer c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	errs := make(chan error, 1)
	bad := New(Config{Address: "127.0.0.1", Port: port, Events: Events{
		DataAvailable: func(*Socket, int) { panicInHandler() },
		Error:         func(_ *Socket, err error) { errs <- err },
	}})
	defer bad.Close()
	got := make(chan int, 1)
	good := New(Config{Address: "127.0.0.1", Port: port, Events: Events{
		DataAvailable: func(s *Socket, n int) {
			if n > 0 {
				got <- n
			}
		},
	}})
	defer good.Close()
	if err := bad.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errs:
		var p *hook.Panic
		if !errors.As(err, &p) || p.Hook != "DataAvailable" || !strings.Contains(string(p.Stack), "panicInHandler") {
			t.Fatalf("Error event: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no Error event after the panic")
	}
	if bad.State() != StateClosed {
		t.Errorf("state %v after the panic, want closed", bad.State())
	}
	if err := good.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("the other socket got no DataAvailable")
	}
}

func panicInHandler() { panic("boom in a test handler") }
