package server

import (
	"testing"
	"time"
)

// OnIdleTimeout replaces the default disconnect of an idle connection: a
// hook that keeps the connection is called again after another period.
func TestOnIdleTimeoutReplacesDisconnect(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		calls := make(chan int, 4)
		gone := make(chan int, 1)
		n := 0
		s := start(t, engine, Options{
			DefaultIdleTimeout: 200 * time.Millisecond,
			Events: Events{
				OnIdleTimeout: func(c *Conn) {
					n++ // hooks of one connection never overlap
					calls <- n
					if n == 2 {
						c.Disconnect()
					}
				},
				OnDisconnected: func(c *Conn, err error) { gone <- Code(err) },
			},
		})
		dial(t, s)
		for want := 1; want <= 2; want++ {
			select {
			case got := <-calls:
				if got != want {
					t.Fatalf("call %d, want %d", got, want)
				}
			case <-gone:
				t.Fatal("disconnected although OnIdleTimeout kept the connection")
			case <-time.After(10 * time.Second):
				t.Fatalf("no OnIdleTimeout call %d", want)
			}
		}
		select {
		case code := <-gone:
			if code != 0 {
				t.Errorf("OnDisconnected %d after the hook's Disconnect, want 0", code)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the hook's Disconnect did not close the connection")
		}
	})
}
