package serial

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// ErrClosed is returned by Run once the executor is closed and no event
// is left to deliver.
var ErrClosed = errors.New("event executor closed")

// An Executor delivers the events of its targets (of type T, such as
// *Conn) to handle, each target's one at a time; queue gives a target's
// Queue. Without manual, workers deliver them (see the package doc); with
// manual, only Run and Poll do.
type Executor[T any, E any] struct {
	queue   func(T) *Queue[E]
	handle  func(T, E)
	manual  bool
	bufs    sync.Pool // *[bufLen]slot[E]
	workers workers[T]
	pump    pump[T]
}

// New returns an Executor whose targets' queues are queue(t) and whose
// events handle handles.
func New[T any, E any](queue func(T) *Queue[E], handle func(T, E), manual bool) *Executor[T, E] {
	x := &Executor[T, E]{queue: queue, handle: handle, manual: manual}
	x.bufs.New = func() any { return new([bufLen]slot[E]) }
	x.pump.signal = make(chan struct{}, 1)
	return x
}

// Post queues ev for t and, when no one owns t's queue, has a worker (or
// the next Run or Poll) handle it.
func (x *Executor[T, E]) Post(t T, ev E) { x.post(t, slot[E]{ev: ev}, 0) }

// PostOnce is Post for an event that reports state rather than a change,
// such as "data is waiting": it queues ev unless an event of the same kind
// (0 to 31) was posted with PostOnce and its kind was not rearmed since
// (Queue.Rearm). So at most one event of a kind waits, and its handler
// reports the state as it is when handled.
func (x *Executor[T, E]) PostOnce(t T, kind uint, ev E) {
	x.post(t, slot[E]{ev: ev}, 1<<kind)
}

func (x *Executor[T, E]) post(t T, s slot[E], kind uint32) {
	q := x.queue(t)
	q.mu.Lock()
	if kind != 0 {
		if q.pending&kind != 0 {
			q.mu.Unlock()
			return
		}
		q.pending |= kind
	}
	q.push(s, &x.bufs)
	start := !q.running
	q.running = true
	q.mu.Unlock()
	if !start {
		return
	}
	if x.manual {
		x.pump.push(t)
	} else {
		x.startWorker(t)
	}
}

// Call runs fn as one of t's events, after those already queued, and
// waits for it: so code outside the handlers (a TLS handshake's hooks, for
// example) keeps the rule that t's events never overlap. It returns nil
// once fn has returned, or ctx.Err() if ctx ended first; fn is then
// skipped if it had not started. fn runs as a handler: it must recover its
// own panics, and Call must not be made from a handler of t (it would wait
// for itself).
func (x *Executor[T, E]) Call(ctx context.Context, t T, fn func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	done := make(chan struct{})
	ran := false
	x.post(t, slot[E]{fn: func() {
		defer close(done)
		if ctx.Err() == nil {
			ran = true
			fn()
		}
	}}, 0)
	select {
	case <-done:
		if !ran {
			return ctx.Err()
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Do handles ev as one of t's events and returns once its handler has
// returned: Post for a producer that must not run ahead of its target,
// such as a reader whose buffer the event borrows. When no one owns t's
// queue (and the executor is not manual), the caller takes it: ev is
// handled on the calling goroutine, then whatever was posted meanwhile,
// and the queue is given up, so an idle target costs a lock, not a
// goroutine switch. Otherwise ev is queued and Do waits for it to be
// handled. Like Call, Do must not be made from a handler of t.
func (x *Executor[T, E]) Do(t T, ev E) { x.DoUntil(t, ev, nil) }

// DoUntil is Do that stops waiting when stop is closed (a nil stop never
// is): if ev's handler has not started by then, ev is dropped, and
// DoUntil returns false at once; if it has, DoUntil waits for it to
// return. It reports whether ev was handled. With a manual executor, whose
// queued events wait for Run or Poll, this lets a producer give up when
// its target ends (a connection reset while the program does not pump).
func (x *Executor[T, E]) DoUntil(t T, ev E, stop <-chan struct{}) bool {
	q := x.queue(t)
	q.mu.Lock()
	if !q.running && !x.manual {
		q.running = true
		q.mu.Unlock()
		x.handle(t, ev)
		x.drain(t)
		return true
	}
	const (
		waiting = iota
		started
		dropped
	)
	var state atomic.Int32
	done := make(chan struct{})
	q.push(slot[E]{fn: func() {
		if state.CompareAndSwap(waiting, started) {
			x.handle(t, ev)
		}
		close(done)
	}}, &x.bufs)
	start := !q.running // manual only: an owner is handling the queue
	q.running = true
	q.mu.Unlock()
	if start {
		x.pump.push(t)
	}
	select {
	case <-done:
		return state.Load() == started
	case <-stop:
		if state.CompareAndSwap(waiting, dropped) {
			return false
		}
		<-done
		return true
	}
}

// drain handles t's events until its queue is empty, and returns how many
// it handled.
func (x *Executor[T, E]) drain(t T) int {
	q := x.queue(t)
	n := 0
	for {
		q.mu.Lock()
		if q.n == 0 {
			q.release(&x.bufs) // an idle target keeps no event array
			q.running = false
			q.mu.Unlock()
			return n
		}
		s := q.pop()
		q.mu.Unlock()
		if s.fn != nil {
			s.fn()
		} else {
			x.handle(t, s.ev)
		}
		n++
	}
}

// Close ends the waiting workers and their janitor, and has a waiting Run
// return. It drops nothing: a queue that has or gets events is still
// handled, by a worker that ends when the queue is empty, or by Run and
// Poll when manual (Run returns ErrClosed only once nothing is left).
func (x *Executor[T, E]) Close() {
	x.workers.close()
	x.pump.close()
}
