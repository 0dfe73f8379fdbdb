package server

import (
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// TestPeerResetWhileSending: a client that sends without reading, so
// that the server's echo blocks in Send, then resets the connection: the
// Send ends at once with an error that is not a timeout, and the
// connection closes. The portable engine
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
		sending := make(chan struct{})
		sendErr := make(chan error, 1)
		closed := make(chan int, 1)
		var once sync.Once
		o := Options{DefaultTimeout: time.Hour, Events: Events{
			OnDataIn: func(c *Conn, _ []byte, _ bool) {
				once.Do(func() {
					close(sending)
					// Far more than the socket buffers hold: this Send
					// cannot end before the client reads or leaves.
					_, err := c.Send(make([]byte, 64<<20))
					sendErr <- err
				})
			},
			OnDisconnected: func(_ *Conn, err error) { closed <- Code(err) },
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
		// Write until the server stops taking data (its reader paused
		// while the Send waits for room), unless the machine is so slow
		// that a write times out before.
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
		select {
		case <-sending:
		case <-time.After(10 * time.Second):
			t.Fatal("no data reached the server within 10 s")
		}
		if err := raw.(*net.TCPConn).SetLinger(0); err != nil {
			t.Fatal(err)
		}
		raw.Close() // an RST
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Fatal("the connection did not close within 10 s of the reset")
		}
		if err := <-sendErr; err == nil || errors.Is(err, ErrTimedOut) {
			t.Errorf("Send: %v, want an error that is not a timeout", err)
		}
	})
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
