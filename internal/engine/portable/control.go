package portable

import (
	"errors"
	"net"
	"syscall"

	"github.com/tlskit/tlskit/internal/engine"
)

var (
	_ engine.Controller       = (*conn)(nil)
	_ engine.SocketConfigurer = (*conn)(nil)
)

// Control runs f with the socket's descriptor (net.TCPConn's SyscallConn);
// an adopted conn whose socket has none returns errors.ErrUnsupported.
func (c *conn) Control(f func(fd uintptr)) error {
	sc, ok := c.sock.(syscall.Conn)
	if !ok {
		return errors.ErrUnsupported
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Control(f)
}

// SetSocketOptions applies o to the open socket, as an accept does; an
// adopted conn whose socket is not TCP returns errors.ErrUnsupported.
func (c *conn) SetSocketOptions(o engine.SocketOptions) error {
	tc, ok := c.sock.(*net.TCPConn)
	if !ok {
		return errors.ErrUnsupported
	}
	if err := c.Control(func(uintptr) {}); err != nil {
		return err // closed
	}
	applySocketOptions(tc, o)
	return nil
}
