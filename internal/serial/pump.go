package serial

import (
	"context"
	"sync"
)

// pump holds the targets whose queues have events, for a manual
// executor's Run and Poll.
type pump[T any] struct {
	mu     sync.Mutex
	ready  []T // a FIFO: taken from head on, reused once empty
	head   int
	closed bool
	signal chan struct{} // one token: something became ready, or closed
}

func (p *pump[T]) push(t T) {
	p.mu.Lock()
	p.ready = append(p.ready, t)
	p.mu.Unlock()
	p.wake()
}

func (p *pump[T]) wake() {
	select {
	case p.signal <- struct{}{}:
	default:
	}
}

func (p *pump[T]) pop() (t T, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.head == len(p.ready) {
		return t, false
	}
	t = p.ready[p.head]
	var zero T
	p.ready[p.head] = zero
	p.head++
	if p.head == len(p.ready) {
		p.ready, p.head = p.ready[:0], 0
	}
	return t, true
}

func (p *pump[T]) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.wake()
}

func (p *pump[T]) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// Run delivers events on the caller's goroutine, for a manual executor
// (the server's DoEvents): it waits until some target has events or ctx
// ends, delivers every event available, and returns nil; ctx.Err() if
// ctx ended first; ErrClosed once the executor is closed and nothing is
// left. Without manual it only waits for ctx and returns ctx.Err().
//
// Run and Poll may be called from several goroutines at once, and from a
// handler: each target's queue still has one owner, so its events stay in
// order and never overlap; a call from a handler delivers other targets'
// events, never its own target's.
func (x *Executor[T, E]) Run(ctx context.Context) error {
	if !x.manual {
		<-ctx.Done()
		return ctx.Err()
	}
	for {
		if n := x.Poll(); n > 0 {
			return nil
		}
		if x.pump.isClosed() {
			x.pump.wake() // for another Run waiting
			return ErrClosed
		}
		select {
		case <-x.pump.signal:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Poll delivers the events available now, on the caller's goroutine, for
// a manual executor (the socket's Poll), and returns how many it delivered;
// it does not wait. Without manual it returns 0: the workers deliver.
// See Run for calls from several goroutines and from handlers.
func (x *Executor[T, E]) Poll() int {
	n := 0
	for {
		t, ok := x.pump.pop()
		if !ok {
			return n
		}
		n += x.drain(t)
	}
}
