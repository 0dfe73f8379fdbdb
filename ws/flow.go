package ws

import (
	"fmt"
	"time"
)

// PauseData stops DataIn (and every other received-data event) for this
// connection until ProcessData: reading stops once the buffered bytes are
// held, so the peer is slowed by TCP flow control and nothing is lost
// (IPWorks's AcceptData=false).
func (c *Conn) PauseData() {
	if c.sc != nil {
		c.sc.PauseData()
		return
	}
	if t, ok := c.tr.(interface{ setPaused(bool) }); ok {
		t.setPaused(true)
	}
}

// ProcessData resumes delivery after PauseData.
func (c *Conn) ProcessData() {
	if c.sc != nil {
		c.sc.ProcessData()
		return
	}
	if t, ok := c.tr.(interface{ setPaused(bool) }); ok {
		t.setPaused(false)
	}
}

// AcceptData reports whether received data is being delivered (false
// after PauseData).
func (c *Conn) AcceptData() bool {
	if c.sc != nil {
		return c.sc.AcceptData()
	}
	switch t := c.tr.(type) {
	case *netTransport:
		t.mu.Lock()
		defer t.mu.Unlock()
		return !t.paused
	}
	return true
}

// SetTimeout sets the send timeout of a standalone Server's connection:
// when positive, sends wait for room up to d of inactivity instead of
// returning ErrWouldBlock. Handler and Dial connections have WriteMessage
// for that and return ErrUnsupported.
func (c *Conn) SetTimeout(d time.Duration) error {
	if c.sc == nil {
		return fmt.Errorf("%w: SetTimeout on a Handler or Dial connection; use WriteMessage", ErrUnsupported)
	}
	if d < 0 {
		return fmt.Errorf("%w: negative timeout", ErrInvalidValue)
	}
	c.sc.SetTimeout(d)
	return nil
}
