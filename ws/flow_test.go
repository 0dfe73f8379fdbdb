package ws

import (
	"context"
	"testing"
	"time"
)

func TestPauseData(t *testing.T) {
	t.Parallel()
	for _, side := range []string{"server", "client"} {
		t.Run(side, func(t *testing.T) {
			t.Parallel()
			got := make(chan string, 10)
			ev := Events{OnDataIn: func(c *Conn, f DataFormat, data []byte, eom, eol bool) { got <- string(data) }}
			conns := make(chan *Conn, 1)
			sev := ev
			if side == "client" {
				sev = Events{OnConnected: func(c *Conn) { conns <- c }}
			} else {
				sev.OnConnected = func(c *Conn) { conns <- c }
			}
			s := startServer(t, Options{Events: sev})
			var cev Events
			if side == "client" {
				cev = ev
			}
			cl := dialT(t, s.URL(), &DialOptions{Events: cev})
			sc := <-conns
			receiver, sender := sc, cl
			if side == "client" {
				receiver, sender = cl, sc
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			// One message first, so the receiver is waiting in a read when paused.
			if err := sender.WriteMessage(ctx, DataText, []byte("first")); err != nil {
				t.Fatal(err)
			}
			if m := <-got; m != "first" {
				t.Fatalf("got %q", m)
			}
			time.Sleep(20 * time.Millisecond)
			receiver.PauseData()
			if receiver.AcceptData() {
				t.Fatal("AcceptData after PauseData")
			}
			if err := sender.WriteMessage(ctx, DataText, []byte("held")); err != nil {
				t.Fatal(err)
			}
			select {
			case m := <-got:
				t.Fatalf("delivered %q while paused", m)
			case <-time.After(200 * time.Millisecond):
			}
			receiver.ProcessData()
			select {
			case m := <-got:
				if m != "held" {
					t.Fatalf("got %q", m)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("nothing delivered after ProcessData")
			}
		})
	}
}
