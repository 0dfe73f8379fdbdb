package serial

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// target is a test target whose events fn handles.
type target struct {
	q  Queue[int]
	fn func(int)
}

func newExec(manual bool) *Executor[*target, int] {
	return New(func(t *target) *Queue[int] { return &t.q }, func(t *target, ev int) { t.fn(ev) }, manual)
}

// waitFor polls cond until it holds, failing after a generous bound.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

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

// serialCheck records one target's events and reports overlap and order.
type serialCheck struct {
	mu     sync.Mutex
	active bool
	next   int
	bad    string
}

func (c *serialCheck) handle(ev int, work func()) {
	c.mu.Lock()
	if c.active {
		c.bad = "two events of one target at once"
	}
	c.active = true
	if ev != c.next && c.bad == "" {
		c.bad = fmt.Sprintf("event %d handled when %d was due", ev, c.next)
	}
	c.next++
	c.mu.Unlock()
	work()
	c.mu.Lock()
	c.active = false
	c.mu.Unlock()
}

// TestInOrderNeverConcurrent: many targets posted to from many goroutines
// at once: each target's events run in order, never two at a time, and no
// more than maxIdleWorkers stay waiting afterwards.
func TestInOrderNeverConcurrent(t *testing.T) {
	x := newExec(false)
	defer x.Close()
	const targets, per = maxIdleWorkers + 64, 40
	checks := make([]*serialCheck, targets)
	ts := make([]*target, targets)
	var wg sync.WaitGroup
	for i := range ts {
		c := &serialCheck{}
		checks[i] = c
		ts[i] = &target{fn: func(ev int) {
			c.handle(ev, func() { time.Sleep(10 * time.Microsecond) }) // keep workers busy so that many are needed
			wg.Done()
		}}
	}
	wg.Add(targets * per)
	for i := range ts {
		go func() {
			for k := range per {
				x.Post(ts[i], k)
			}
		}()
	}
	wg.Wait()
	for i, c := range checks {
		if c.bad != "" || c.next != per {
			t.Fatalf("target %d: %q, %d events handled, want %d", i, c.bad, c.next, per)
		}
	}
	waitFor(t, "the queues to be given up", func() bool {
		for _, tg := range ts {
			tg.q.mu.Lock()
			r := tg.q.running
			tg.q.mu.Unlock()
			if r {
				return false
			}
		}
		return true
	})
	if got := x.workers.idleCount(); got > maxIdleWorkers {
		t.Errorf("%d workers waiting, at most %d may", got, maxIdleWorkers)
	}
}

// TestNeverReentrant: an event a handler posts to its own target runs
// after the handler returned, and Run or Poll called from a handler
// delivers other targets' events, never its own target's.
func TestNeverReentrant(t *testing.T) {
	for _, manual := range []bool{false, true} {
		t.Run(fmt.Sprint("manual=", manual), func(t *testing.T) {
			x := newExec(manual)
			defer x.Close()
			var mu sync.Mutex
			var log []string
			add := func(s string) {
				mu.Lock()
				log = append(log, s)
				mu.Unlock()
			}
			other := &target{fn: func(ev int) { add(fmt.Sprint("other ", ev)) }}
			done := make(chan struct{})
			var self *target
			self = &target{fn: func(ev int) {
				add(fmt.Sprint("start ", ev))
				if ev == 0 {
					x.Post(self, 1)
					if manual {
						x.Post(other, 0)
						if n := x.Poll(); n != 1 {
							t.Errorf("Poll from a handler delivered %d events, want 1 (the other target's)", n)
						}
						x.Post(other, 1)
						ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
						if err := x.Run(ctx); err != nil {
							t.Errorf("Run from a handler: %v", err)
						}
						cancel()
					}
				}
				add(fmt.Sprint("end ", ev))
				if ev == 1 {
					close(done)
				}
			}}
			x.Post(self, 0)
			if manual {
				if n := x.Poll(); n != 2 {
					t.Errorf("Poll delivered %d events, want 2", n)
				}
			}
			<-done
			want := "[start 0 end 0 start 1 end 1]"
			if manual {
				want = "[start 0 other 0 other 1 end 0 start 1 end 1]"
			}
			mu.Lock()
			defer mu.Unlock()
			if got := fmt.Sprint(log); got != want {
				t.Fatalf("events %s, want %s", got, want)
			}
		})
	}
}

// TestBlockingHandlerDelaysOnlyItsTarget: while one target's handler
// blocks, another target's events are handled, and the blocked target's
// later events wait for it, in order.
func TestBlockingHandlerDelaysOnlyItsTarget(t *testing.T) {
	x := newExec(false)
	defer x.Close()
	release := make(chan struct{})
	var slowGot []int
	var mu sync.Mutex
	slow := &target{fn: func(ev int) {
		if ev == 0 {
			<-release
		}
		mu.Lock()
		slowGot = append(slowGot, ev)
		mu.Unlock()
	}}
	fastDone := make(chan int, 10)
	fast := &target{fn: func(ev int) { fastDone <- ev }}
	x.Post(slow, 0)
	x.Post(slow, 1)
	for i := range 3 {
		x.Post(fast, i)
		select {
		case got := <-fastDone:
			if got != i {
				t.Fatalf("fast target got %d, want %d", got, i)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a blocked handler of another target held up this one")
		}
	}
	mu.Lock()
	if len(slowGot) != 0 {
		t.Fatalf("slow target handled %v while its first handler blocked", slowGot)
	}
	mu.Unlock()
	close(release)
	waitFor(t, "the slow target's events", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(slowGot) == 2
	})
	if fmt.Sprint(slowGot) != "[0 1]" {
		t.Fatalf("slow target's events %v", slowGot)
	}
}

// TestCloseDropsNothing: events posted after Close are still handled (by
// a worker that then ends); a manual executor's Run delivers what is left,
// then returns ErrClosed, also to Runs that were waiting.
func TestCloseDropsNothing(t *testing.T) {
	t.Run("workers", func(t *testing.T) {
		base := runtime.NumGoroutine()
		x := newExec(false)
		got := make(chan int, 1)
		tg := &target{fn: func(ev int) { got <- ev }}
		x.Post(tg, 1)
		<-got
		waitFor(t, "the worker waiting", func() bool { return x.workers.idleCount() == 1 })
		x.Close()
		x.Post(tg, 2)
		if ev := <-got; ev != 2 {
			t.Fatalf("got %d", ev)
		}
		waitFor(t, "the workers to end", func() bool { return runtime.NumGoroutine() <= base })
	})
	t.Run("manual", func(t *testing.T) {
		x := newExec(true)
		var got []int
		tg := &target{fn: func(ev int) { got = append(got, ev) }}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		waiting := make(chan error, 2)
		for range 2 {
			go func() { waiting <- x.Run(ctx) }()
		}
		time.Sleep(10 * time.Millisecond) // let them wait (either way they must return ErrClosed)
		x.Close()
		for range 2 {
			if err := <-waiting; !errors.Is(err, ErrClosed) {
				t.Fatalf("waiting Run after Close = %v, want ErrClosed", err)
			}
		}
		x.Post(tg, 1)
		x.Post(tg, 2)
		if err := x.Run(ctx); err != nil {
			t.Fatalf("Run with events left after Close = %v, want nil", err)
		}
		if fmt.Sprint(got) != "[1 2]" {
			t.Fatalf("events %v", got)
		}
		if err := x.Run(ctx); !errors.Is(err, ErrClosed) {
			t.Fatalf("Run after Close with nothing left = %v, want ErrClosed", err)
		}
	})
}

// TestCall: Call's function runs after the events queued before it, and
// Call returns once it ran; when the context ends while the target is
// busy, Call returns ctx.Err() at once and the function never runs.
func TestCall(t *testing.T) {
	x := newExec(false)
	defer x.Close()
	started, release := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	var log []string
	tg := &target{fn: func(ev int) {
		if ev == 0 {
			close(started)
			<-release
		}
		mu.Lock()
		log = append(log, fmt.Sprint("event ", ev))
		mu.Unlock()
	}}
	x.Post(tg, 0)
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- x.Call(ctx, tg, func() {
			mu.Lock()
			log = append(log, "abandoned call")
			mu.Unlock()
		})
	}()
	waitFor(t, "the call to be queued", func() bool { return tg.q.Len() == 1 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Call with its context canceled = %v", err)
	}
	x.Post(tg, 1)
	errc2 := make(chan error, 1)
	go func() {
		errc2 <- x.Call(context.Background(), tg, func() {
			mu.Lock()
			log = append(log, "call")
			mu.Unlock()
		})
	}()
	waitFor(t, "the second call to be queued", func() bool { return tg.q.Len() == 3 })
	close(release)
	if err := <-errc2; err != nil {
		t.Fatalf("Call = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := fmt.Sprint(log); got != "[event 0 event 1 call]" {
		t.Fatalf("log %s", got)
	}
	if err := x.Call(ctx, tg, func() { t.Error("ran with a done context") }); !errors.Is(err, context.Canceled) {
		t.Fatalf("Call with a done context = %v", err)
	}
}

// TestPostOnce: at most one event of a kind waits; Rearm lets the next
// PostOnce queue again; kinds are independent and plain posts are never
// coalesced.
func TestPostOnce(t *testing.T) {
	x := newExec(true)
	var got []int
	var tg *target
	tg = &target{fn: func(ev int) {
		got = append(got, ev)
		if ev == 10 {
			tg.q.Rearm(0)
		}
	}}
	x.PostOnce(tg, 0, 10)
	x.PostOnce(tg, 0, 11) // coalesced
	x.PostOnce(tg, 1, 20)
	x.PostOnce(tg, 1, 21) // coalesced
	x.Post(tg, 30)
	x.Post(tg, 30)
	if n := x.Poll(); n != 4 || fmt.Sprint(got) != "[10 20 30 30]" {
		t.Fatalf("Poll = %d, events %v", n, got)
	}
	got = nil
	x.PostOnce(tg, 0, 12) // rearmed by the handler of 10
	x.PostOnce(tg, 1, 22) // kind 1 was never rearmed
	if n := x.Poll(); n != 1 || fmt.Sprint(got) != "[12]" {
		t.Fatalf("after Rearm: Poll = %d, events %v", n, got)
	}
	tg.q.Rearm(1)
	x.PostOnce(tg, 1, 23)
	if x.Poll() != 1 || fmt.Sprint(got) != "[12 23]" {
		t.Fatalf("events %v", got)
	}
}

// TestRing: a queue that wraps around and grows while it is drained keeps
// its order, and gives its array up when empty.
func TestRing(t *testing.T) {
	x := newExec(true)
	var got []int
	next := 1
	var tg *target
	tg = &target{fn: func(ev int) {
		got = append(got, ev)
		posts := 1
		if ev%3 == 0 {
			posts = 2 // grows
		}
		if ev > 300 {
			posts = 0 // shrinks to empty
		}
		for range posts {
			x.Post(tg, next)
			next++
		}
	}}
	x.Post(tg, 0)
	n := x.Poll()
	if n != next || len(got) != next {
		t.Fatalf("Poll = %d, %d handled, want %d", n, len(got), next)
	}
	for i, ev := range got {
		if ev != i {
			t.Fatalf("event %d handled at position %d", ev, i)
		}
	}
	if tg.q.buf != nil || tg.q.running || tg.q.n != 0 {
		t.Fatalf("drained queue holds an array %v, running %v, n %d", tg.q.buf != nil, tg.q.running, tg.q.n)
	}
}

// TestPollAndRunWithoutManual: without manual, Poll delivers nothing and
// Run only waits for its context.
func TestPollAndRunWithoutManual(t *testing.T) {
	x := newExec(false)
	defer x.Close()
	if n := x.Poll(); n != 0 {
		t.Fatalf("Poll = %d", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := x.Run(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run = %v", err)
	}
}

// TestWorkersReuse: targets that get events one after the other are
// drained by the same goroutine, which waits between them instead of
// ending, and ends once nothing came for workerIdleTime; the targets hold
// no event array meanwhile.
func TestWorkersReuse(t *testing.T) {
	x := newExec(false)
	base := runtime.NumGoroutine()
	var mu sync.Mutex
	ids := map[string]int{}
	done := make(chan struct{}, 1)
	handle := func(int) {
		mu.Lock()
		ids[goroutineID()]++
		mu.Unlock()
		done <- struct{}{}
	}
	ts := make([]*target, 5)
	for i := range ts {
		ts[i] = &target{fn: handle}
	}
	for i := range 50 {
		x.Post(ts[i%len(ts)], i)
		<-done
		waitFor(t, "the worker waiting again", func() bool { return x.workers.idleCount() == 1 })
	}
	mu.Lock()
	if len(ids) != 1 {
		t.Errorf("50 bursts one after the other ran on %d goroutines, want 1 reused", len(ids))
	}
	mu.Unlock()
	for i, tg := range ts {
		tg.q.mu.Lock()
		if tg.q.buf != nil {
			t.Errorf("idle target %d holds an event array", i)
		}
		tg.q.mu.Unlock()
	}
	time.Sleep(workerIdleTime)
	waitFor(t, "the idle worker to end", func() bool {
		return x.workers.idleCount() == 0 && runtime.NumGoroutine() <= base
	})
}

// TestWorkersClose: Close ends the waiting workers at once, and a queue
// posted to afterwards is still drained (its worker then ends).
func TestWorkersClose(t *testing.T) {
	x := newExec(false)
	base := runtime.NumGoroutine()
	const n = 20
	var handled atomic.Int32
	release := make(chan struct{})
	ts := make([]*target, n)
	for i := range ts {
		ts[i] = &target{fn: func(int) {
			<-release
			handled.Add(1)
		}}
		x.Post(ts[i], 0)
	}
	close(release)
	waitFor(t, "every burst handled", func() bool { return handled.Load() == n })
	waitFor(t, "the workers waiting", func() bool { return x.workers.idleCount() == n })
	start := time.Now()
	x.Close()
	waitFor(t, "the workers to end", func() bool { return runtime.NumGoroutine() <= base })
	if d := time.Since(start); d >= workerIdleTime {
		t.Errorf("workers ended %v after close, want at once (not by their idle timeout)", d)
	}
	x.Post(ts[0], 0)
	waitFor(t, "a burst after close handled", func() bool { return handled.Load() == n+1 })
	waitFor(t, "its worker to end", func() bool { return runtime.NumGoroutine() <= base })
	if got := x.workers.idleCount(); got != 0 {
		t.Errorf("%d workers waiting after close", got)
	}
}

// TestWorkersSweep: the janitor ends the workers that have waited
// workerIdleTime, oldest first, keeps the younger ones, and is done once
// none waits.
func TestWorkersSweep(t *testing.T) {
	w := &workers[*target]{janitor: true}
	now := time.Now()
	ages := []time.Duration{3 * workerIdleTime, workerIdleTime, workerIdleTime / 10}
	chans := make([]chan job[*target], len(ages))
	for i, age := range ages {
		chans[i] = make(chan job[*target], 1)
		w.idle = append(w.idle, idleWorker[*target]{next: chans[i], since: now.Add(-age)})
	}
	if !w.sweepOnce(now) {
		t.Fatal("sweep reports no worker left while a young one waits")
	}
	for i := range 2 {
		select {
		case got := <-chans[i]:
			if got.ok {
				t.Fatalf("worker %d got a target, want an end", i)
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
	if got := <-chans[2]; got.ok || w.idleCount() != 0 || w.janitor {
		t.Fatalf("last worker got %v; %d waiting, janitor %v", got.ok, w.idleCount(), w.janitor)
	}
}

// BenchmarkPostDrain: Post then handling, per event, for bursts of
// several sizes (handled by Poll, so that the figure is the queue's and
// not the scheduler's).
func BenchmarkPostDrain(b *testing.B) {
	for _, burst := range []int{1, 4, 64, 1024} {
		b.Run(fmt.Sprint("burst=", burst), func(b *testing.B) {
			x := newExec(true)
			n := 0
			tg := &target{fn: func(int) { n++ }}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				x.Post(tg, i)
				if i%burst == burst-1 || i == b.N-1 {
					x.Poll()
				}
			}
			if n != b.N {
				b.Fatal(n)
			}
		})
	}
}

// BenchmarkPostWorker: one event at a time handed to a waiting worker and
// waited for.
func BenchmarkPostWorker(b *testing.B) {
	x := newExec(false)
	defer x.Close()
	done := make(chan struct{}, 1)
	tg := &target{fn: func(int) { done <- struct{}{} }}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		x.Post(tg, i)
		<-done
	}
}

// TestDo: on an idle target Do handles the event on the caller's goroutine,
// then what its handler posted, before it returns; on a busy target it
// waits for the event to be handled in its turn, after the events queued
// before it.
func TestDo(t *testing.T) {
	x := newExec(false)
	defer x.Close()
	caller := goroutineID()
	var mu sync.Mutex
	var log []string
	started, release := make(chan struct{}), make(chan struct{})
	var tg *target
	tg = &target{fn: func(ev int) {
		if ev == 1 && goroutineID() != caller {
			t.Error("Do on an idle target ran on another goroutine")
		}
		if ev == 1 {
			x.Post(tg, 2) // handled before Do returns
		}
		if ev == 10 {
			close(started)
			<-release
		}
		mu.Lock()
		log = append(log, fmt.Sprint(ev))
		mu.Unlock()
	}}
	x.Do(tg, 1)
	mu.Lock()
	if got := fmt.Sprint(log); got != "[1 2]" {
		t.Fatalf("after Do on an idle target: %s, want [1 2]", got)
	}
	mu.Unlock()
	if tg.q.running || tg.q.buf != nil {
		t.Fatal("Do left the queue owned or holding an array")
	}

	x.Post(tg, 10)
	<-started
	x.Post(tg, 11)
	done := make(chan struct{})
	go func() {
		x.Do(tg, 12)
		mu.Lock()
		log = append(log, "returned")
		mu.Unlock()
		close(done)
	}()
	waitFor(t, "Do's event to be queued", func() bool { return tg.q.Len() == 2 })
	mu.Lock()
	if got := fmt.Sprint(log); got != "[1 2]" {
		t.Fatalf("Do returned or ran before the busy target's handler: %s", got)
	}
	mu.Unlock()
	close(release)
	<-done
	mu.Lock()
	defer mu.Unlock()
	if got := fmt.Sprint(log); got != "[1 2 10 11 12 returned]" {
		t.Fatalf("events %s", got)
	}
}

// TestDoUntil: on a manual executor DoUntil waits for Run or Poll to
// handle its event; when stop closes first the event is dropped (no Poll
// handles it) and DoUntil returns false, and when the handler has started
// it waits for it to return and reports true.
func TestDoUntil(t *testing.T) {
	x := newExec(true)
	defer x.Close()
	var handled atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	tg := &target{fn: func(ev int) {
		handled.Add(1)
		if ev == 2 {
			close(started)
			<-release
		}
	}}
	stop := make(chan struct{})
	res := make(chan bool, 1)
	go func() { res <- x.DoUntil(tg, 1, stop) }()
	waitFor(t, "the event to be queued", func() bool { return tg.q.Len() == 1 })
	close(stop)
	if <-res {
		t.Fatal("DoUntil reported a dropped event handled")
	}
	if n := x.Poll(); n != 1 || handled.Load() != 0 {
		t.Fatalf("Poll took %d slots and handled %d events, want 1 and 0 (dropped)", n, handled.Load())
	}

	stop = make(chan struct{})
	go func() { res <- x.DoUntil(tg, 2, stop) }()
	waitFor(t, "the event to be queued", func() bool { return tg.q.Len() == 1 })
	polled := make(chan int)
	go func() { polled <- x.Poll() }()
	<-started
	close(stop)
	select {
	case <-res:
		t.Fatal("DoUntil returned while its handler ran")
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	if !<-res || <-polled != 1 || handled.Load() != 1 {
		t.Fatal("a started event was not reported handled")
	}
}

// BenchmarkDoIdle: Do on an idle target (the caller handles it).
func BenchmarkDoIdle(b *testing.B) {
	x := newExec(false)
	defer x.Close()
	n := 0
	tg := &target{fn: func(int) { n++ }}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		x.Do(tg, i)
	}
}
