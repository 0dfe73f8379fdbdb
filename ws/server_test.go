package ws

import (
	"context"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
	"github.com/tlskit/tlskit/server"
)

func TestServerEcho(t *testing.T) {
	t.Parallel()
	s := startServer(t, Options{Conn: ConnOptions{}, Events: echoEvents()})
	r := dialRaw(t, s.Addr().String())
	resp := r.upgrade()
	if resp.Status != 101 {
		t.Fatalf("status %d", resp.Status)
	}
	r.frame(true, wsproto.OpText, []byte("hello"))
	f, ok := r.next()
	if !ok || f.Header.Opcode != wsproto.OpText || string(f.Payload) != "hello" || f.Header.Masked {
		t.Fatalf("echo = %+v %q ok=%v", f.Header, f.Payload, ok)
	}
	r.frame(true, wsproto.OpClose, []byte{0x03, 0xe8})
	if code := r.expectClose(); code != 1000 {
		t.Fatalf("close code %v", code)
	}
	r.expectEOF()
}

func TestServerConnectionRequestPassThrough(t *testing.T) {
	t.Parallel()
	asked := make(chan string, 1)
	s := startServer(t, Options{Server: server.Options{Events: server.Events{
		OnConnectionRequest: func(r *server.ConnectionRequest) {
			asked <- r.Address
			r.Accept = false
		},
	}}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if c, err := Dial(ctx, s.URL(), nil); err == nil {
		_ = c.Disconnect()
		<-c.Done()
		t.Fatal("refused connection upgraded")
	}
	if a := <-asked; a != "127.0.0.1" {
		t.Fatalf("ConnectionRequest address %q", a)
	}
}

// With ManualEvents the handshake and data events run inside DoEvents.
func TestServerManualEvents(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	pumped := make(chan struct{})
	// Registered first, so it runs last: Shutdown needs DoEvents to deliver
	// the closes.
	t.Cleanup(func() { cancel(); <-pumped })
	s := startServer(t, Options{Server: server.Options{ManualEvents: true}, Conn: ConnOptions{}, Events: echoEvents()})
	go func() {
		defer close(pumped)
		for ctx.Err() == nil {
			_ = s.DoEvents(ctx)
		}
	}()
	c := dialT(t, s.URL(), nil)
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := c.WriteMessage(wctx, DataText, []byte("manual")); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.ReadMessage(wctx); err != nil || string(got) != "manual" {
		t.Fatalf("echo %q %v", got, err)
	}
}
