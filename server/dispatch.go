package server

import (
	"context"
	"sync"

	"github.com/tlskit/tlskit/internal/access"
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
)

type event struct {
	kind    eventKind
	verdict access.Verdict
	err     *Error
	msg     string
	fn      func()
}

// queue is one connection's (or the server's) event queue. Events are
// handled one at a time by whoever owns the queue: a goroutine started when
// the first event arrives and ending when the queue is empty, or DoEvents
// in manual mode. So an idle connection has no dispatching goroutine.
type queue struct {
	s      *Server
	handle func(event)

	mu      sync.Mutex
	events  []event
	running bool // an owner is draining the queue
}

func (q *queue) init(s *Server, handle func(event)) {
	q.s = s
	q.handle = handle
}

func (q *queue) post(ev event) {
	q.mu.Lock()
	q.events = append(q.events, ev)
	start := !q.running
	q.running = true
	q.mu.Unlock()
	if !start {
		return
	}
	if q.s.manual {
		q.s.pump.push(q)
	} else {
		go q.drain()
	}
}

// drain handles events until the queue is empty.
func (q *queue) drain() {
	for {
		q.mu.Lock()
		if len(q.events) == 0 {
			q.events = nil // an idle connection keeps no event array
			q.running = false
			q.mu.Unlock()
			return
		}
		ev := q.events[0]
		q.events[0] = event{}
		q.events = q.events[1:]
		q.mu.Unlock()
		q.handle(ev)
	}
}

// pump holds the queues that have events while ManualEvents is on.
type pump struct {
	mu     sync.Mutex
	ready  []*queue
	signal chan struct{} // one token: something became ready
}

func (p *pump) init() { p.signal = make(chan struct{}, 1) }

func (p *pump) push(q *queue) {
	p.mu.Lock()
	p.ready = append(p.ready, q)
	p.mu.Unlock()
	p.wake()
}

func (p *pump) wake() {
	select {
	case p.signal <- struct{}{}:
	default:
	}
}

func (p *pump) pop() *queue {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.ready) == 0 {
		return nil
	}
	q := p.ready[0]
	p.ready[0] = nil
	p.ready = p.ready[1:]
	return q
}

// DoEvents delivers the queued events on the caller's goroutine when
// ManualEvents is set, as the seed's DoEvents. It waits until at least one
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
		if q := s.pump.pop(); q != nil {
			for q != nil {
				q.drain()
				q = s.pump.pop()
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

// handleSys delivers server-level events.
func (s *Server) handleSys(ev event) {
	if ev.kind == evError && s.ev.OnError != nil {
		s.ev.OnError(nil, ev.err)
	}
}
