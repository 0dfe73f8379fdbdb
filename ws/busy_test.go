package ws

import (
	"bufio"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/tlskit/tlskit/server"
)

const upgradeRequest = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

// upgradeFrom sends an upgrade request to s from the local address ip and
// returns the response's head.
func upgradeFrom(t *testing.T, s *Server, ip string) *http.Response {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c, err := d.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(upgradeRequest)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("from %s: %v, want a response", ip, err)
	}
	resp.Body.Close()
	c.SetDeadline(time.Time{})
	return resp
}

// TestBusyRefusal: a plain WebSocket client refused for the per-address
// limit, or MaxConnections, reads a 503 with Retry-After instead of a bare
// reset, while another address is still served (issue 15, defect 4).
func TestBusyRefusal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts server.Options
		// other: a client from another address is served
		other bool
	}{
		{"MaxConnectionsPerAddress", server.Options{MaxConnectionsPerAddress: 1}, true},
		{"MaxConnections", server.Options{MaxConnections: 1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, Options{Server: tc.opts, Events: echoEvents()})
			if resp := upgradeFrom(t, s, "127.0.0.1"); resp.StatusCode != http.StatusSwitchingProtocols {
				t.Fatalf("the first client: %s", resp.Status)
			}
			resp := upgradeFrom(t, s, "127.0.0.1")
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
				t.Fatalf("a refused client: %s, Retry-After %q; want 503 with Retry-After", resp.Status, resp.Header.Get("Retry-After"))
			}
			if tc.other {
				if resp := upgradeFrom(t, s, "127.0.0.2"); resp.StatusCode != http.StatusSwitchingProtocols {
					t.Fatalf("a client from 127.0.0.2: %s", resp.Status)
				}
			}
		})
	}
}

// TestFullServerReplacesStalledUpgrade: a full server replaces the
// connection that has been in its opening handshake (the upgrade) longest,
// once that is a second, so that clients that never finish their upgrade
// cannot keep an honest one out; upgraded connections are never replaced
// (issue 15, defect 4).
func TestFullServerReplacesStalledUpgrade(t *testing.T) {
	t.Parallel()
	s := startServer(t, Options{Server: server.Options{MaxConnections: 2}, Events: echoEvents()})
	if resp := upgradeFrom(t, s, "127.0.0.1"); resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("the first client: %s", resp.Status)
	}
	stalled, err := net.Dial("tcp", s.Addr().String()) // sends nothing
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	// Not a timing assertion: the stalled upgrade must be older than the
	// replacement age, a second.
	time.Sleep(1100 * time.Millisecond)
	if resp := upgradeFrom(t, s, "127.0.0.1"); resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("a client of a server full with a stalled upgrade: %s", resp.Status)
	}
	stalled.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := stalled.Read(make([]byte, 1)); err == nil {
		t.Fatal("the stalled upgrade read data")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the stalled upgrade was not replaced")
	}
	if resp := upgradeFrom(t, s, "127.0.0.1"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a client of a server full of upgraded connections: %s, want 503", resp.Status)
	}
}
