package ws

import (
	"crypto/rand"
	"errors"
	"net"
	"testing"

	"github.com/tlskit/tlskit/server"
)

// A Broadcast that a connection cannot take names it in a *SendError: its
// backlog overflowed, and it was closed.
func TestBroadcastSendError(t *testing.T) {
	t.Parallel()
	s := startServer(t, Options{Server: server.Options{OutBufferSize: 4096}})
	r := dialRaw(t, s.Addr().String())
	r.conn.(*net.TCPConn).SetReadBuffer(4 << 10)
	if resp := r.upgrade(); resp.Status != 101 {
		t.Fatalf("status %d", resp.Status)
	}
	var id int64
	for c := range s.Connections() {
		id = c.ConnectionID()
	}
	msg := make([]byte, 4<<10) // a connection holds up to twice OutBufferSize
	rand.Read(msg)
	for range 10000 { // the client never reads: its queue fills up
		_, err := s.Broadcast(DataBinary, msg)
		if err == nil {
			continue
		}
		var se *SendError
		if !errors.As(err, &se) || se.ConnectionID != id || !errors.Is(err, ErrTooSlow) {
			t.Fatalf("Broadcast: %v (%#v), want a *SendError for connection %d matching ErrTooSlow", err, se, id)
		}
		return
	}
	t.Fatal("the queue of a connection that does not read never filled up")
}
