package server

import (
	"context"
	"errors"

	"github.com/tlskit/tlskit/internal/access"
	"github.com/tlskit/tlskit/internal/hook"
	"github.com/tlskit/tlskit/internal/serial"
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
	evIdle                        // the idle timeout passed: OnIdleTimeout
)

type event struct {
	kind    eventKind
	verdict access.Verdict
	sockGen uint32 // evRequest: Server.sockGen at the accept
	err     *Error
	msg     string
}

// queue is one connection's (or the server's) event queue. Its events are
// handled one at a time by the server's executor (internal/serial, whose
// package doc states the guarantees): a worker that takes the queue when
// its first event arrives and leaves it when it is empty, or DoEvents in
// manual mode. So an idle connection has no dispatching goroutine.
type queue = serial.Queue[event]

// An eventTarget has a queue and handles its events: a *Conn, or the
// server's own (sysHandler). The queue does not point back to its target,
// so that a connection carries no interface value for it.
type eventTarget interface {
	eventQueue() *queue
	handle(event)
}

// executor is the server's event executor.
type executor = serial.Executor[eventTarget, event]

func newExecutor(manual bool) *executor {
	return serial.New(eventTarget.eventQueue, eventTarget.handle, manual)
}

// post queues ev for t and, if no one is draining t's queue, has a worker
// (or DoEvents) do it.
func (s *Server) post(t eventTarget, ev event) { s.exec.Post(t, ev) }

// DoEvents delivers the queued events on the caller's goroutine when
// ManualEvents is set. It waits until at least one event is available or ctx
// ends, delivers every event available, and returns nil; ctx.Err() if ctx
// ended first; ErrServerClosed once the server is closed and nothing is
// left. Without ManualEvents it only waits for ctx and returns ctx.Err(). It
// may be called from several goroutines, and from an event handler: each
// connection's events still run in order and one at a time (a call from a
// handler delivers other connections' events).
func (s *Server) DoEvents(ctx context.Context) error {
	err := s.exec.Run(ctx)
	if errors.Is(err, serial.ErrClosed) {
		return ErrServerClosed
	}
	return err
}

// sysHandler handles the server's own queue.
type sysHandler Server

func (h *sysHandler) eventQueue() *queue { return &h.sys }

func (h *sysHandler) handle(ev event) {
	s := (*Server)(h)
	if ev.kind == evError && s.log != nil {
		s.log.Error("accept failed", errorAttrs(ev.err)...)
	}
	if h := s.ev.OnError; ev.kind == evError && h != nil {
		if p := hook.Call("OnError", func() { h(nil, ev.err) }); p != nil {
			s.hookPanicked(nil, p)
		}
	}
}
