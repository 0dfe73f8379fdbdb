//go:build unix

package engine

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// ListenTCP creates, binds and listens on a TCP socket as cfg says, honouring
// the backlog, exclusive or shared binding and the IPv6-only flag, which the
// net package does not expose.
func ListenTCP(cfg ListenConfig) (*net.TCPListener, error) {
	fd, ap, err := ListenSocket(cfg)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), fmt.Sprintf("tcp-listener:%v", ap))
	ln, err := net.FileListener(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	return ln.(*net.TCPListener), nil
}

// ListenSocket creates a non-blocking, close-on-exec TCP socket, binds and
// listens as cfg says and returns its descriptor with the address it was
// bound to (port 0 stays 0: ask getsockname for the chosen port). Engines
// with their own event loop use it directly.
func ListenSocket(cfg ListenConfig) (int, netip.AddrPort, error) {
	ap, err := ResolveListenAddr(cfg)
	if err != nil {
		return -1, ap, err
	}
	family := unix.AF_INET
	if cfg.Family != IPv4Only {
		family = unix.AF_INET6
	}
	// SOCK_CLOEXEC and SOCK_NONBLOCK are not on every Unix: set the flags
	// afterwards, under ForkLock as the net package does, so no child
	// process inherits the socket.
	syscall.ForkLock.RLock()
	fd, err := unix.Socket(family, unix.SOCK_STREAM, unix.IPPROTO_TCP)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, ap, os.NewSyscallError("socket", err)
	}
	fail := func(op string, err error) (int, netip.AddrPort, error) {
		unix.Close(fd)
		return -1, ap, &net.OpError{Op: "listen", Net: "tcp", Addr: net.TCPAddrFromAddrPort(ap), Err: os.NewSyscallError(op, err)}
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		return fail("fcntl", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fail("setsockopt", err)
	}
	if cfg.Shared {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			return fail("setsockopt", err)
		}
	}
	var sa unix.Sockaddr
	if family == unix.AF_INET6 {
		v6only := 0
		if cfg.Family == IPv6Only {
			v6only = 1
		}
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, v6only); err != nil {
			return fail("setsockopt", err)
		}
		sa = &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	} else {
		sa = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	backlog := cfg.Backlog
	if backlog <= 0 {
		backlog = unix.SOMAXCONN
	}
	if err := unix.Listen(fd, backlog); err != nil {
		return fail("listen", err)
	}
	return fd, ap, nil
}
