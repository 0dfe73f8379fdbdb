package server

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
)

// Writable is closed when room returns even inside the connection's own
// hook, where OnReadyToSend cannot arrive, and once the connection closes.
func TestWritableInsideHook(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		chunk := bytes.Repeat([]byte("w"), 4<<10)
		sent := make(chan int, 1)
		var sc *Conn
		s := start(t, engine, Options{OutBufferSize: 8 << 10, Events: Events{
			OnDataIn: func(c *Conn, _ []byte, _ bool) {
				sc = c
				total := 0
				for total < 1<<20 {
					room := c.Writable()
					n, err := c.Send(chunk)
					total += n
					if errors.Is(err, ErrWouldBlock) {
						select {
						case <-room:
						case <-time.After(20 * time.Second):
							t.Error("Writable not closed while the peer reads")
							sent <- total
							return
						}
					} else if err != nil {
						t.Error(err)
						break
					}
				}
				sent <- total
			},
		}})
		cl := dial(t, s)
		_ = cl.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := cl.Write([]byte("go")); err != nil {
			t.Fatal(err)
		}
		got := 0
		buf := make([]byte, 64<<10)
		for got < 1<<20 {
			n, err := cl.Read(buf)
			got += n
			if err != nil {
				t.Fatalf("after %d bytes: %v", got, err)
			}
		}
		if total := <-sent; total < 1<<20 {
			t.Fatalf("sent %d", total)
		}
		cl.Close()
		select {
		case <-sc.Writable():
		case <-time.After(20 * time.Second):
			t.Fatal("Writable not closed after the connection closed")
		}
		_, _ = io.Copy(io.Discard, cl)
	})
}
