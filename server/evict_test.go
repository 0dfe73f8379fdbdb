package server

import (
	"crypto/tls"
	"net"
	"testing"
	"time"
)

func setEvictAge(s *Server, d time.Duration) {
	s.mu.Lock()
	s.evictAge = d
	s.mu.Unlock()
}

func handshakingLen(s *Server) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.handshaking.Len()
}

// TestFullServerReplacesStalledHandshake: when MaxConnections is reached, a
// new connection replaces the one that has been in its TLS handshake
// longest, so clients that stall their handshakes cannot keep an honest
// one out; an established connection is never replaced, nor a handshake
// younger than the replacement age (issue 15, defect 4).
func TestFullServerReplacesStalledHandshake(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		p := getPKI(t)
		s := start(t, engine, Options{TLSConfig: p.serverConfig(), MaxConnections: 2, Events: echoEvents()})
		setEvictAge(s, time.Hour)
		// Two clients that never send a ClientHello fill the server.
		stalled := []net.Conn{dial(t, s), dial(t, s)}
		waitFor(t, "two handshakes", func() bool { return handshakingLen(s) == 2 })
		d := &net.Dialer{Timeout: 5 * time.Second}
		if c, err := tls.DialWithDialer(d, "tcp", s.Addr().String(), p.clientConfig()); err == nil {
			c.Close()
			t.Fatal("a third connection was served while the handshakes were younger than the replacement age")
		}
		setEvictAge(s, 0)
		honest := dialTLS(t, s, p.clientConfig())
		echoes(t, honest, "served in place of a stalled handshake")
		replaced := 0
		for _, c := range stalled {
			c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			if _, err := c.Read(make([]byte, 1)); err != nil && !stillOpen(err) {
				replaced++
			}
		}
		if replaced != 1 {
			t.Fatalf("%d stalled handshakes were replaced, want 1", replaced)
		}
		// Full again, with one established connection and one handshake:
		// the next replaces the handshake, the one after is refused.
		second := dialTLS(t, s, p.clientConfig())
		echoes(t, second, "served in place of the other")
		if c, err := tls.DialWithDialer(d, "tcp", s.Addr().String(), p.clientConfig()); err == nil {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err = c.Read(make([]byte, 1))
			c.Close()
			if err == nil || stillOpen(err) {
				t.Fatal("an established connection was replaced, or MaxConnections exceeded")
			}
		}
		echoes(t, honest, "the established connections stay")
		echoes(t, second, "both of them")
	})
}

// stillOpen reports whether a read's err is its deadline, not a close.
func stillOpen(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
