package ws

import (
	"net"
	"time"

	"github.com/tlskit/tlskit/server"
)

// serverTransport writes through the standalone server's connection, whose
// queue is bounded by server.Options.OutBufferSize.
type serverTransport struct {
	sc    *server.Conn
	limit int // OutBufferSize
}

func (t *serverTransport) write(p []byte) (int, error) { return t.sc.Send(p) }

// waitWritable polls the queue: the server's OnReadyToSend is an event of
// the connection, which cannot arrive while one of its hooks is waiting.
func (t *serverTransport) waitWritable(done <-chan struct{}) bool {
	return pollRoom(done, t.sc.Connected, func() bool { return t.sc.Queued() == 0 })
}

// pollRoom waits until room() or the connection ends (false) or done
// closes (false), checking every millisecond, for transports whose room
// notifications are events that a waiting hook would hold up.
func pollRoom(done <-chan struct{}, connected, room func() bool) bool {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		if !connected() {
			return false
		}
		if room() {
			return true
		}
		select {
		case <-done:
			return false
		case <-tick.C:
		}
	}
}

func (t *serverTransport) queueLimit() int {
	if t.sc.Timeout() > 0 {
		return 0 // Send blocks until it has queued everything
	}
	return t.limit
}

func (t *serverTransport) closeGraceful() { t.sc.Disconnect() }
func (t *serverTransport) abort()         { t.sc.Reset() }
func (t *serverTransport) localAddr() net.Addr {
	ip := net.ParseIP(t.sc.LocalAddress())
	return &net.TCPAddr{IP: ip, Port: t.sc.LocalPort()}
}
func (t *serverTransport) remoteAddr() net.Addr { return net.TCPAddrFromAddrPort(t.sc.RemoteAddr()) }
