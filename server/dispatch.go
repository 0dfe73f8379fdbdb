package server

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/tlskit/tlskit/internal/access"
	"github.com/tlskit/tlskit/internal/hook"
	"github.com/tlskit/tlskit/internal/logsafe"
)

type eventKind uint8

const (
	evRequest    eventKind = iota // ConnectionRequest, then Start
	evOpen                        // handshake done: Connected + ReadyToSend
	evData                        // received bytes are waiting in the inbox
	evReady                       // ReadyToSend after a would-block
	evError                       // Error
	evStatus                      // SSLStatus
	evPeerClosed                  // the client closed its side; answers may still go out
	evClosed                      // the engine closed the connection
	evCall                        // run fn (TLS hooks from the handshake)
	evIdle                        // the idle timeout passed: OnIdleTimeout
)

type event struct {
	kind    eventKind
	verdict access.Verdict
	err     *Error
	msg     string
	fn      func()
}

// queue is one connection's (or the server's) event queue. Events are
// handled one at a time by whoever owns the queue: a worker goroutine that
// takes it when the first event arrives and leaves it when it is empty, or
// DoEvents in manual mode. So an idle connection has no dispatching
// goroutine.
type queue struct {
	mu      sync.Mutex
	events  []event
	running bool // an owner is draining the queue
}

// An eventTarget has a queue and handles its events: a *Conn, or the
// server's own (sysHandler). The queue does not point back to its target,
// so that a connection carries no interface value for it.
type eventTarget interface {
	eventQueue() *queue
	handle(event)
}

// post queues ev for t and, if no one is draining t's queue, has a worker
// (or DoEvents) do it.
func (s *Server) post(t eventTarget, ev event) {
	q := t.eventQueue()
	q.mu.Lock()
	if q.events == nil {
		q.events = eventBufs.Get().(*[eventBufLen]event)[:0]
	}
	q.events = append(q.events, ev)
	start := !q.running
	q.running = true
	q.mu.Unlock()
	if !start {
		return
	}
	if s.manual {
		s.pump.push(t)
	} else {
		s.workers.start(t)
	}
}

// eventBufs holds event arrays for queues that have events: a queue's
// array goes back when it is drained (one that grew past eventBufLen is
// left to the collector).
var eventBufs = sync.Pool{New: func() any { return new([eventBufLen]event) }}

const eventBufLen = 4

// drain handles t's events until its queue is empty.
func drain(t eventTarget) {
	q := t.eventQueue()
	for {
		q.mu.Lock()
		if len(q.events) == 0 {
			if cap(q.events) == eventBufLen {
				eventBufs.Put((*[eventBufLen]event)(q.events[:eventBufLen]))
			}
			q.events = nil // an idle connection keeps no event array
			q.running = false
			q.mu.Unlock()
			return
		}
		ev := q.events[0]
		n := copy(q.events, q.events[1:]) // the array stays, for the pool
		q.events[n] = event{}
		q.events = q.events[:n]
		q.mu.Unlock()
		t.handle(ev)
	}
}

// Idle workers wait about this long for another queue (between one and
// two times it), and at most this many wait at once; the rest end when
// their queue is drained.
const (
	workerIdleTime = 100 * time.Millisecond
	maxIdleWorkers = 256
)

// workers are the server's dispatching goroutines. A worker drains one
// queue, then waits for the next instead of ending, so that under load
// events do not pay for a new goroutine and for growing its stack again
// through the delivery chain each time. A waiting worker only receives on
// its channel (no timer, no select: that is per event under load); a
// janitor goroutine, running only while some worker waits, ends those
// that waited workerIdleTime, and Close ends them all at once. Which
// worker drains a queue does not matter: a queue has one owner at a time
// (running) and its events keep their order.
type workers struct {
	mu      sync.Mutex
	idle    []idleWorker // waiting workers, the most recent last
	closed  bool
	janitor bool          // the janitor runs
	stop    chan struct{} // closed by close: the janitor ends; made with the janitor
}

// idleWorker is a waiting worker: it drains the next target sent on next,
// or ends on nil.
type idleWorker struct {
	next  chan eventTarget
	since time.Time
}

// start has a waiting worker drain t's queue, or a new one.
func (w *workers) start(t eventTarget) {
	w.mu.Lock()
	if n := len(w.idle); n > 0 {
		next := w.idle[n-1].next
		w.idle[n-1] = idleWorker{}
		w.idle = w.idle[:n-1]
		w.mu.Unlock()
		next <- t // buffered: never blocks
		return
	}
	w.mu.Unlock()
	go w.run(t)
}

func (w *workers) run(t eventTarget) {
	next := make(chan eventTarget, 1)
	for t != nil {
		drain(t)
		w.mu.Lock()
		if w.closed || len(w.idle) >= maxIdleWorkers {
			w.mu.Unlock()
			return
		}
		w.idle = append(w.idle, idleWorker{next: next, since: time.Now()})
		if !w.janitor {
			w.janitor = true
			w.stop = make(chan struct{})
			go w.sweep(w.stop)
		}
		w.mu.Unlock()
		t = <-next // from start, or nil from the janitor or close
	}
}

// sweep is the janitor: every workerIdleTime it ends the workers that have
// waited that long, and it ends itself once none waits, or at close.
func (w *workers) sweep(stop chan struct{}) {
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
func (w *workers) sweepOnce(now time.Time) bool {
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
		iw.next <- nil
	}
	return rest > 0
}

// close ends the waiting workers and the janitor; later workers end once
// their queue is empty.
func (w *workers) close() {
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
		iw.next <- nil
	}
}

// idleCount is the number of waiting workers.
func (w *workers) idleCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.idle)
}

// pump holds the queues that have events while ManualEvents is on.
type pump struct {
	mu     sync.Mutex
	ready  []eventTarget
	signal chan struct{} // one token: something became ready
}

func (p *pump) init() { p.signal = make(chan struct{}, 1) }

func (p *pump) push(t eventTarget) {
	p.mu.Lock()
	p.ready = append(p.ready, t)
	p.mu.Unlock()
	p.wake()
}

func (p *pump) wake() {
	select {
	case p.signal <- struct{}{}:
	default:
	}
}

func (p *pump) pop() eventTarget {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.ready) == 0 {
		return nil
	}
	t := p.ready[0]
	p.ready[0] = nil
	p.ready = p.ready[1:]
	return t
}

// DoEvents delivers the queued events on the caller's goroutine when
// ManualEvents is set, as IPWorks's DoEvents. It waits until at least one
// event is available or ctx ends, delivers every event available, and
// returns nil; ctx.Err() if ctx ended first; ErrServerClosed once the server
// is closed and nothing is left. Without ManualEvents it only waits for ctx
// and returns ctx.Err(). Only one goroutine should call DoEvents at a time.
func (s *Server) DoEvents(ctx context.Context) error {
	if !s.manual {
		<-ctx.Done()
		return ctx.Err()
	}
	for {
		if t := s.pump.pop(); t != nil {
			for t != nil {
				drain(t)
				t = s.pump.pop()
			}
			return nil
		}
		if s.State() == StateClosed {
			return ErrServerClosed
		}
		select {
		case <-s.pump.signal:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// sysHandler handles the server's own queue.
type sysHandler Server

func (h *sysHandler) eventQueue() *queue { return &h.sys }

func (h *sysHandler) handle(ev event) {
	s := (*Server)(h)
	if ev.kind == evError && s.log != nil {
		s.log.Error("accept failed", "code", ev.err.Code, "err", logsafe.String(ev.err.Description))
	}
	if h := s.ev.OnError; ev.kind == evError && h != nil {
		if p := hook.Call("OnError", func() { h(nil, ev.err) }); p != nil {
			s.hookPanicked(nil, p)
		}
	}
}
