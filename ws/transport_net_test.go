package ws

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// TestNetTransportBackpressure fills a client connection whose peer does
// not read: sends refuse with ErrWouldBlock, nothing is lost, and
// OnReadyToSend fires once the peer reads.
func TestNetTransportBackpressure(t *testing.T) {
	t.Parallel()
	url, ch := startRawServer(t, accept101())
	ready := make(chan struct{}, 64)
	c := dialT(t, url, &DialOptions{
		Conn:   ConnOptions{SendQueue: 8 << 10, DisablePermessageDeflate: true},
		Events: Events{OnReadyToSend: func(*Conn) { ready <- struct{}{} }, OnDataIn: func(*Conn, DataFormat, []byte, bool, bool) {}},
	})
	rs := <-ch
	<-ready                                  // after OnConnected
	msg := bytes.Repeat([]byte{0xab}, 4<<10) // a connection holds up to twice SendQueue
	sent := 0
	var err error
	for sent < 4000 {
		if _, err = c.SendBytes(msg); err != nil {
			break
		}
		sent++
	}
	if !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("after %d messages: %v", sent, err)
	}
	for i := 0; i < sent; i++ {
		f, ok := rs.next()
		if !ok || !bytes.Equal(f.Payload, msg) {
			t.Fatalf("message %d of %d lost or damaged", i, sent)
		}
	}
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("no OnReadyToSend")
	}
	if _, err := c.SendText("after"); err != nil {
		t.Fatal(err)
	}
	if f, _ := rs.next(); string(f.Payload) != "after" {
		t.Fatalf("got %q", f.Payload)
	}
	rs.conn.Close()
}
