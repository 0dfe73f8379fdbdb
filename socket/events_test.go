package socket

import (
	"crypto/tls"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recorder logs event names, and fails the test if two handlers overlap.
type recorder struct {
	mu     sync.Mutex
	log    []string
	active atomic.Int32
	t      *testing.T
}

func (r *recorder) add(name string) {
	if r.active.Add(1) != 1 {
		r.t.Error("handlers ran concurrently")
	}
	time.Sleep(time.Millisecond) // widen the window for overlap
	r.mu.Lock()
	r.log = append(r.log, name)
	r.mu.Unlock()
	r.active.Add(-1)
}

func (r *recorder) events() Events {
	return Events{
		Connected:     func(s *Socket) { r.add("Connected") },
		SSLConnecting: func(s *Socket) { r.add("SSLConnecting") },
		SSLConnected: func(s *Socket, st tls.ConnectionState) {
			if !st.HandshakeComplete {
				r.t.Error("SSLConnected before the handshake completed")
			}
			r.add("SSLConnected")
		},
		DataAvailable: func(s *Socket, n int) {
			if s.Poll() != 0 {
				r.t.Error("Poll inside a handler delivered events")
			}
			r.add("DataAvailable")
		},
		Error: func(s *Socket, err error) { r.add("Error") },
	}
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.log, ",")
}

func TestEventsInOrder(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	r := &recorder{t: t}
	l, d := pair(t,
		Config{Secure: true, TLS: TLSOptions{Config: p.serverConfig(t)}},
		Config{Secure: true, TLS: TLSOptions{CA: [][]byte{p.root.Raw}}, ManualEvents: true, Events: r.events()})
	defer d.Close()
	if !d.SSLConnected() || d.SSLConnecting() || !d.Secure() {
		t.Fatalf("SSLConnected %v SSLConnecting %v", d.SSLConnected(), d.SSLConnecting())
	}
	if _, err := l.Send([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	waitAvailable(t, d, 4)
	l.Close()
	waitFor(t, d, "the lost connection", func() bool { return !d.IsConnected() })

	// From another goroutine, Poll must not overlap with this one.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { d.Poll() })
	}
	wg.Wait()
	want := "SSLConnecting,SSLConnected,Connected,DataAvailable,Error"
	if got := r.String(); got != want {
		t.Fatalf("events %s, want %s", got, want)
	}
}

func TestDataAvailableOnClose(t *testing.T) {
	t.Parallel()
	var counts []int
	l, d := pair(t, Config{}, Config{ManualEvents: true, Events: Events{
		DataAvailable: func(s *Socket, n int) { counts = append(counts, n) },
	}})
	defer l.Close()
	if _, err := l.Send([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	waitAvailable(t, d, 3)
	d.Poll()
	d.Close()
	d.Poll()
	if len(counts) != 2 || counts[0] != 3 || counts[1] != 3 {
		t.Fatalf("DataAvailable counts %v, want [3 3] (one on arrival, one on Close)", counts)
	}
}

func TestEventGoroutineDelivers(t *testing.T) {
	t.Parallel()
	got := make(chan int, 10)
	l, d := pair(t, Config{}, Config{Events: Events{
		DataAvailable: func(s *Socket, n int) { got <- len(s.ReadAll()) },
	}})
	defer l.Close()
	defer d.Close()
	if _, err := l.Send([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	total := 0
	for total < 5 {
		select {
		case n := <-got:
			total += n
		case <-time.After(10 * time.Second):
			t.Fatal("no DataAvailable event")
		}
	}
}
