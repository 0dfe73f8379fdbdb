package ws

import (
	"context"
	"errors"

	"github.com/tlskit/tlskit/internal/serial"
)

// connEvent is an event of a Handler or Dial connection (a standalone
// Server's connections run on the server's executor): received bytes, or
// a function to run.
type connEvent struct {
	data []byte // when fn is nil: bytes for received, borrowed until handled
	fn   func()
}

// connExecutor runs the events of Handler and Dial connections, each
// connection's one at a time (see internal/serial).
type connExecutor = serial.Executor[*Conn, connEvent]

// connEvents runs the events of the Handler and Dial connections without
// ManualEvents.
var connEvents = newConnExecutor(false)

// newConnExecutor returns an executor of Handler and Dial connections'
// events: a manual one is a Handler's, or a client Conn's own, with
// ManualEvents, whose events only DoEvents delivers.
func newConnExecutor(manual bool) *connExecutor {
	return serial.New(func(c *Conn) *serial.Queue[connEvent] { return c.evq }, handleConnEvent, manual)
}

func handleConnEvent(c *Conn, e connEvent) {
	if e.fn != nil {
		e.fn()
		return
	}
	c.received(e.data)
}

// newEventQueue returns the event queue of a Conn whose events a
// connExecutor runs (Handler and Dial connections).
func newEventQueue() *serial.Queue[connEvent] { return new(serial.Queue[connEvent]) }

// manualEvents is what a Handler or Dial connection with ManualEvents
// needs besides; the others carry a nil pointer instead.
type manualEvents struct {
	exec *connExecutor // the Handler's, or the client Conn's own (own set)
	own  bool          // exec is the Conn's: closed after its last event
	// ended is closed when the connection is ended (Disconnect, Reset,
	// the engine's OnClose): an event that waits for DoEvents is then
	// dropped, so that a program that stops pumping cannot hold the
	// engine's goroutines. Under engineTransport.mu.
	ended chan struct{}
	// posted is closed once the connection's last event is queued (or it
	// will have none), for Handler.Shutdown.
	posted chan struct{}
}

func newManualEvents(exec *connExecutor) *manualEvents {
	m := &manualEvents{exec: exec, ended: make(chan struct{}), posted: make(chan struct{})}
	if exec == nil {
		m.exec, m.own = newConnExecutor(true), true
	}
	return m
}

// runEvents is DoEvents on x, its closed error errClosed.
func runEvents(ctx context.Context, x *connExecutor, errClosed error) error {
	err := x.Run(ctx)
	if errors.Is(err, serial.ErrClosed) {
		return errClosed
	}
	return err
}
