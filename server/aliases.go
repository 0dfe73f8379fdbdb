package server

import (
	"net"

	"github.com/tlskit/tlskit/internal/errcode"
)

// The seeds' names for what has a Go name here, kept for code ported from
// IPWorks SSLServer (docs/porting.md maps the rest).

// SendBytes is the seed name (IPWorks SSLServer.SendBytes); prefer Send.
func (c *Conn) SendBytes(p []byte) (int, error) { return c.Send(p) }

// RemoteHost is the seed name (IPWorks SSLConnection.RemoteHost) of the
// client's IP address; prefer RemoteAddr().Addr().
func (c *Conn) RemoteHost() string { return c.ec.RemoteAddr().Addr().String() }

// RemotePort is the seed name (IPWorks SSLConnection.RemotePort) of the
// client's TCP port; prefer RemoteAddr().Port().
func (c *Conn) RemotePort() int { return int(c.ec.RemoteAddr().Port()) }

// LocalPort is the seed name (IPWorks SSLServer.LocalPort) of Addr's port,
// 0 when not listening; prefer Addr.
func (s *Server) LocalPort() int {
	if a, ok := s.Addr().(*net.TCPAddr); ok {
		return a.Port
	}
	return 0
}

// Code is the seed view (IPWorks SSLServer's error numbers) of err: 0 for
// nil; the number of the condition err matches (ErrWouldBlock 135,
// ErrTimedOut 10060 ...; certs' and tlsconf's 271 to 273, 276, 280);
// Winsock's number of an errno (10054 for ECONNRESET); else 10053. Prefer
// errors.Is with the conditions.
func Code(err error) int {
	n, _ := errcode.IPWorks(err)
	return n
}
