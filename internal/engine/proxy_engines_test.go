package engine_test

import (
	"io"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
	"github.com/tlskit/tlskit/internal/engine/epoll"
	"github.com/tlskit/tlskit/internal/engine/portable"
)

// proxyEngines runs f with a Proxy listener on 127.0.0.1 that trusts
// loopback, for each engine of this build.
func proxyEngines(t *testing.T, f func(t *testing.T, ln engine.Listener, a chan engine.Conn)) {
	engines := []engine.Engine{portable.Engine{}}
	if epoll.Supported {
		engines = append(engines, epoll.New(2))
	}
	for _, e := range engines {
		t.Run(e.Name(), func(t *testing.T) {
			a := make(acceptCh, 4)
			ln, err := e.Listen(engine.ListenConfig{Host: "127.0.0.1",
				Proxy: &engine.Proxy{From: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}}, a)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			f(t, ln, a)
		})
	}
}

type acceptCh chan engine.Conn

func (a acceptCh) Accept(c engine.Conn) { a <- c }
func (a acceptCh) AcceptError(error)    {}

// dataRecorder is a Handler that keeps what it receives.
type dataRecorder struct {
	mu     sync.Mutex
	data   []byte
	opened chan error
	closed chan error
}

func (r *dataRecorder) OnOpen(err error) { r.opened <- err }
func (r *dataRecorder) OnData(p []byte) {
	r.mu.Lock()
	r.data = append(r.data, p...)
	r.mu.Unlock()
}
func (r *dataRecorder) OnWritable()       {}
func (r *dataRecorder) OnIdle()           {}
func (r *dataRecorder) OnClose(err error) { r.closed <- err }

func (r *dataRecorder) received() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return string(r.data)
}

func dialRaw(t *testing.T, ln engine.Listener) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestProxyLeadWaitsForResume: the bytes that came with the header are
// the connection's first data, held while it is paused; RemoteAddr and
// ProxyInfo are the header's from Accept on.
func TestProxyLeadWaitsForResume(t *testing.T) {
	proxyEngines(t, func(t *testing.T, ln engine.Listener, a chan engine.Conn) {
		client := dialRaw(t, ln)
		if _, err := client.Write([]byte("PROXY TCP4 203.0.113.7 192.0.2.1 1 2\r\nabc")); err != nil {
			t.Fatal(err)
		}
		c := <-a
		if c.RemoteAddr() != netip.MustParseAddrPort("203.0.113.7:1") {
			t.Fatalf("RemoteAddr %v", c.RemoteAddr())
		}
		if info := c.(engine.ProxyConn).ProxyInfo(); info == nil || info.Header.Version != 1 || info.Peer.String() != client.LocalAddr().String() {
			t.Fatalf("ProxyInfo %+v", info)
		}
		r := &dataRecorder{opened: make(chan error, 1), closed: make(chan error, 1)}
		c.Start(r, engine.StartOptions{Paused: true})
		<-r.opened
		time.Sleep(50 * time.Millisecond)
		if got := r.received(); got != "" {
			t.Fatalf("a paused connection received %q", got)
		}
		c.ResumeRead()
		deadline := time.Now().Add(5 * time.Second)
		for r.received() != "abc" {
			if time.Now().After(deadline) {
				t.Fatalf("received %q, want the bytes after the header", r.received())
			}
			time.Sleep(2 * time.Millisecond)
		}
		client.Close()
		c.Close(0)
		<-r.closed
	})
}

// TestProxyCloseResetsWaiting: Listener.Close resets a connection still
// waiting for its header, and no Accept follows.
func TestProxyCloseResetsWaiting(t *testing.T) {
	proxyEngines(t, func(t *testing.T, ln engine.Listener, a chan engine.Conn) {
		client := dialRaw(t, ln)
		client.Write([]byte("PROXY TCP4 "))
		time.Sleep(20 * time.Millisecond)
		ln.Close()
		client.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.Copy(io.Discard, client); err == nil {
			t.Fatal("the waiting connection ended with an orderly close, want a reset")
		}
		select {
		case c := <-a:
			t.Fatalf("accepted %v after Close", c.RemoteAddr())
		default:
		}
	})
}
