package socket

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
)

func TestLocalBindingAndPort(t *testing.T) {
	t.Parallel()
	want := testpeer.FreePort(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			defer c.Close()
			c.Read(make([]byte, 1))
		}
	}()
	remote := ln.Addr().(*net.TCPAddr).Port
	s := New(Config{Address: "127.0.0.1", Port: remote, LocalAddress: "127.0.0.1", LocalPort: want})
	if s.Port() != remote || s.Handle() != -1 {
		t.Fatalf("before Connect: Port %d, Handle %d", s.Port(), s.Handle())
	}
	if err := s.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Port() != want || s.LocalAddress() != "127.0.0.1" || s.RemotePort() != remote || s.Handle() < 0 {
		t.Fatalf("after Connect: Port %d (want %d), LocalAddress %q, RemotePort %d, Handle %d",
			s.Port(), want, s.LocalAddress(), s.RemotePort(), s.Handle())
	}
}

func TestNetworkInterfaceAndIPv6(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
		}
	}()
	lo := loopbackInterface(t)
	s, err := Dial(context.Background(), Config{Address: "::1", Port: ln.Addr().(*net.TCPAddr).Port, NetworkInterface: lo})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.LocalAddress() != "::1" || s.RemoteAddress() != "::1" {
		t.Fatalf("local %q remote %q", s.LocalAddress(), s.RemoteAddress())
	}
	if _, err := Dial(context.Background(), Config{Address: "::1", Port: 1, NetworkInterface: "no-such-if0"}); !errors.Is(err, ErrCannotResolve) {
		t.Fatalf("unknown interface: %v", err)
	}
}

// loopbackInterface returns the name of the loopback interface.
func loopbackInterface(t *testing.T) string {
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback != 0 {
			return i.Name
		}
	}
	t.Skip("no loopback interface")
	return ""
}

func TestConnectTimeoutAndCancel(t *testing.T) {
	t.Parallel()
	// A server that accepts and never answers the TLS handshake.
	port := silentListener(t)
	start := time.Now()
	_, err := Dial(context.Background(), Config{Address: "127.0.0.1", Port: port, Secure: true, ConnectTimeout: 200 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) || ErrorCode(err) != Code(syscall.ETIMEDOUT) {
		t.Fatalf("stalled handshake: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("ConnectTimeout not honoured: %v", time.Since(start))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Dial(ctx, Config{Address: "127.0.0.1", Port: port}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}

func TestReconnectAfterClose(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("x"))
			c.Close()
		}
	}()
	s := New(Config{Address: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port})
	for i := range 2 {
		if err := s.Connect(context.Background()); err != nil {
			t.Fatalf("connect %d: %v", i, err)
		}
		waitAvailable(t, s, 1)
		s.Close()
		if got := string(s.ReadAll()); got != "x" {
			t.Fatalf("connect %d: read %q", i, got)
		}
	}
}
