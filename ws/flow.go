package ws

import (
	"fmt"
	"time"
)

// PauseData stops received-data events until ProcessData; reading stops
// once the buffer is held, so TCP slows the peer and nothing is lost.
func (c *Conn) PauseData() { c.tr.PauseData() }

// ProcessData resumes delivery after PauseData, starting with what was held.
func (c *Conn) ProcessData() { c.tr.ProcessData() }

// AcceptData reports whether data is delivered (false after PauseData).
func (c *Conn) AcceptData() bool { return c.tr.AcceptData() }

// SetTimeout makes Send and SendMessage wait for room as WriteMessage does,
// up to d without progress (then ErrTimedOut); 0, the default, does not.
func (c *Conn) SetTimeout(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("%w: negative timeout", ErrInvalidValue)
	}
	c.mu.Lock()
	if d > 0 || c.x != nil {
		c.extraLocked().timeout = d
	}
	c.mu.Unlock()
	return nil
}

// sendTimeout is the timeout SetTimeout set (0: sends never wait).
func (c *Conn) sendTimeout() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.x == nil {
		return 0
	}
	return c.x.timeout
}
