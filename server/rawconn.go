package server

import (
	"errors"
	"syscall"

	"github.com/tlskit/tlskit/internal/engine"
)

// SyscallConn returns the connection's socket for options the server does
// not set, as net.TCPConn's does: its Control runs a function with the
// descriptor (for getsockopt and setsockopt). Its Read and Write return
// errors.ErrUnsupported: data goes through Send and the events, since the
// engine owns the socket (and, over TLS, the bytes on it are ciphertext).
func (c *Conn) SyscallConn() (syscall.RawConn, error) {
	ctl, ok := c.ec.(engine.Controller)
	if !ok {
		return nil, errors.ErrUnsupported
	}
	return rawConn{ctl}, nil
}

type rawConn struct{ ctl engine.Controller }

func (r rawConn) Control(f func(fd uintptr)) error       { return r.ctl.Control(f) }
func (rawConn) Read(func(fd uintptr) (done bool)) error  { return errors.ErrUnsupported }
func (rawConn) Write(func(fd uintptr) (done bool)) error { return errors.ErrUnsupported }
