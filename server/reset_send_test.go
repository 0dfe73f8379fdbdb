package server

import (
	"crypto/tls"
	"errors"
	"net"
	"testing"
	"time"
)

// TestPeerResetWhileSending: a client that sends without reading, so
// that the server's echo blocks in Send, then resets the connection: the
// Send ends at once with an error that is not a timeout, and the
// connection closes with "connection reset by peer". The portable engine
// did not notice (its reader was paused, the failed write woke no one):
// the Send waited for its timeout, as for a client that does not read.
func TestPeerResetWhileSending(t *testing.T) {
	pki := getPKI(t)
	for _, secure := range []bool{false, true} {
		t.Run(map[bool]string{false: "tcp", true: "tls"}[secure], func(t *testing.T) { testPeerResetWhileSending(t, pki, secure) })
	}
}

func testPeerResetWhileSending(t *testing.T, pki *testPKI, secure bool) {
	forEachEngine(t, func(t *testing.T, engine string) {
		sendErr := make(chan error, 1)
		closed := make(chan int, 1)
		o := Options{DefaultTimeout: time.Hour, Events: Events{
			OnDataIn: func(c *Conn, text []byte, _ bool) {
				if _, err := c.Send(text); err != nil {
					select {
					case sendErr <- err:
					default:
					}
				}
			},
			OnDisconnected: func(_ *Conn, code int, _ string) { closed <- code },
		}}
		if secure {
			o.TLSConfig = pki.serverConfig()
		}
		s := start(t, engine, o)
		raw, err := net.DialTimeout("tcp", s.Addr().String(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		var c net.Conn = raw
		if secure {
			tc := tls.Client(raw, pki.clientConfig())
			if err := tc.Handshake(); err != nil {
				t.Fatal(err)
			}
			c = tc
		}
		// Write until the server stops taking data: it is then blocked
		// in Send (its queue and both sockets' buffers full).
		buf := make([]byte, 64<<10)
		for {
			_ = c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
			if _, err := c.Write(buf); err != nil {
				if !isTimeout(err) {
					t.Fatal(err)
				}
				break
			}
		}
		if err := raw.(*net.TCPConn).SetLinger(0); err != nil {
			t.Fatal(err)
		}
		raw.Close() // an RST
		select {
		case code := <-closed:
			if code != 10054 {
				t.Errorf("disconnected with %d, want 10054 (connection reset by peer)", code)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the connection did not close within 10 s of the reset")
		}
		select {
		case err := <-sendErr:
			if errors.Is(err, ErrTimedOut) {
				t.Errorf("Send: %v, want an error that is not a timeout", err)
			}
		default:
			t.Error("Send returned no error")
		}
	})
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
