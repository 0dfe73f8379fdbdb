package socket

import (
	"context"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestSocketOptionsLinux(t *testing.T) {
	t.Parallel()
	port := silentListener(t)
	for _, tt := range []struct {
		name      string
		noDelay   bool
		keepAlive time.Duration
	}{
		{name: "defaults (as Go's net: no delay; keep-alive off)", noDelay: true},
		{name: "Nagle and 7s keep-alive", keepAlive: 7 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Dial(context.Background(), Config{Address: "127.0.0.1", Port: port, Nagle: !tt.noDelay, KeepAlive: tt.keepAlive})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			fd := s.Handle()
			nd, err := unix.GetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY)
			if err != nil {
				t.Fatal(err)
			}
			ka, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE)
			if (nd != 0) != tt.noDelay || (ka != 0) != (tt.keepAlive > 0) {
				t.Fatalf("TCP_NODELAY %d, SO_KEEPALIVE %d", nd, ka)
			}
			if tt.keepAlive > 0 {
				intvl, _ := unix.GetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL)
				idle, _ := unix.GetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE)
				if intvl != 7 || idle != 7 {
					t.Fatalf("keep-alive interval %d idle %d, want 7", intvl, idle)
				}
			}
		})
	}
}
