package portable

import "github.com/tlskit/tlskit/internal/engine"

var (
	_ engine.Controller       = (*conn)(nil)
	_ engine.SocketConfigurer = (*conn)(nil)
)

// Control runs f with the socket's descriptor (net.TCPConn's SyscallConn).
func (c *conn) Control(f func(fd uintptr)) error {
	rc, err := c.tcp.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Control(f)
}

// SetSocketOptions applies o to the open socket, as an accept does.
func (c *conn) SetSocketOptions(o engine.SocketOptions) error {
	if err := c.Control(func(uintptr) {}); err != nil {
		return err // closed
	}
	applySocketOptions(c.tcp, o)
	return nil
}
