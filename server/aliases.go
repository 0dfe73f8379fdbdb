package server

import "net"

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
