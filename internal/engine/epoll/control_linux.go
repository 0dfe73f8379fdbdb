package epoll

import (
	"net"

	"github.com/tlskit/tlskit/internal/engine"
)

var (
	_ engine.Controller       = (*conn)(nil)
	_ engine.SocketConfigurer = (*conn)(nil)
)

// Control runs f with the socket's descriptor. The loop closes the
// descriptor only under mu, so it stays open while f runs.
func (c *conn) Control(f func(fd uintptr)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fd < 0 {
		return net.ErrClosed
	}
	f(uintptr(c.fd))
	return nil
}

// SetSocketOptions applies o to the open socket, as an accept does.
func (c *conn) SetSocketOptions(o engine.SocketOptions) error {
	return c.Control(func(fd uintptr) { applySocketOptions(int(fd), o) })
}
