package portable

import "github.com/tlskit/tlskit/internal/engine"

var _ engine.Controller = (*conn)(nil)

// Control runs f with the socket's descriptor (net.TCPConn's SyscallConn).
func (c *conn) Control(f func(fd uintptr)) error {
	rc, err := c.tcp.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Control(f)
}
