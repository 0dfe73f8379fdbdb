package socket

import (
	"crypto/tls"
	"fmt"
	"log/slog"

	"github.com/tlskit/tlskit/internal/hook"
	"github.com/tlskit/tlskit/internal/serial"
)

// Events are a socket's callbacks. Every field may be nil.
//
// Events are delivered by the package's goroutines, or with
// Config.ManualEvents by Poll, with the guarantees stated once in
// internal/serial's package doc (in order, never re-entrantly; a blocking
// handler delays only this socket's later events, never its I/O). A
// handler may call any method of the socket, including Close and Poll
// (which then delivers nothing). A handler that panics is recovered, as
// net/http does for a handler: the panic is logged at Error with its stack
// to slog's default logger and the connection is closed, with an Error
// event whose error says so ("panic in DataAvailable: ...").
type Events struct {
	// Connected: the connection is established (after the TLS handshake
	// when Secure), by Connect, Listen or FromConn.
	Connected func(s *Socket)
	// SSLConnecting: the TLS handshake starts.
	SSLConnecting func(s *Socket)
	// SSLConnected: the TLS handshake has completed; state describes it.
	SSLConnected func(s *Socket, state tls.ConnectionState)
	// DataAvailable (ECMA-419 onReadable): bytes arrived in the receive
	// buffer. available is BytesAvailable when the event is delivered; it
	// may be 0 when the data was read in the meantime, so handlers must
	// accept an event with nothing to read (as Xojo warns for
	// SSLSocket). Several arrivals may be reported by one event. Close
	// delivers a last DataAvailable when unread data remains.
	DataAvailable func(s *Socket, available int)
	// Writable (ECMA-419 onWritable): room was made in the send buffer;
	// writable is how many bytes Send accepts now.
	Writable func(s *Socket, writable int)
	// SendProgress: bytesSent bytes were written to the network since the
	// previous SendProgress, and bytesLeft remain queued. Returning true
	// aborts the send: the queued bytes not yet handed to the network are
	// discarded and SendComplete(true) follows.
	SendProgress func(s *Socket, bytesSent, bytesLeft int) (abort bool)
	// SendComplete: the send buffer became empty (userAborted=false) or a
	// SendProgress handler aborted (userAborted=true).
	SendComplete func(s *Socket, userAborted bool)
	// Error (ECMA-419 onError): the connection failed or the peer closed
	// it (ErrLostConnection). err is an *Error. The socket is no longer
	// connected; unread data stays readable.
	Error func(s *Socket, err error)
}

type eventKind int

const (
	evConnected eventKind = iota
	evSSLConnecting
	evSSLConnected
	evDataAvailable
	evWritable
	evSendProgress
	evSendComplete
	evError
)

type event struct {
	kind        eventKind
	err         error
	userAborted bool
	state       tls.ConnectionState
}

// eventQueue is a socket's event queue, run by internal/serial (whose
// package doc states the guarantees): by the package's workers, or, with
// Config.ManualEvents, by Poll. DataAvailable, Writable and SendProgress
// are coalesced (PostOnce): at most one of each waits in the queue, and
// its arguments are computed when it is delivered.
type eventQueue struct {
	q            serial.Queue[event]
	exec         *serial.Executor[*Socket, event] // autoEvents, or the socket's own with ManualEvents
	progressSent int                              // guarded by Socket.mu
}

// autoEvents delivers the events of the sockets without ManualEvents.
var autoEvents = newExecutor(false)

func newExecutor(manual bool) *serial.Executor[*Socket, event] {
	return serial.New(func(s *Socket) *serial.Queue[event] { return &s.ev.q }, (*Socket).deliver, manual)
}

// push queues e if it has a handler; s.mu must be held.
func (s *Socket) push(e event) {
	h := &s.cfg.Events
	var has bool
	switch e.kind {
	case evConnected:
		has = h.Connected != nil
	case evSSLConnecting:
		has = h.SSLConnecting != nil
	case evSSLConnected:
		has = h.SSLConnected != nil
	case evDataAvailable:
		has = h.DataAvailable != nil
	case evWritable:
		has = h.Writable != nil
	case evSendProgress:
		has = h.SendProgress != nil
	case evSendComplete:
		has = h.SendComplete != nil
	case evError:
		has = h.Error != nil
	}
	switch {
	case !has:
	case e.kind == evDataAvailable || e.kind == evWritable || e.kind == evSendProgress:
		s.ev.exec.PostOnce(s, uint(e.kind), e)
	default:
		s.ev.exec.Post(s, e)
	}
}

// Poll delivers the events that are waiting, on the calling goroutine, and
// returns how many it delivered (Xojo Poll), when Config.ManualEvents is
// set: it is then the only way events are delivered. Without ManualEvents
// the socket's goroutines deliver them and Poll returns 0. It returns 0 at
// once when another delivery is under way, which includes a call from
// inside a handler.
func (s *Socket) Poll() int { return s.ev.exec.Poll() }

// deliver runs e's handler, on the socket's event executor.
func (s *Socket) deliver(e event) {
	h := &s.cfg.Events
	var available, writable, sent, left int
	switch e.kind {
	case evDataAvailable, evWritable, evSendProgress:
		s.mu.Lock()
		s.ev.q.Rearm(uint(e.kind)) // a later change is reported by a new event
		switch e.kind {
		case evDataAvailable:
			available = s.rbuf.Len()
		case evWritable:
			writable = s.writableLocked()
		case evSendProgress:
			sent, s.ev.progressSent = s.ev.progressSent, 0
			left = s.unsent
		}
		s.mu.Unlock()
	}

	name, fn := "", func() {}
	switch e.kind {
	case evConnected:
		name, fn = "Connected", func() { h.Connected(s) }
	case evSSLConnecting:
		name, fn = "SSLConnecting", func() { h.SSLConnecting(s) }
	case evSSLConnected:
		name, fn = "SSLConnected", func() { h.SSLConnected(s, e.state) }
	case evDataAvailable:
		name, fn = "DataAvailable", func() { h.DataAvailable(s, available) }
	case evWritable:
		name, fn = "Writable", func() { h.Writable(s, writable) }
	case evSendProgress:
		abort := false
		if p := hook.Call("SendProgress", func() { abort = h.SendProgress(s, sent, left) }); p != nil {
			s.hookPanicked(p)
		} else if abort {
			s.abortSend()
		}
		return
	case evSendComplete:
		name, fn = "SendComplete", func() { h.SendComplete(s, e.userAborted) }
	case evError:
		name, fn = "Error", func() { h.Error(s, e.err) }
	}
	if p := hook.Call(name, fn); p != nil {
		s.hookPanicked(p)
	}
}

// hookPanicked handles a panic of an event handler as net/http does for a
// handler: it is logged at Error with its stack (to slog's default logger)
// and the connection is closed, with the panic as the cause of the Error
// event's *Error; the program goes on.
func (s *Socket) hookPanicked(p *hook.Panic) {
	slog.Error("socket: panic in an event handler: closing the connection", "event", p.Hook,
		"panic", fmt.Sprint(p.Value), "stack", string(p.Stack))
	s.fail("event", p)
}
