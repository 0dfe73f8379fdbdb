package serial

import (
	"slices"
	"sync"
	"time"
)

// Idle workers wait about this long for another queue (between one and
// two times it), and at most this many wait at once; the rest end when
// their queue is drained.
const (
	workerIdleTime = 100 * time.Millisecond
	maxIdleWorkers = 256
)

// workers are an executor's goroutines. A worker drains one queue, then
// waits for the next instead of ending, so that under load events do not
// pay for a new goroutine and for growing its stack again through the
// delivery chain each time. A waiting worker only receives on its channel
// (no timer, no select: that is per event under load); a janitor
// goroutine, running only while some worker waits, ends those that waited
// workerIdleTime, and close ends them all at once. Which worker drains a
// queue does not matter: a queue has one owner at a time (Queue.running)
// and its events keep their order.
type workers[T any] struct {
	mu      sync.Mutex
	idle    []idleWorker[T] // waiting workers, the most recent last
	closed  bool
	janitor bool          // the janitor runs
	stop    chan struct{} // closed by close: the janitor ends; made with the janitor
}

// idleWorker is a waiting worker: it drains the next target sent on next,
// or ends on a false one.
type idleWorker[T any] struct {
	next  chan job[T]
	since time.Time
}

// job is a target for a waiting worker; ok false ends the worker.
type job[T any] struct {
	t  T
	ok bool
}

// startWorker has a waiting worker drain t's queue, or a new one.
func (x *Executor[T, E]) startWorker(t T) {
	w := &x.workers
	w.mu.Lock()
	if n := len(w.idle); n > 0 {
		next := w.idle[n-1].next
		w.idle[n-1] = idleWorker[T]{}
		w.idle = w.idle[:n-1]
		w.mu.Unlock()
		next <- job[T]{t, true} // buffered: never blocks
		return
	}
	w.mu.Unlock()
	go x.runWorker(t)
}

func (x *Executor[T, E]) runWorker(t T) {
	w := &x.workers
	next := make(chan job[T], 1)
	for {
		x.drain(t)
		w.mu.Lock()
		if w.closed || len(w.idle) >= maxIdleWorkers {
			w.mu.Unlock()
			return
		}
		w.idle = append(w.idle, idleWorker[T]{next: next, since: time.Now()})
		if !w.janitor {
			w.janitor = true
			w.stop = make(chan struct{})
			go w.sweep(w.stop)
		}
		w.mu.Unlock()
		j := <-next // from start, or an end from the janitor or close
		if !j.ok {
			return
		}
		t = j.t
	}
}

// sweep is the janitor: every workerIdleTime it ends the workers that have
// waited that long, and it ends itself once none waits, or at close.
func (w *workers[T]) sweep(stop chan struct{}) {
	tick := time.NewTicker(workerIdleTime)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-stop:
			return
		}
		if !w.sweepOnce(time.Now()) {
			return
		}
	}
}

// sweepOnce ends the workers that have waited workerIdleTime at now, and
// reports whether some still wait (if not, the janitor is done).
func (w *workers[T]) sweepOnce(now time.Time) bool {
	cutoff := now.Add(-workerIdleTime)
	w.mu.Lock()
	n := 0 // the oldest come first
	for n < len(w.idle) && !w.idle[n].since.After(cutoff) {
		n++
	}
	old := slices.Clone(w.idle[:n])
	rest := copy(w.idle, w.idle[n:])
	clear(w.idle[rest:])
	w.idle = w.idle[:rest]
	if rest == 0 {
		w.janitor = false
	}
	w.mu.Unlock()
	for _, iw := range old {
		iw.next <- job[T]{}
	}
	return rest > 0
}

// close ends the waiting workers and the janitor; later workers end once
// their queue is empty.
func (w *workers[T]) close() {
	w.mu.Lock()
	idle := w.idle
	w.idle = nil
	w.closed = true
	if w.janitor {
		w.janitor = false
		close(w.stop)
	}
	w.mu.Unlock()
	for _, iw := range idle {
		iw.next <- job[T]{}
	}
}

// idleCount is the number of waiting workers.
func (w *workers[T]) idleCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.idle)
}
