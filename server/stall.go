package server

import (
	"sync"
	"time"
)

// stallWatch resets a connection whose queued data does not move for
// StallTimeout. It is made the first time a Send leaves data queued, and
// its timer runs only while data is queued; it checks a few times per
// period whether the bytes written to the socket (taken by the engine
// minus still queued) grew.
type stallWatch struct {
	mu       sync.Mutex
	timer    *time.Timer
	accepted int64     // bytes the engine took from Send since the watch was made
	written  int64     // accepted minus queued at the last check
	progress time.Time // when written last grew (or the watch was armed)
	armed    bool
	stopped  bool // the connection closed
}

// stallChecks is how many times per StallTimeout the watch looks: a stall
// is caught between StallTimeout and 1.25 times it.
const stallChecks = 4

// sent records n bytes the engine took, and arms the watch if some are
// still queued.
func (c *Conn) sent(n int) {
	c.countSent(n)
	d := c.fixed.stall
	if d <= 0 {
		return
	}
	w := c.stall.Load()
	if w == nil {
		if c.ec.Queued() == 0 {
			return
		}
		c.stall.CompareAndSwap(nil, &stallWatch{})
		w = c.stall.Load()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.accepted += int64(n)
	if w.armed || w.stopped {
		return
	}
	q := c.ec.Queued()
	if q == 0 {
		return
	}
	w.armed = true
	w.written = w.accepted - int64(q)
	w.progress = time.Now()
	if w.timer == nil {
		w.timer = time.AfterFunc(d/stallChecks, c.checkStall)
	} else {
		w.timer.Reset(d / stallChecks)
	}
}

// checkStall runs from the watch's timer.
func (c *Conn) checkStall() {
	d := c.fixed.stall
	w := c.stall.Load()
	w.mu.Lock()
	if w.stopped || !w.armed {
		w.mu.Unlock()
		return
	}
	queued := int64(c.ec.Queued())
	if queued == 0 {
		w.armed = false // all written: the next Send that leaves data queued arms it again
		w.mu.Unlock()
		return
	}
	now := time.Now()
	if written := w.accepted - queued; written != w.written {
		w.written, w.progress = written, now
	}
	if now.Sub(w.progress) < d {
		w.timer.Reset(d / stallChecks)
		w.mu.Unlock()
		return
	}
	w.armed = false
	w.mu.Unlock()
	if l := c.s.log; l != nil {
		l.Warn("resetting a connection that does not read", append(c.logAttrs(), "queued", queued, "stalled", d)...)
	}
	c.closeWith(opError("send", c.id, ErrTimedOut, errStalled), true)
}

// stop ends the watch when the connection closes.
func (w *stallWatch) stop() {
	w.mu.Lock()
	w.stopped = true
	if w.timer != nil {
		w.timer.Stop()
	}
	w.mu.Unlock()
}
