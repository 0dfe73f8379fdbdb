package server

import (
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
)

// countingObserver counts what it is told.
type countingObserver struct {
	opened, refused, closed, hs, hsFailed, in, out atomic.Int64
	hsTime                                         atomic.Int64 // nanoseconds, summed
}

func (o *countingObserver) ConnectionOpened()             { o.opened.Add(1) }
func (o *countingObserver) ConnectionRefused(RefuseCause) { o.refused.Add(1) }
func (o *countingObserver) ConnectionClosed()             { o.closed.Add(1) }
func (o *countingObserver) TLSHandshake(d time.Duration, err error) {
	if err != nil {
		o.hsFailed.Add(1)
	}
	o.hs.Add(1)
	o.hsTime.Add(int64(d))
}
func (o *countingObserver) BytesReceived(n int) { o.in.Add(int64(n)) }
func (o *countingObserver) BytesSent(n int)     { o.out.Add(int64(n)) }

// TestObserver: a plain server tells its Observer of admitted, refused and
// closed connections and of the bytes both ways; no handshake is counted
// without TLS.
func TestObserver(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		o := &countingObserver{}
		ev := echoEvents()
		refuse := atomic.Bool{}
		ev.OnConnectionRequest = func(r *ConnectionRequest) { r.Accept = !refuse.Load() }
		s := start(t, engine, Options{Events: ev, Observer: o})
		c := dial(t, s)
		if _, err := c.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, make([]byte, 4)); err != nil {
			t.Fatal(err)
		}
		c.Close()
		waitFor(t, "the connection counted closed", func() bool { return o.closed.Load() == 1 })
		refuse.Store(true)
		if r, err := net.Dial("tcp", s.Addr().String()); err == nil { // the server resets it, maybe before connect returns
			_, _ = io.Copy(io.Discard, r)
			r.Close()
		}
		waitFor(t, "the refusal counted", func() bool { return o.refused.Load() == 1 })
		if o.opened.Load() != 1 || o.closed.Load() != 1 || o.hs.Load() != 0 || o.in.Load() != 4 || o.out.Load() != 4 {
			t.Fatalf("opened %d closed %d handshakes %d in %d out %d; want 1 1 0 4 4",
				o.opened.Load(), o.closed.Load(), o.hs.Load(), o.in.Load(), o.out.Load())
		}
	})
}

// TestObserverTLSHandshake: each TLS handshake is reported once with its
// time, a failed one with its error.
func TestObserverTLSHandshake(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		p := getPKI(t)
		o := &countingObserver{}
		s := start(t, engine, Options{TLSConfig: p.serverConfig(), Events: echoEvents(), Observer: o})
		for range 2 {
			c := dialTLS(t, s, p.clientConfig())
			if err := c.Handshake(); err != nil {
				t.Fatal(err)
			}
		}
		bad, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		_, _ = bad.Write([]byte("not a ClientHello\r\n"))
		_, _ = io.Copy(io.Discard, bad)
		bad.Close()
		waitFor(t, "three handshakes reported", func() bool { return o.hs.Load() == 3 })
		if o.hsFailed.Load() != 1 || o.hsTime.Load() <= 0 {
			t.Fatalf("%d failed (want 1), %v in all (want > 0)", o.hsFailed.Load(), time.Duration(o.hsTime.Load()))
		}
	})
}

// TestLogger: Options.Logger gets records of connections opened, closed
// and refused, with their id and address.
func TestLogger(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		h := &testpeer.SlogRecorder{}
		ev := echoEvents()
		refuse := atomic.Bool{}
		ev.OnConnectionRequest = func(r *ConnectionRequest) { r.Accept = !refuse.Load() }
		s := start(t, engine, Options{Events: ev, Logger: slog.New(h)})
		c := dial(t, s)
		if _, err := c.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, make([]byte, 4)); err != nil {
			t.Fatal(err)
		}
		remote := "remote=" + c.LocalAddr().String()
		c.Close()
		waitFor(t, "a disconnected record", func() bool { return h.Has("DEBUG disconnected", "id=1", remote, "code=0") })
		if !h.Has("DEBUG connected", "id=1", remote) {
			t.Errorf("no connected record:\n%s", h.Text())
		}
		refuse.Store(true)
		if r, err := net.Dial("tcp", s.Addr().String()); err == nil {
			_, _ = io.Copy(io.Discard, r)
			r.Close()
		}
		waitFor(t, "a refused record", func() bool { return h.Has("INFO connection refused", "reason=OnConnectionRequest") })
	})
}
