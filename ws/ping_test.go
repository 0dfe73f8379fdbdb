package ws

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
)

func TestPingWaitsForPong(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	c, r := serverConn(t, Options{Events: rec.events()})
	result := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := c.Ping(ctx, []byte("abc"))
		result <- err
	}()
	f, _ := r.next()
	if f.Header.Opcode != wsproto.OpPing || string(f.Payload) != "abc" {
		t.Fatalf("got %v %q", f.Header.Opcode, f.Payload)
	}
	r.frame(true, wsproto.OpPong, []byte("other")) // not ours: keep waiting
	select {
	case err := <-result:
		t.Fatalf("Ping returned on a foreign pong: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	r.frame(true, wsproto.OpPong, []byte("abc"))
	if err := <-result; err != nil {
		t.Fatal(err)
	}
	r.syncPing()
	// The pong to "sync" goes out before OnPing reports the ping: wait for it.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		rec.mu.Lock()
		n := len(rec.pings)
		rec.mu.Unlock()
		if n >= 3 {
			break
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.pings) != 3 || rec.pings[0] != "pong:other" || rec.pings[1] != "pong:abc" || rec.pings[2] != "ping:sync" {
		t.Fatalf("OnPing %q", rec.pings)
	}
}

func TestPingTimeout(t *testing.T) {
	t.Parallel()
	c, _ := serverConn(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.Ping(ctx, nil); !errors.Is(err, ErrTimedOut) {
		t.Fatalf("err = %v, want ErrTimedOut", err)
	}
}

func TestAutomaticPong(t *testing.T) {
	t.Parallel()
	_, r := serverConn(t, Options{})
	r.frame(true, wsproto.OpPing, []byte("auto"))
	f, _ := r.next()
	if f.Header.Opcode != wsproto.OpPong || string(f.Payload) != "auto" {
		t.Fatalf("got %v %q", f.Header.Opcode, f.Payload)
	}
}
