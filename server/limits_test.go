package server

import (
	"fmt"
	"io"
	"net"
	"testing"
	"time"
)

func TestMaxConnections(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		connected := make(chan *Conn, 10)
		s := start(t, engine, Options{MaxConnections: 2, Events: Events{
			OnConnected: func(c *Conn) { connected <- c },
		}})
		dial(t, s)
		dial(t, s)
		<-connected
		first := <-connected
		third, err := net.Dial("tcp", s.Addr().String())
		if err == nil {
			defer third.Close()
			third.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err = third.Read(make([]byte, 1))
		}
		if err == nil {
			t.Fatal("a connection beyond MaxConnections was served")
		} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("a connection beyond MaxConnections was left open")
		}
		// Room returns when one closes.
		first.Disconnect()
		waitFor(t, "one connection to close", func() bool { return s.ConnectionCount() == 1 })
		dial(t, s)
		select {
		case <-connected:
		case <-time.After(5 * time.Second):
			t.Fatal("no room after a connection closed")
		}
	})
}

func TestIdleTimeouts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		disc := make(chan string, 4)
		s := start(t, engine, Options{DefaultIdleTimeout: 150 * time.Millisecond, Events: Events{
			OnDataIn: func(c *Conn, text []byte, eol bool) {
				if string(text) == "longer" {
					c.SetIdleTimeout(600 * time.Millisecond)
				}
			},
			OnDisconnected: func(c *Conn, err error) { disc <- fmt.Sprint(err) },
		}})
		short := dial(t, s)
		long := dial(t, s)
		long.Write([]byte("longer"))
		began := time.Now()
		if _, err := short.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("idle connection: %v, want EOF", err)
		}
		if d := time.Since(began); d < 100*time.Millisecond {
			t.Fatalf("closed after %v, before the idle timeout", d)
		}
		if desc := <-disc; desc == "<nil>" {
			t.Fatal("no description")
		}
		if _, err := long.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("per-connection idle timeout: %v", err)
		}
		if d := time.Since(began); d < 500*time.Millisecond {
			t.Fatalf("per-connection timeout fired after %v, want about 600ms", d)
		}
	})
}

func TestIdleTimeoutCountsTraffic(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		// Traffic every 100 ms for 2.5 s, more than twice the timeout; the
		// 10x margin keeps a loaded machine (-race, two shared cores, where
		// a 500 ms timeout once saw a 400 ms stall) from dropping an active
		// connection.
		s := start(t, engine, Options{DefaultIdleTimeout: time.Second, Events: echoEvents()})
		c := dial(t, s)
		for range 25 {
			time.Sleep(100 * time.Millisecond)
			c.Write([]byte("k"))
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
				t.Fatalf("an active connection was dropped: %v", err)
			}
		}
	})
}

func TestAllowedBlockedClients(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		for _, tc := range []struct {
			name, allowed, blocked string
			override               bool // the hook accepts anyway
			wantAccept             bool
			wantReason             string
		}{
			{name: "default", wantAccept: true},
			{name: "allowed wildcard", allowed: "127.0.0.*", wantAccept: true},
			{name: "not allowed", allowed: "10.0.0.0/8", wantReason: "address not in AllowedClients"},
			{name: "blocked cidr", blocked: "127.0.0.0/8", wantReason: "address in BlockedClients"},
			{name: "blocked overridden", blocked: "127.0.0.1", override: true, wantAccept: true, wantReason: "address in BlockedClients"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				reqs := make(chan ConnectionRequest, 1)
				s := start(t, engine, Options{AllowedClients: tc.allowed, BlockedClients: tc.blocked, Events: Events{
					OnConnectionRequest: func(r *ConnectionRequest) {
						reqs <- *r
						if tc.override {
							r.Accept = true
						}
					},
					OnDataIn: func(c *Conn, text []byte, eol bool) { c.Send(text) },
				}})
				// A refused connection may be reset before connect returns.
				c, err := net.Dial("tcp", s.Addr().String())
				r := <-reqs
				if r.Address != "127.0.0.1" || r.Port == 0 || r.Reason != tc.wantReason || r.Accept != (tc.wantReason == "") {
					t.Fatalf("request %+v", r)
				}
				if err == nil {
					defer c.Close()
					c.Write([]byte("x"))
					c.SetReadDeadline(time.Now().Add(5 * time.Second))
					_, err = io.ReadFull(c, make([]byte, 1))
				}
				if (err == nil) != tc.wantAccept {
					t.Fatalf("served=%v, want %v", err == nil, tc.wantAccept)
				}
			})
		}
	})
}
