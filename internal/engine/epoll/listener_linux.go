package epoll

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
	"golang.org/x/sys/unix"
)

// acceptBatch bounds the connections accepted per wake-up, so a flood of
// connections does not starve the loop's other work.
const acceptBatch = 64

type listener struct {
	e    *Engine
	l    *loop
	fd   int
	addr *net.TCPAddr
	a    engine.Acceptor
	gate *engine.ProxyGate                    // ListenConfig.Proxy; nil without
	sock atomic.Pointer[engine.SocketOptions] // for the next accept

	once sync.Once
	done chan struct{} // closed when the loop has let go of the socket

	// Owned by the loop.
	closed  bool
	backoff time.Duration
	bt      timer
}

func listen(e *Engine, cfg engine.ListenConfig, a engine.Acceptor) (engine.Listener, error) {
	fd, _, err := engine.ListenSocket(cfg)
	if err != nil {
		return nil, err
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("getsockname", err)
	}
	l, err := e.acquire()
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	ln := &listener{e: e, l: l, fd: fd, addr: net.TCPAddrFromAddrPort(sockaddrPort(sa)), a: a,
		done: make(chan struct{})}
	if cfg.Proxy != nil {
		ln.gate = engine.NewProxyGate(cfg.Proxy, a)
	}
	sock := cfg.Socket
	ln.sock.Store(&sock)
	ln.bt = timer{idx: -1, kind: timerListener, ln: ln}
	l.post(func() {
		l.listeners[fd] = ln
		ln.watch()
	})
	return ln, nil
}

func (ln *listener) Addr() net.Addr { return ln.addr }

func (ln *listener) SetSocketOptions(o engine.SocketOptions) { ln.sock.Store(&o) }

// Close stops accepting. It returns once the loop has removed the socket,
// so no Acceptor call is running or will follow. It must not be called from
// an Acceptor method.
func (ln *listener) Close() error {
	ln.once.Do(func() {
		if ln.gate != nil {
			ln.gate.Close()
		}
		ln.l.post(func() {
			ln.closed = true
			delete(ln.l.listeners, ln.fd)
			_ = unix.EpollCtl(ln.l.epfd, unix.EPOLL_CTL_DEL, ln.fd, nil)
			ln.l.mu.Lock()
			ln.l.stopTimerLocked(&ln.bt)
			ln.l.mu.Unlock()
			unix.Close(ln.fd)
			close(ln.done)
			ln.e.release()
		})
	})
	<-ln.done
	return nil
}

func (ln *listener) watch() {
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(ln.fd)}
	if err := unix.EpollCtl(ln.l.epfd, unix.EPOLL_CTL_ADD, ln.fd, &ev); err != nil {
		ln.a.AcceptError(os.NewSyscallError("epoll_ctl", err))
	}
}

// accept takes the pending connections (on the loop).
func (ln *listener) accept() {
	for range acceptBatch {
		if ln.closed {
			return
		}
		nfd, remote, err := accept4(ln.fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		switch {
		case err == nil:
		case errors.Is(err, unix.EAGAIN):
			return
		case errors.Is(err, unix.EINTR), errors.Is(err, unix.ECONNABORTED):
			continue
		default:
			// Out of descriptors or memory: report, and stop watching the
			// socket for a while so the loop does not spin (net/http's
			// back-off: 5 ms doubling up to 1 s).
			ln.a.AcceptError(&net.OpError{Op: "accept", Net: "tcp", Addr: ln.addr, Err: os.NewSyscallError("accept4", err)})
			if ln.backoff == 0 {
				ln.backoff = 5 * time.Millisecond
			} else if ln.backoff < time.Second {
				ln.backoff *= 2
			}
			_ = unix.EpollCtl(ln.l.epfd, unix.EPOLL_CTL_DEL, ln.fd, nil)
			ln.l.mu.Lock()
			ln.l.setTimerLocked(&ln.bt, mono()+int64(ln.backoff))
			ln.l.mu.Unlock()
			return
		}
		ln.backoff = 0
		applySocketOptions(nfd, *ln.sock.Load())
		cl, err := ln.e.acquire()
		if err != nil { // cannot happen while the listener holds the loops
			unix.Close(nfd)
			ln.a.AcceptError(err)
			continue
		}
		c := newConn(ln.e, cl, nfd, remote)
		if ln.gate != nil {
			ln.acceptProxied(c)
			continue
		}
		ln.a.Accept(c)
	}
}

func (ln *listener) backoffEnded() {
	if !ln.closed {
		ln.watch()
	}
}

// sockaddrPort converts a socket address, unmapping IPv4-mapped IPv6.
func sockaddrPort(sa unix.Sockaddr) netip.AddrPort {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr).Unmap(), uint16(a.Port))
	}
	return netip.AddrPort{}
}

// applySocketOptions sets o on an accepted socket. Failures leave the OS
// defaults, as the portable engine does.
func applySocketOptions(fd int, o engine.SocketOptions) {
	nodelay := 0
	if o.NoDelay {
		nodelay = 1
	}
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, nodelay)
	if o.KeepAlive {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1)
		if o.KeepAliveIdle > 0 {
			_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, seconds(o.KeepAliveIdle))
		}
		if o.KeepAliveInterval > 0 {
			_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, seconds(o.KeepAliveInterval))
		}
	} else {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 0)
	}
	if o.ReceiveBuffer > 0 {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, o.ReceiveBuffer)
	}
	if o.SendBuffer > 0 {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, o.SendBuffer)
	}
}

// seconds rounds d up to whole seconds, at least 1.
func seconds(d time.Duration) int {
	return max(int((d+time.Second-1)/time.Second), 1)
}
