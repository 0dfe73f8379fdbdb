//go:build linux

package server

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
	"golang.org/x/sys/unix"
)

// noDelay reads TCP_NODELAY of an accepted connection's socket.
func noDelay(t *testing.T, c *Conn) int {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	v := -1
	var gerr error
	if err := rc.Control(func(fd uintptr) { v, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NODELAY) }); err != nil {
		t.Fatal(err)
	}
	if gerr != nil {
		t.Fatal(gerr)
	}
	return v
}

// Accepted sockets have TCP_NODELAY set by default, as the net package
// does; Nagle (or Config("TcpNoDelay=false"), IPWorks's default) keeps
// Nagle's algorithm on. SyscallConn reaches the socket; its Read and
// Write are refused.
func TestDefaultNoDelay(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		for _, tc := range []struct {
			name   string
			o      Options
			config string
			want   int
		}{
			{name: "default", want: 1},
			{name: "Nagle", o: Options{Nagle: true}, want: 0},
			{name: "Config TcpNoDelay=false", config: "TcpNoDelay=false", want: 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				conns := make(chan *Conn, 1)
				tc.o.Events.OnConnected = func(c *Conn) { conns <- c }
				tc.o.LocalHost, tc.o.Engine = "127.0.0.1", Engine(engine)
				s, err := New(tc.o)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				if tc.config != "" {
					if _, err := s.Config(tc.config); err != nil {
						t.Fatal(err)
					}
				}
				if err := s.StartListening(); err != nil {
					t.Fatal(err)
				}
				dial(t, s)
				c := <-conns
				if got := noDelay(t, c); got != tc.want {
					t.Fatalf("TCP_NODELAY = %d, want %d", got, tc.want)
				}
				rc, _ := c.SyscallConn()
				if err := rc.Read(func(uintptr) bool { return true }); err == nil {
					t.Fatal("RawConn.Read was allowed")
				}
			})
		}
	})
}

// listenOverflows is the kernel's count of connections dropped because a
// listen queue was full (TcpExt ListenOverflows in /proc/net/netstat).
func listenOverflows(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/net/netstat")
	if err != nil {
		t.Skipf("no /proc/net/netstat: %v", err)
	}
	lines := strings.Split(string(b), "\n")
	for i := 0; i+1 < len(lines); i++ {
		names, values := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		if len(names) == 0 || names[0] != "TcpExt:" || len(values) != len(names) {
			continue
		}
		for j, n := range names {
			if n == "ListenOverflows" {
				v, err := strconv.ParseInt(values[j], 10, 64)
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
		}
	}
	t.Skip("no TcpExt ListenOverflows in /proc/net/netstat")
	return 0
}

// The listen backlog is the OS maximum by default (ss shows it as the
// listener's Send-Q), and a burst of 2,000 concurrent connects overflows
// no listen queue: with IPWorks's backlog of 5 most of them were dropped
// and waited a second or more for their SYN's retransmission.
func TestDefaultBacklog(t *testing.T) {
	ssPath := testpeer.Tool(t, "ss")
	b, err := os.ReadFile("/proc/sys/net/core/somaxconn")
	if err != nil {
		t.Skip("no /proc/sys/net/core/somaxconn")
	}
	somaxconn := strings.TrimSpace(string(b))
	n := 2000
	if testing.Short() {
		n = 500
	}
	forEachEngine(t, func(t *testing.T, engine string) {
		s := start(t, engine, Options{MaxConnections: -1})
		port := strconv.Itoa(s.Addr().(*net.TCPAddr).Port)
		out, err := exec.Command(ssPath, "-ltnH", "sport = :"+port).Output()
		if err != nil {
			t.Fatalf("ss: %v", err)
		}
		if f := strings.Fields(string(out)); len(f) < 3 || f[2] != somaxconn {
			t.Fatalf("listener backlog (ss Send-Q): %q, want somaxconn %s", out, somaxconn)
		}

		overflows := listenOverflows(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var slowest time.Duration
		var failed []error
		start := make(chan struct{})
		conns := make([]net.Conn, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				t0 := time.Now()
				c, err := net.DialTimeout("tcp", s.Addr().String(), 10*time.Second)
				d := time.Since(t0)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failed = append(failed, err)
					return
				}
				conns[i] = c
				slowest = max(slowest, d)
			}()
		}
		close(start)
		wg.Wait()
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
		t.Logf("%d concurrent connects: slowest %v", n, slowest)
		if len(failed) > 0 {
			t.Fatalf("%d connects failed, first: %v", len(failed), failed[0])
		}
		if d := listenOverflows(t) - overflows; d != 0 {
			t.Fatalf("%d connects overflowed the listen queue (slowest connect %v)", d, slowest)
		}
	})
}
