package server

import (
	"sync"
)

// PauseData stops DataIn for this connection; reading stops once the
// buffered data is held, so the client is slowed by TCP flow control and
// nothing is lost. ProcessData resumes.
func (c *Conn) PauseData() {
	c.mu.Lock()
	c.paused = true
	c.setReadPausedLocked(true)
	c.mu.Unlock()
}

// setReadPausedLocked pauses or resumes the engine's reading. It is called
// with c.mu held so that the engine sees the decisions in the order they
// were taken (the engine never calls back into the Conn holding its own
// lock, so the lock order c.mu, then the engine's, is safe).
func (c *Conn) setReadPausedLocked(p bool) {
	if p == c.readPaused {
		return
	}
	c.readPaused = p
	if p {
		c.ec.PauseRead()
	} else {
		c.ec.ResumeRead()
	}
}

// ProcessData resumes DataIn after PauseData, starting with the data held.
func (c *Conn) ProcessData() {
	c.mu.Lock()
	if !c.paused {
		c.mu.Unlock()
		return
	}
	c.paused = false
	if len(c.inbox) < c.fixed.inLimit {
		c.setReadPausedLocked(false)
	}
	c.dataQueued = true
	pending := c.closePending
	c.closePending = nil
	c.mu.Unlock()
	c.s.post(c, event{kind: evData})
	if pending != nil {
		c.s.post(c, *pending)
	}
}

// holdingLocked reports whether received data waits for ProcessData: the
// connection is paused (and not disconnected) with bytes in the inbox or
// in the framer. c.mu is held; it takes fmu (the lock order allows it).
func (c *Conn) holdingLocked() bool {
	return c.paused && !c.stopData && (len(c.inbox) > 0 || c.buffered() > 0)
}

// buffered returns the bytes the framer holds (a partial record).
func (c *Conn) buffered() int {
	c.fmu.Lock()
	defer c.fmu.Unlock()
	if c.framer == nil {
		return 0
	}
	return c.framer.Buffered()
}

// deliver runs DataIn for the records in the inbox until it is empty, the
// connection is paused or Disconnect is called.
func (c *Conn) deliver() {
	h := c.s.ev.OnDataIn
	for {
		c.mu.Lock()
		c.dataQueued = false
		if c.paused || c.stopData {
			c.mu.Unlock()
			return
		}
		chunk := c.inbox
		c.inbox = nil
		c.setReadPausedLocked(false)
		c.mu.Unlock()

		c.fmu.Lock()
		if c.framer == nil { // the default settings: the data as it came
			c.fmu.Unlock()
			if len(chunk) > 0 && h != nil {
				c.call("OnDataIn", func() { h(c, chunk, true) })
			}
			c.mu.Lock()
			putInbox(chunk) // delivered whole
			more := len(c.inbox) > 0
			c.mu.Unlock()
			if !more {
				return
			}
			continue
		}
		if len(chunk) > 0 {
			c.framer.Feed(chunk)
		}
		drained := true
		for {
			rec, eol, ok := c.framer.Next()
			if !ok {
				break
			}
			c.fmu.Unlock()
			if h != nil {
				c.call("OnDataIn", func() { h(c, rec, eol) })
			}
			c.mu.Lock()
			stop := c.paused || c.stopData
			c.mu.Unlock()
			c.fmu.Lock()
			if stop {
				drained = false
				break
			}
		}
		c.fmu.Unlock()

		c.mu.Lock()
		if drained {
			putInbox(chunk) // the framer no longer refers to it
		}
		more := len(c.inbox) > 0 && drained
		c.mu.Unlock()
		if !more {
			return
		}
	}
}

// inboxChunk is the size of the pooled inbox buffers. An idle connection
// holds none: the inbox goes back to the pool once delivered.
const inboxChunk = 4 << 10

var inboxPool = sync.Pool{New: func() any { return new([inboxChunk]byte) }}

// putInbox returns b to the pool if it came from there (grown buffers are
// left to the collector).
func putInbox(b []byte) {
	if cap(b) == inboxChunk {
		inboxPool.Put((*[inboxChunk]byte)(b[:inboxChunk]))
	}
}

// flushFramer delivers the partial record left at end of stream, with
// eol=false, so no received byte is lost.
func (c *Conn) flushFramer() {
	c.mu.Lock()
	stop := c.stopData || c.paused
	c.mu.Unlock()
	if stop {
		return
	}
	c.fmu.Lock()
	var rest []byte
	if c.framer != nil {
		rest = c.framer.Flush()
	}
	if len(rest) > 0 {
		rest = append([]byte(nil), rest...)
	}
	c.fmu.Unlock()
	if h := c.s.ev.OnDataIn; len(rest) > 0 && h != nil {
		c.call("OnDataIn", func() { h(c, rest, false) })
	}
}
