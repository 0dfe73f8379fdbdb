//go:build linux

package server

import (
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// sockopts are the accepted socket's options the server sets.
type sockopts struct {
	noDelay, keepAlive, keepIdle, keepIntvl, rcvBuf, sndBuf int
}

func readSockopts(t *testing.T, c *Conn) sockopts {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var o sockopts
	var errs [6]error
	if err := rc.Control(func(fd uintptr) {
		o.noDelay, errs[0] = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NODELAY)
		o.keepAlive, errs[1] = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_KEEPALIVE)
		o.keepIdle, errs[2] = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_KEEPIDLE)
		o.keepIntvl, errs[3] = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_KEEPINTVL)
		o.rcvBuf, errs[4] = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF)
		o.sndBuf, errs[5] = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF)
	}); err != nil {
		t.Fatal(err)
	}
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// connect opens a connection to s and returns the server's side of it.
func connect(t *testing.T, s *Server, conns chan *Conn) *Conn {
	t.Helper()
	dial(t, s)
	select {
	case c := <-conns:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no OnConnected")
	}
	return nil
}

// TestSocketOptionsReachEngine: the socket options of Options reach the
// sockets each engine accepts: keep-alive, no-delay, InBufferSize as
// SO_RCVBUF and OutBufferSize as SO_SNDBUF (Linux doubles both buffer
// sizes for its own bookkeeping, and reports the doubled values).
func TestSocketOptionsReachEngine(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		conns := make(chan *Conn, 1)
		s := start(t, engine, Options{KeepAlive: true, KeepAliveTime: 7 * time.Second, KeepAliveInterval: 3 * time.Second,
			InBufferSize: 24 << 10, OutBufferSize: 40 << 10, Nagle: true,
			Events: Events{OnConnected: func(c *Conn) { conns <- c }}})
		got := readSockopts(t, connect(t, s, conns))
		want := sockopts{noDelay: 0, keepAlive: 1, keepIdle: 7, keepIntvl: 3, rcvBuf: 2 * 24 << 10, sndBuf: 2 * 40 << 10}
		if got != want {
			t.Fatalf("socket options %+v, want %+v", got, want)
		}
	})
}

// TestConfigSocketOptionsWhileListening: TcpNoDelay, KeepAliveTime,
// KeepAliveInterval, InBufferSize and OutBufferSize changed by Config while
// listening reach the next connection's socket; TcpNoDelay and the
// keep-alive times also reach the sockets already open (SO_RCVBUF and
// SO_SNDBUF of an open one stay).
func TestConfigSocketOptionsWhileListening(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		conns := make(chan *Conn, 1)
		s := start(t, engine, Options{KeepAlive: true, KeepAliveTime: 7 * time.Second, KeepAliveInterval: 3 * time.Second,
			InBufferSize: 24 << 10, OutBufferSize: 40 << 10,
			Events: Events{OnConnected: func(c *Conn) { conns <- c }}})
		open := connect(t, s, conns)
		if got := readSockopts(t, open); got.noDelay != 1 || got.keepIdle != 7 {
			t.Fatalf("before: %+v", got)
		}
		for _, set := range []string{"TcpNoDelay=False", "KeepAliveTime=9000", "KeepAliveInterval=4000", "InBufferSize=16384", "OutBufferSize=20480"} {
			if _, err := s.Config(set); err != nil {
				t.Fatalf("Config(%s): %v", set, err)
			}
		}
		want := sockopts{noDelay: 0, keepAlive: 1, keepIdle: 9, keepIntvl: 4, rcvBuf: 2 * 16384, sndBuf: 2 * 20480}
		if got := readSockopts(t, connect(t, s, conns)); got != want {
			t.Errorf("new connection: %+v, want %+v", got, want)
		}
		want.rcvBuf, want.sndBuf = 2*24<<10, 2*40<<10
		if got := readSockopts(t, open); got != want {
			t.Errorf("open connection: %+v, want %+v", got, want)
		}
	})
}

// TestConfigClientListsWhileListening: AllowedClients and BlockedClients
// changed by Config while listening decide the next connection.
func TestConfigClientListsWhileListening(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		s := start(t, engine, Options{Events: Events{OnDataIn: func(c *Conn, text []byte, eol bool) { c.Send(text) }}})
		served := func() bool {
			t.Helper()
			// A refused connection may be reset before connect returns.
			c, err := net.DialTimeout("tcp", s.Addr().String(), 5*time.Second)
			if err != nil {
				return false
			}
			defer c.Close()
			c.Write([]byte("x"))
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err = io.ReadFull(c, make([]byte, 1))
			return err == nil
		}
		for _, step := range []struct {
			set  string
			want bool
		}{
			{"", true},
			{"BlockedClients=127.0.0.0/8", false},
			{"BlockedClients=", true},
			{"AllowedClients=10.0.0.*", false},
			{"AllowedClients=127.0.0.1, 10.0.0.*", true},
			{"BlockedClients=127.0.0.1", false},
		} {
			if step.set != "" {
				if _, err := s.Config(step.set); err != nil {
					t.Fatal(err)
				}
			}
			if got := served(); got != step.want {
				t.Fatalf("after %q: served=%v, want %v", step.set, got, step.want)
			}
		}
	})
}

// TestConfigSocketOptionsConcurrent: Config calls made at once on
// different socket settings leave the open sockets with all of them, as
// the server reports them: a change applied late does not put back the
// values another call replaced meanwhile.
func TestConfigSocketOptionsConcurrent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		conns := make(chan *Conn, 1)
		s := start(t, engine, Options{KeepAlive: true, KeepAliveTime: 7 * time.Second, KeepAliveInterval: 3 * time.Second,
			Events: Events{OnConnected: func(c *Conn) { conns <- c }}})
		open := connect(t, s, conns)
		for round := 0; round < 300; round++ {
			idle, intvl := 10+round%50, 60+round%50
			var wg sync.WaitGroup
			for _, set := range []string{"KeepAliveTime=" + strconv.Itoa(idle*1000), "KeepAliveInterval=" + strconv.Itoa(intvl*1000)} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := s.Config(set); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if got := readSockopts(t, open); got.keepIdle != idle || got.keepIntvl != intvl {
				t.Fatalf("round %d: the open socket has TCP_KEEPIDLE %d, TCP_KEEPINTVL %d; Config set %d and %d", round, got.keepIdle, got.keepIntvl, idle, intvl)
			}
		}
	})
}

// TestConfigSocketOptionsDuringAdmission: a connection accepted before a
// Config change of TcpNoDelay or the keep-alive times but admitted after
// it (its OnConnectionRequest was running) gets the new options too, as
// the connections already open do.
func TestConfigSocketOptionsDuringAdmission(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		conns := make(chan *Conn, 1)
		inHook, release := make(chan struct{}), make(chan struct{})
		s := start(t, engine, Options{KeepAlive: true, KeepAliveTime: 7 * time.Second, Events: Events{
			OnConnectionRequest: func(*ConnectionRequest) { close(inHook); <-release },
			OnConnected:         func(c *Conn) { conns <- c }}})
		dial(t, s)
		select {
		case <-inHook:
		case <-time.After(10 * time.Second):
			t.Fatal("no OnConnectionRequest")
		}
		for _, set := range []string{"TcpNoDelay=False", "KeepAliveTime=9000"} {
			if _, err := s.Config(set); err != nil {
				close(release)
				t.Fatal(err)
			}
		}
		close(release)
		var c *Conn
		select {
		case c = <-conns:
		case <-time.After(10 * time.Second):
			t.Fatal("no OnConnected")
		}
		if got := readSockopts(t, c); got.noDelay != 0 || got.keepIdle != 9 {
			t.Fatalf("TCP_NODELAY %d, TCP_KEEPIDLE %d after Config(TcpNoDelay=False, KeepAliveTime=9000) during OnConnectionRequest; want 0, 9", got.noDelay, got.keepIdle)
		}
	})
}
