package socket

import (
	"sync"
	"time"
)

// deadline is one direction's net.Conn deadline. Blocked calls select on
// the channel wait returns; it is closed when the deadline passes, and a
// new deadline replaces it, so a deadline set while a call is blocked takes
// effect at once.
type deadline struct {
	mu      sync.Mutex
	timer   *time.Timer
	gen     uint64        // counts set calls: a timer of an earlier one must not fire
	expired chan struct{} // closed when the deadline has passed

	afterFunc func(time.Duration, func()) *time.Timer // time.AfterFunc; tests replace it
}

func newDeadline() *deadline {
	return &deadline{expired: make(chan struct{})}
}

// set arms the deadline at t; the zero time disarms it.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.gen++
	if d.timer != nil {
		// Stop may come too late (the callback already waits for mu):
		// the generation check below keeps that callback from firing.
		d.timer.Stop()
		d.timer = nil
	}
	if isClosed(d.expired) {
		d.expired = make(chan struct{})
	}
	if t.IsZero() {
		return
	}
	wait := time.Until(t)
	if wait <= 0 {
		close(d.expired)
		return
	}
	ch, gen := d.expired, d.gen
	after := d.afterFunc
	if after == nil {
		after = time.AfterFunc
	}
	d.timer = after(wait, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.gen == gen && d.expired == ch && !isClosed(ch) {
			close(ch)
		}
	})
}

// wait returns the channel that is closed when the current deadline passes.
func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.expired
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
