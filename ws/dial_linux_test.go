package ws

import (
	"net"
	"syscall"
	"testing"
)

// Dial sets TCP_NODELAY unless DialOptions.Nagle asks for Nagle's algorithm.
func TestDialNagle(t *testing.T) {
	t.Parallel()
	s := startServer(t, Options{})
	for _, nagle := range []bool{false, true} {
		c := dialT(t, s.URL(), &DialOptions{Nagle: nagle})
		tc, ok := c.tr.(*engineTransport).nc.(*net.TCPConn)
		if !ok {
			t.Fatalf("a ws:// connection over %T", c.tr.(*engineTransport).nc)
		}
		rc, err := tc.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var v int
		var serr error
		if err := rc.Control(func(fd uintptr) { v, serr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_NODELAY) }); err != nil || serr != nil {
			t.Fatal(err, serr)
		}
		if (v != 0) == nagle {
			t.Fatalf("Nagle %v: TCP_NODELAY %d", nagle, v)
		}
	}
}
