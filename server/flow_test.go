package server

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"
)

// stream returns n deterministic pseudo-random bytes.
func stream(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// pusher sends data to a connection as fast as the queue allows, using
// would-block and ReadyToSend, and records the largest queue seen.
type pusher struct {
	mu       sync.Mutex
	data     []byte
	off      int
	maxQueue int
	blocks   int
	limit    int
	t        testing.TB
}

func (p *pusher) push(c *Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.off < len(p.data) {
		n, err := c.Send(p.data[p.off:min(len(p.data), p.off+100_000)])
		p.off += n
		if q := c.Queued(); q > p.maxQueue {
			p.maxQueue = q
		}
		if err != nil {
			if !errorsIsCode(err, 135) {
				p.t.Errorf("Send: %v", err)
				return
			}
			p.blocks++
			return // OnReadyToSend resumes
		}
		if n == 0 {
			p.t.Error("Send accepted 0 bytes without an error")
			return
		}
	}
	if p.off == len(p.data) {
		p.off++ // done once
		c.Disconnect()
	}
}

func TestSlowReaderBoundedQueueNoLoss(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		for _, useTLS := range []bool{false, true} {
			t.Run(fmt.Sprintf("tls=%v", useTLS), func(t *testing.T) {
				// More than the kernel may buffer on loopback (tcp_wmem's
				// maximum is 4 MiB on Linux, and the cached metrics of a
				// busy 127.0.0.1 let the send buffer reach it at once).
				const size, limit = 16 << 20, 32 << 10
				p := &pusher{data: stream(1, size), limit: limit, t: t}
				o := Options{OutBufferSize: limit, Events: Events{OnReadyToSend: p.push}}
				if useTLS {
					o.TLSConfig = getPKI(t).serverConfig()
				}
				s := start(t, engine, o)
				var c net.Conn = dial(t, s)
				if useTLS {
					tc := tls.Client(c, getPKI(t).clientConfig())
					if err := tc.Handshake(); err != nil {
						t.Fatal(err)
					}
					c = tc
				}
				// Read nothing until the sender has met a full queue: the
				// kernel's buffers are bounded, so it must (a reader that
				// only paused now and then was sometimes fast enough that
				// the sender never saw ErrWouldBlock).
				deadline := time.Now().Add(10 * time.Second)
				for time.Now().Before(deadline) {
					p.mu.Lock()
					blocked := p.blocks > 0 || p.off >= len(p.data)
					p.mu.Unlock()
					if blocked {
						break
					}
					time.Sleep(time.Millisecond)
				}
				// Then a slow reader: small reads with pauses at first.
				h := sha256.New()
				buf := make([]byte, 4096)
				total := 0
				for i := 0; ; i++ {
					n, err := c.Read(buf)
					h.Write(buf[:n])
					total += n
					if i < 40 {
						time.Sleep(time.Millisecond)
					}
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatalf("after %d bytes: %v", total, err)
					}
				}
				if total != size || fmt.Sprintf("%x", h.Sum(nil)) != fmt.Sprintf("%x", sha256.Sum256(p.data)) {
					t.Fatalf("received %d bytes, checksum mismatch=%v", total, total == size)
				}
				p.mu.Lock()
				defer p.mu.Unlock()
				if p.maxQueue > limit {
					t.Fatalf("send queue reached %d bytes, above OutBufferSize %d", p.maxQueue, limit)
				}
				if p.blocks == 0 {
					t.Fatal("the sender never saw ErrWouldBlock: the test did not exercise back-pressure")
				}
			})
		}
	})
}

func TestBlockingSendWithTimeout(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		const size = 2 << 20
		data := stream(2, size)
		errc := make(chan error, 1)
		s := start(t, engine, Options{OutBufferSize: 16 << 10, DefaultTimeout: 5 * time.Second, Events: Events{
			OnConnected: func(c *Conn) {
				n, err := c.Send(data)
				if err == nil && n != size {
					err = fmt.Errorf("Send returned %d of %d", n, size)
				}
				if err == nil {
					c.Disconnect()
				}
				errc <- err
			},
		}})
		c := dial(t, s)
		got, err := io.ReadAll(c)
		if err != nil || sha256.Sum256(got) != sha256.Sum256(data) {
			t.Fatalf("received %d bytes (%v), mismatch", len(got), err)
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	})
}

func TestBlockingSendTimesOut(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		errc := make(chan error, 1)
		s := start(t, engine, Options{OutBufferSize: 16 << 10, DefaultTimeout: 100 * time.Millisecond, Events: Events{
			OnConnected: func(c *Conn) {
				_, err := c.Send(make([]byte, 64<<20)) // the client never reads
				errc <- err
			},
		}})
		dial(t, s)
		select {
		case err := <-errc:
			if !errorsIsCode(err, 10060) {
				t.Fatalf("Send = %v, want ErrTimedOut (10060)", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("blocking Send did not time out")
		}
	})
}

func TestPauseProcessDataLosesNothing(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		const size = 8 << 20
		data := stream(3, size)
		var mu sync.Mutex
		h := sha256.New()
		received := 0
		paused := make(chan *Conn, 1)
		var whilePaused int
		var isPaused bool
		done := make(chan struct{})
		s := start(t, engine, Options{Events: Events{
			OnDataIn: func(c *Conn, text []byte, eol bool) {
				mu.Lock()
				defer mu.Unlock()
				if isPaused {
					whilePaused++
				}
				h.Write(text)
				received += len(text)
				if received >= 1<<20 && received-len(text) < 1<<20 {
					c.PauseData()
					isPaused = true
					paused <- c
				}
				if received == size {
					close(done)
				}
			},
		}})
		c := dial(t, s)
		werr := make(chan error, 1)
		var sent int
		go func() {
			for sent < size {
				n, err := c.Write(data[sent:min(size, sent+64<<10)])
				sent += n
				if err != nil {
					werr <- err
					return
				}
			}
			werr <- nil
		}()
		sc := <-paused
		if sc.AcceptData() {
			t.Fatal("AcceptData true after PauseData")
		}
		// With reading paused the kernel window closes and the client's
		// writes stall: wait until they do.
		select {
		case err := <-werr:
			t.Fatalf("the client sent all %d bytes while the server was paused (%v): reading did not stop", size, err)
		case <-time.After(300 * time.Millisecond):
		}
		mu.Lock()
		isPaused = false
		if whilePaused != 0 {
			t.Errorf("%d DataIn events while paused", whilePaused)
		}
		mu.Unlock()
		sc.ProcessData()
		if err := <-werr; err != nil {
			t.Fatal(err)
		}
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("received %d of %d", received, size)
		}
		mu.Lock()
		defer mu.Unlock()
		if fmt.Sprintf("%x", h.Sum(nil)) != fmt.Sprintf("%x", sha256.Sum256(data)) {
			t.Fatal("checksum mismatch")
		}
	})
}

func TestShutdownWithLingerFlushesQueue(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		for _, useTLS := range []bool{false, true} {
			t.Run(fmt.Sprintf("tls=%v", useTLS), func(t *testing.T) {
				const size = 3 << 20
				data := stream(4, size)
				queued := make(chan struct{})
				o := Options{OutBufferSize: size, Events: Events{
					OnConnected: func(c *Conn) {
						if n, err := c.Send(data); n != size || err != nil {
							t.Errorf("Send = %d, %v", n, err)
						}
						close(queued)
					},
				}}
				if useTLS {
					o.TLSConfig = getPKI(t).serverConfig()
				}
				s := start(t, engine, o)
				var c net.Conn = dial(t, s)
				if useTLS {
					tc := tls.Client(c, getPKI(t).clientConfig())
					if err := tc.Handshake(); err != nil {
						t.Fatal(err)
					}
					c = tc
				}
				<-queued
				shut := make(chan error, 1)
				go func() {
					ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
					defer cancel()
					shut <- s.Shutdown(ctx)
				}()
				got, err := io.ReadAll(c)
				if err != nil || sha256.Sum256(got) != sha256.Sum256(data) {
					t.Fatalf("received %d of %d bytes (%v)", len(got), size, err)
				}
				c.Close()
				if err := <-shut; err != nil {
					t.Fatal(err)
				}
				if s.ConnectionCount() != 0 {
					t.Fatal("connections left after Shutdown")
				}
			})
		}
	})
}

func TestShutdownDeadlineResets(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		queued := make(chan struct{})
		s := start(t, engine, Options{OutBufferSize: 32 << 20, Events: Events{
			OnConnected: func(c *Conn) {
				c.Send(make([]byte, 32<<20)) // never read by the client
				close(queued)
			},
		}})
		dial(t, s)
		<-queued
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		if err := s.Shutdown(ctx); err != context.DeadlineExceeded {
			t.Fatalf("Shutdown = %v, want deadline exceeded", err)
		}
		if s.ConnectionCount() != 0 {
			t.Fatal("connections left after Shutdown")
		}
	})
}
