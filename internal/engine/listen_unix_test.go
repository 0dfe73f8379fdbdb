//go:build unix

package engine

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestListenSocketFlags(t *testing.T) {
	fd, ap, err := ListenSocket(ListenConfig{Host: "127.0.0.1", Backlog: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if !ap.Addr().Is4() {
		t.Fatalf("bound %v, want an IPv4 address", ap)
	}
	if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0); err != nil || fl&unix.O_NONBLOCK == 0 {
		t.Errorf("listening socket is blocking (flags %#x, %v)", fl, err)
	}
	if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil || fl&unix.FD_CLOEXEC == 0 {
		t.Errorf("listening socket lacks close-on-exec (flags %#x, %v)", fl, err)
	}
	if v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT); err != nil || v != 0 {
		t.Errorf("SO_REUSEPORT = %d, %v on an exclusive listener", v, err)
	}
}
