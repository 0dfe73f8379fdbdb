package ws

import "github.com/tlskit/tlskit/internal/serial"

// connEvent is an event of a Handler or Dial connection (a standalone
// Server's connections run on the server's executor): received bytes, or
// a function to run.
type connEvent struct {
	data []byte // when fn is nil: bytes for received, borrowed until handled
	fn   func()
}

// connEvents runs the events of Handler and Dial connections, each
// connection's one at a time (see internal/serial).
var connEvents = serial.New(func(c *Conn) *serial.Queue[connEvent] { return c.evq }, handleConnEvent, false)

func handleConnEvent(c *Conn, e connEvent) {
	if e.fn != nil {
		e.fn()
		return
	}
	c.received(e.data)
}

// newEventQueue returns the event queue of a Conn whose events connEvents
// runs (Handler and Dial connections).
func newEventQueue() *serial.Queue[connEvent] { return new(serial.Queue[connEvent]) }

// serially runs fn as one of c's events, and returns once it has run.
func (c *Conn) serially(fn func()) { connEvents.Do(c, connEvent{fn: fn}) }

// receive hands p to received as one of c's events, and returns once it
// has been handled (p is then free again).
func (c *Conn) receive(p []byte) { connEvents.Do(c, connEvent{data: p}) }
