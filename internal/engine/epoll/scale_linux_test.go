package epoll

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
	"go.uber.org/goleak"
)

// counter is a Handler and Acceptor that starts every connection and
// counts what happens to them; it echoes what it receives.
type counter struct {
	opts           engine.StartOptions
	opened, closed atomic.Int64
	failed         atomic.Int64
}

func (n *counter) Accept(c engine.Conn) { c.Start(&counted{n: n, c: c}, n.opts) }
func (n *counter) AcceptError(error)    {}

type counted struct {
	n *counter
	c engine.Conn
}

func (h *counted) OnOpen(err error) {
	if err != nil {
		h.n.failed.Add(1)
		return
	}
	h.n.opened.Add(1)
}
func (h *counted) OnData(p []byte)   { h.c.Write(p) }
func (h *counted) OnWritable()       {}
func (h *counted) OnIdle()           {}
func (h *counted) OnClose(err error) { h.n.closed.Add(1) }

// dialMany opens n connections (TLS when cfg is set) with a few dialing
// goroutines, checks each with a one-byte echo and returns them.
func dialMany(t testing.TB, addr string, n int, cfg *tls.Config) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 32 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				d := net.Dialer{Timeout: 20 * time.Second}
				c, err := d.Dial("tcp", addr)
				if err == nil && cfg != nil {
					tc := tls.Client(c, cfg)
					err = tc.Handshake()
					c = tc
				}
				if err == nil {
					_, err = c.Write([]byte{byte(i)})
				}
				b := []byte{0}
				if err == nil {
					_, err = io.ReadFull(c, b)
				}
				if err == nil && b[0] != byte(i) {
					err = fmt.Errorf("echo %d, want %d", b[0], byte(i))
				}
				if err != nil {
					errs <- err
					if c != nil {
						c.Close()
					}
					return
				}
				conns[i] = c
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
		t.Fatalf("client: %v", err)
	}
	return conns
}

// TestIdleConnectionsHoldNoGoroutines holds 5,000 idle plain connections,
// then 5,000 idle TLS connections (one set at a time: the pairs of
// descriptors must stay under the process limit), and checks that the
// number of goroutines does not grow with them. -short holds 500.
func TestIdleConnectionsHoldNoGoroutines(t *testing.T) {
	n := 5000
	if testing.Short() {
		n = 500
	}
	for _, m := range []struct {
		name string
		tls  bool
	}{{"plain", false}, {"tls", true}} {
		t.Run(m.name, func(t *testing.T) {
			h := &counter{opts: engine.StartOptions{QueueSize: 1 << 10, HandshakeTimeout: 30 * time.Second}}
			var ccfg *tls.Config
			if m.tls {
				h.opts.TLS = serverConfig()
				h.opts.TLS.SessionTicketsDisabled = true
				ccfg = clientConfig()
			}
			e := New(2)
			ln, err := e.Listen(engine.ListenConfig{Host: "127.0.0.1", Backlog: 4096}, h)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			base := runtime.NumGoroutine()
			conns := dialMany(t, ln.Addr().String(), n, ccfg)
			waitFor(t, "every connection open", func() bool { return h.opened.Load() == int64(n) })
			// Handshake goroutines end just after their OnOpen was posted.
			var held int
			for range 100 {
				if held = runtime.NumGoroutine(); held <= base+2 {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			if held > base+2 {
				t.Fatalf("%d goroutines while %d connections idle, %d before: the engine keeps goroutines per connection", held, n, base)
			}
			for _, c := range conns {
				c.Close()
			}
			waitFor(t, "every connection closed", func() bool { return h.closed.Load() == int64(n) })
			if f := h.failed.Load(); f != 0 {
				t.Fatalf("%d handshakes failed", f)
			}
		})
	}
}

func TestNoLeaksAfterMixedClients(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	before := fdCount(t)
	h := &counter{opts: engine.StartOptions{TLS: serverConfig(), QueueSize: 1 << 10, HandshakeTimeout: time.Second}}
	e := New(2)
	ln, err := e.Listen(engine.ListenConfig{Host: "127.0.0.1"}, h)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Go(func() {
			raw, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Error(err)
				return
			}
			defer raw.Close()
			switch i % 4 {
			case 0: // a proper client
				c := tls.Client(raw, clientConfig())
				c.Write([]byte("hi"))
				io.ReadFull(c, make([]byte, 2))
			case 1: // garbage
				raw.Write([]byte("garbage garbage garbage"))
				io.Copy(io.Discard, raw)
			case 2: // leaves mid-handshake
				raw.Write([]byte{0x16, 0x03})
			case 3: // leaves at once
			}
		})
	}
	wg.Wait()
	waitFor(t, "every connection closed", func() bool { return h.closed.Load() == 60 })
	ln.Close()
	// The loops stop once the listener and the last connection are gone.
	waitFor(t, "fd count back to baseline", func() bool { return fdCount(t) <= before })
}
