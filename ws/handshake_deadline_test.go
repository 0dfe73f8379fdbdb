package ws

import (
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
)

// TestHandshakeDeadlineDrip: the opening handshake has a deadline from the
// accept, however steadily its bytes trickle in: an upgrade request (ws),
// a ClientHello (wss) and an upgrade after a prompt TLS handshake (wss),
// each dripped a byte every 100 ms, well within the inactivity limit the
// TLS handshake used to have, are reset by HandshakeTimeout (issue 15,
// defect 2). The wss ClientHello drip was never cut off before: nothing
// bounded the TLS handshake of a ws.Server.
func TestHandshakeDeadlineDrip(t *testing.T) {
	// Long enough for the wss upgrade case's prompt TLS handshake on a
	// loaded machine, and still 20 times the drip's interval.
	const timeout = 2 * time.Second
	upgrade := []byte("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	cert := testCert(t)
	for _, tc := range []struct {
		name string
		tls  bool
		drip func(c net.Conn) []byte // what to drip, after anything sent at once
	}{
		{"ws upgrade", false, func(net.Conn) []byte { return upgrade }},
		{"wss ClientHello", true, func(net.Conn) []byte { return testpeer.ClientHello("127.0.0.1") }},
		{"wss upgrade", true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := Options{HandshakeTimeout: timeout, Events: echoEvents()}
			if tc.tls {
				opts.Server.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
			}
			s := startServer(t, opts)
			raw, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			c, data := raw, upgrade
			if tc.drip != nil {
				data = tc.drip(raw)
			} else {
				tc := tls.Client(raw, &tls.Config{InsecureSkipVerify: true})
				tc.SetDeadline(time.Now().Add(5 * time.Second))
				if err := tc.Handshake(); err != nil {
					raw.Close()
					t.Fatal(err)
				}
				tc.SetDeadline(time.Time{})
				c = tc
			}
			d, closed := testpeer.Drip(c, data, 100*time.Millisecond, 6*timeout)
			if !closed {
				t.Fatalf("a handshake dripped a byte every 100 ms was still open after %v (HandshakeTimeout %v)", 6*timeout, timeout)
			}
			t.Logf("closed after %v", d)
		})
	}
}
