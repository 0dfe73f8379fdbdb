package server

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/engine/epoll"
)

func TestListenPortZeroReported(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		s := start(t, engine, Options{})
		if s.LocalPort() == 0 {
			t.Fatal("LocalPort is 0 after listening on port 0")
		}
		if got := s.State(); got != StateListening {
			t.Fatalf("State = %v, want listening", got)
		}
		if err := s.StartListening(); !errors.Is(err, ErrAlreadyListening) {
			t.Fatalf("second StartListening = %v, want ErrAlreadyListening (104)", err)
		}
	})
}

func TestListenFamilies(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		for _, tc := range []struct {
			name      string
			host      string
			useIPv6   Family
			dialOK    []string // networks and hosts that must connect
			dialNotOK []string
		}{
			{name: "ipv4", host: "127.0.0.1", useIPv6: 0, dialOK: []string{"127.0.0.1"}, dialNotOK: []string{"::1"}},
			{name: "ipv6", host: "::1", useIPv6: 1, dialOK: []string{"::1"}, dialNotOK: []string{"127.0.0.1"}},
			{name: "dual", host: "", useIPv6: 2, dialOK: []string{"127.0.0.1", "::1"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s, err := New(Options{LocalHost: tc.host, UseIPv6: tc.useIPv6, Engine: Engine(engine), Events: echoEvents()})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				if err := s.StartListening(); err != nil {
					if tc.useIPv6 != 0 && errors.Is(err, syscall.EADDRNOTAVAIL) {
						t.Skip("no IPv6 loopback here")
					}
					t.Fatal(err)
				}
				port := strconv.Itoa(s.LocalPort())
				for _, h := range tc.dialOK {
					c, err := net.DialTimeout("tcp", net.JoinHostPort(h, port), 5*time.Second)
					if err != nil {
						t.Fatalf("dial %s: %v", h, err)
					}
					c.Write([]byte("hi"))
					buf := make([]byte, 2)
					if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "hi" {
						t.Fatalf("echo over %s: %q %v", h, buf, err)
					}
					c.Close()
				}
				for _, h := range tc.dialNotOK {
					c, err := net.DialTimeout("tcp", net.JoinHostPort(h, port), 5*time.Second)
					if err == nil {
						c.Close()
						t.Fatalf("dial %s succeeded on a UseIPv6=%d listener", h, tc.useIPv6)
					}
				}
			})
		}
	})
}

func TestAddressInUseCode(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		s := start(t, engine, Options{})
		s2, err := New(Options{LocalHost: "127.0.0.1", LocalPort: s.LocalPort(), Engine: Engine(engine)})
		if err != nil {
			t.Fatal(err)
		}
		err = s2.StartListening()
		var se *Error
		if !errors.As(err, &se) || Code(err) != 10048 || !errors.Is(err, syscall.EADDRINUSE) {
			t.Fatalf("binding a used port: %v, want *Error code 10048 wrapping EADDRINUSE", err)
		}
		s2.Close()
	})
}

func TestSharePortAllowsSecondListener(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		s := start(t, engine, Options{SharePort: true})
		s2 := start(t, engine, Options{SharePort: true, LocalPort: s.LocalPort()})
		if s2.LocalPort() != s.LocalPort() {
			t.Fatal("ports differ")
		}
	})
}

func TestStopListeningKeepsConnections(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		s := start(t, engine, Options{DefaultEOL: []byte("\n"), Events: echoEvents()})
		addr := s.Addr().String()
		c := dial(t, s)
		r := bufio.NewReader(c)
		c.Write([]byte("one\n"))
		if got := readLine(t, r); got != "one" {
			t.Fatalf("echo = %q", got)
		}
		if err := s.StopListening(); err != nil {
			t.Fatal(err)
		}
		if s.State() != StateIdle {
			t.Fatalf("state %v after StopListening", s.State())
		}
		if c2, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c2.Close()
			t.Fatal("a new connection was accepted after StopListening")
		}
		c.Write([]byte("two\n"))
		if got := readLine(t, r); got != "two" {
			t.Fatalf("echo after StopListening = %q", got)
		}
		if s.ConnectionCount() != 1 {
			t.Fatalf("ConnectionCount = %d", s.ConnectionCount())
		}
		if err := s.StartListening(); err != nil {
			t.Fatal(err)
		}
		c3 := dial(t, s)
		c3.Write([]byte("three\n"))
		if got := readLine(t, bufio.NewReader(c3)); got != "three" {
			t.Fatalf("echo after restart = %q", got)
		}
	})
}

func TestCloseMakesServerUnusable(t *testing.T) {
	s, err := New(Options{LocalHost: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.StartListening(); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("StartListening after Close = %v", err)
	}
	if err := s.Shutdown(context.Background()); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Shutdown after Close = %v", err)
	}
	if got := s.State().String(); got != "closed" {
		t.Fatalf("State = %q", got)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
	}{
		{"port", Options{LocalPort: 70000}},
		{"ipv6", Options{UseIPv6: 3}},
		{"maxline", Options{DefaultMaxLineLength: 100}},
		{"allowed", Options{AllowedClients: "not an address"}},
		{"timeout", Options{DefaultTimeout: -1}},
		{"engine", Options{Engine: "kqueue"}},
		{"codepage", Options{CodePage: 4242}},
		{"maxconn", Options{MaxConnections: -5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.o); !errors.Is(err, ErrInvalidValue) {
				t.Fatalf("New = %v, want ErrInvalidValue", err)
			}
		})
	}
}

func TestEngineSelection(t *testing.T) {
	auto := "portable"
	if epoll.Supported {
		auto = "epoll"
	}
	for _, tc := range []struct {
		name, want string
	}{
		{name: "", want: auto},
		{name: "auto", want: auto},
		{name: "portable", want: "portable"},
	} {
		s, err := New(Options{Engine: Engine(tc.name)})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.eng.Name(); got != tc.want {
			t.Errorf("Engine %q runs %q, want %q", tc.name, got, tc.want)
		}
	}
	if _, err := New(Options{Engine: "epoll"}); (err == nil) != epoll.Supported {
		t.Fatalf("Engine epoll: %v with Supported=%v", err, epoll.Supported)
	}
}
