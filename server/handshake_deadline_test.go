package server

import (
	"net"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
)

// TestHandshakeDeadlineDrip: a client that drips its ClientHello a byte
// every 100 ms, well within an inactivity limit of 500 ms, is still cut off
// by the handshake's total deadline (issue 15, defect 2).
func TestHandshakeDeadlineDrip(t *testing.T) {
	hello := testpeer.ClientHello("localhost")
	forEachEngine(t, func(t *testing.T, engine string) {
		p := getPKI(t)
		const timeout = 500 * time.Millisecond
		errs := make(chan *Error, 1)
		s := start(t, engine, Options{TLSConfig: p.serverConfig(), DefaultConnectionTimeout: timeout, Events: Events{
			OnError: func(c *Conn, err error) { errs <- err.(*Error) },
		}})
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		// The ClientHello takes 100 ms a byte, far longer than the bound.
		d, closed := testpeer.Drip(c, hello, 100*time.Millisecond, 6*timeout)
		if !closed {
			t.Fatalf("a ClientHello dripped a byte every 100 ms was still open after %v (handshake timeout %v)", 6*timeout, timeout)
		}
		t.Logf("closed after %v", d)
		if e := <-errs; Code(e) != 10060 {
			t.Fatalf("Error %v, want 10060 (timeout)", e)
		}
		waitFor(t, "no live connection", func() bool { return s.ConnectionCount() == 0 })
	})
}
