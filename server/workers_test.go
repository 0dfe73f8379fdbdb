package server

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/access"
)

// goroutineID returns the running goroutine's id, from its stack header.
func goroutineID() string {
	var b [64]byte
	n := runtime.Stack(b[:], false)
	s := string(b[:n]) // "goroutine 123 [running]:..."
	for i := len("goroutine "); i < len(s); i++ {
		if s[i] == ' ' {
			return s[len("goroutine "):i]
		}
	}
	return s
}

// TestWorkersReuse: queues that get events one after the other are drained
// by the same goroutine, which waits between them instead of ending, and
// ends once nothing came for workerIdleTime.
func TestWorkersReuse(t *testing.T) {
	s := &Server{}
	base := runtime.NumGoroutine()
	var mu sync.Mutex
	ids := map[string]int{}
	done := make(chan struct{}, 1)
	handle := func(event) {
		mu.Lock()
		ids[goroutineID()]++
		mu.Unlock()
		done <- struct{}{}
	}
	qs := make([]*funcTarget, 5)
	for i := range qs {
		qs[i] = &funcTarget{fn: handle}
	}
	for i := range 50 {
		s.post(qs[i%len(qs)], event{kind: evData})
		<-done
		waitFor(t, "the worker waiting again", func() bool { return s.workers.idleCount() == 1 })
	}
	mu.Lock()
	if len(ids) != 1 {
		t.Errorf("50 bursts one after the other ran on %d goroutines, want 1 reused", len(ids))
	}
	mu.Unlock()
	time.Sleep(workerIdleTime)
	waitFor(t, "the idle worker to end", func() bool {
		return s.workers.idleCount() == 0 && runtime.NumGoroutine() <= base
	})
}

// TestWorkersClose: close ends the waiting workers at once, and a queue
// posted to afterwards is still drained (its worker then ends).
func TestWorkersClose(t *testing.T) {
	s := &Server{}
	base := runtime.NumGoroutine()
	const n = 20
	var handled atomic.Int32
	release := make(chan struct{})
	qs := make([]*funcTarget, n)
	for i := range qs {
		qs[i] = &funcTarget{fn: func(event) {
			<-release
			handled.Add(1)
		}}
		s.post(qs[i], event{kind: evData})
	}
	close(release)
	waitFor(t, "every burst handled", func() bool { return handled.Load() == n })
	waitFor(t, "the workers waiting", func() bool { return s.workers.idleCount() == n })
	start := time.Now()
	s.workers.close()
	waitFor(t, "the workers to end", func() bool { return runtime.NumGoroutine() <= base })
	if d := time.Since(start); d >= workerIdleTime {
		t.Errorf("workers ended %v after close, want at once (not by their idle timeout)", d)
	}
	s.post(qs[0], event{kind: evData})
	waitFor(t, "a burst after close handled", func() bool { return handled.Load() == n+1 })
	waitFor(t, "its worker to end", func() bool { return runtime.NumGoroutine() <= base })
	if got := s.workers.idleCount(); got != 0 {
		t.Errorf("%d workers waiting after close", got)
	}
}

// TestWorkersOrderAndCap: many queues posted to from many goroutines at
// once: each queue's events run in order, never two at a time, and no
// more than maxIdleWorkers stay waiting afterwards.
func TestWorkersOrderAndCap(t *testing.T) {
	s := &Server{}
	const queues, per = maxIdleWorkers + 64, 40
	type state struct {
		mu     sync.Mutex
		active bool
		next   int
		bad    string
	}
	states := make([]*state, queues)
	qs := make([]*funcTarget, queues)
	var wg sync.WaitGroup
	for i := range qs {
		st := &state{}
		states[i] = st
		qs[i] = &funcTarget{fn: func(ev event) {
			st.mu.Lock()
			if st.active {
				st.bad = "two events of one queue at once"
			}
			st.active = true
			if int(ev.verdict) != st.next && st.bad == "" {
				st.bad = "events out of order"
			}
			st.next++
			st.mu.Unlock()
			time.Sleep(10 * time.Microsecond) // keep workers busy so that many are needed
			st.mu.Lock()
			st.active = false
			st.mu.Unlock()
			wg.Done()
		}}
	}
	wg.Add(queues * per)
	for i := range qs {
		go func() {
			for k := range per {
				s.post(qs[i], event{kind: evData, verdict: access.Verdict(k)})
			}
		}()
	}
	wg.Wait()
	for i, st := range states {
		if st.bad != "" || st.next != per {
			t.Fatalf("queue %d: %q, %d events handled, want %d", i, st.bad, st.next, per)
		}
	}
	waitFor(t, "the workers to settle", func() bool {
		for _, q := range qs {
			q.q.mu.Lock()
			r := q.q.running
			q.q.mu.Unlock()
			if r {
				return false
			}
		}
		return true
	})
	if got := s.workers.idleCount(); got > maxIdleWorkers {
		t.Errorf("%d workers waiting, at most %d may", got, maxIdleWorkers)
	}
	s.workers.close()
}

// funcTarget is a queue whose events a func handles.
type funcTarget struct {
	q  queue
	fn func(event)
}

func (f *funcTarget) eventQueue() *queue { return &f.q }
func (f *funcTarget) handle(ev event)    { f.fn(ev) }

// TestWorkersSweep: the janitor ends the workers that have waited
// workerIdleTime, oldest first, keeps the younger ones, and is done once
// none waits.
func TestWorkersSweep(t *testing.T) {
	w := &workers{janitor: true}
	now := time.Now()
	ages := []time.Duration{3 * workerIdleTime, workerIdleTime, workerIdleTime / 10}
	chans := make([]chan eventTarget, len(ages))
	for i, age := range ages {
		chans[i] = make(chan eventTarget, 1)
		w.idle = append(w.idle, idleWorker{next: chans[i], since: now.Add(-age)})
	}
	if !w.sweepOnce(now) {
		t.Fatal("sweep reports no worker left while a young one waits")
	}
	for i := range 2 {
		select {
		case got := <-chans[i]:
			if got != nil {
				t.Fatalf("worker %d got a target, want nil (end)", i)
			}
		default:
			t.Fatalf("worker %d, idle %v, was not ended", i, ages[i])
		}
	}
	select {
	case <-chans[2]:
		t.Fatalf("worker idle %v was ended", ages[2])
	default:
	}
	if w.idleCount() != 1 || !w.janitor {
		t.Fatalf("%d waiting, janitor %v; want 1 and still running", w.idleCount(), w.janitor)
	}
	if w.sweepOnce(now.Add(workerIdleTime)) {
		t.Fatal("sweep reports workers left after ending the last")
	}
	if got := <-chans[2]; got != nil || w.idleCount() != 0 || w.janitor {
		t.Fatalf("last worker got %v; %d waiting, janitor %v", got, w.idleCount(), w.janitor)
	}
}
