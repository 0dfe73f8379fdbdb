package ws

import (
	"crypto/tls"
	"net"

	"github.com/tlskit/tlskit/server"
)

// serverTransport is a standalone Server's connection as a transport: the
// link is the *server.Conn itself, whose queue is bounded by
// server.Options.OutBufferSize.
type serverTransport struct {
	*server.Conn
	limit int // OutBufferSize
}

func (t serverTransport) queueLimit() int { return t.limit }

func (t serverTransport) localAddr() net.Addr {
	ip := net.ParseIP(t.LocalAddress())
	return &net.TCPAddr{IP: ip, Port: t.LocalPort()}
}

func (t serverTransport) remoteAddr() net.Addr { return net.TCPAddrFromAddrPort(t.RemoteAddr()) }

func (t serverTransport) connectionState() (tls.ConnectionState, bool) { return t.ConnectionState() }
