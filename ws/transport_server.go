package ws

import (
	"net"
	"time"

	"github.com/tlskit/tlskit/server"
)

// serverTransport writes through the standalone server's connection, whose
// queue is bounded by server.Options.OutBufferSize.
type serverTransport struct {
	sc *server.Conn
}

func (t *serverTransport) write(p []byte) (int, error) { return t.sc.Send(p) }

// waitWritable polls the queue: the server's OnReadyToSend is an event of
// the connection, which cannot arrive while one of its hooks is waiting.
func (t *serverTransport) waitWritable(done <-chan struct{}) bool {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		if !t.sc.Connected() {
			return false
		}
		if t.sc.Queued() == 0 {
			return true
		}
		select {
		case <-done:
			return false
		case <-tick.C:
		}
	}
}

func (t *serverTransport) closeGraceful() { t.sc.Disconnect() }
func (t *serverTransport) abort()         { t.sc.Reset() }
func (t *serverTransport) localAddr() net.Addr {
	ip := net.ParseIP(t.sc.LocalAddress())
	return &net.TCPAddr{IP: ip, Port: t.sc.LocalPort()}
}
func (t *serverTransport) remoteAddr() net.Addr { return net.TCPAddrFromAddrPort(t.sc.RemoteAddr()) }
