package socket

import (
	"testing"
	"time"
)

// A deadline's timer whose callback was already running when a later set
// disarmed the deadline (Stop came too late) must not expire it: the
// stale callback is run by hand after set(zero).
func TestDeadlineStaleTimer(t *testing.T) {
	t.Parallel()
	d := newDeadline()
	var fire func()
	d.afterFunc = func(_ time.Duration, f func()) *time.Timer {
		fire = f
		return time.AfterFunc(time.Hour, func() {})
	}
	d.set(time.Now().Add(time.Millisecond))
	d.set(time.Time{}) // disarmed; the first timer's callback is already on its way
	fire()
	select {
	case <-d.wait():
		t.Fatal("a disarmed deadline expired from an earlier timer")
	default:
	}
	// The current timer still fires.
	d.set(time.Now().Add(time.Millisecond))
	fire()
	select {
	case <-d.wait():
	default:
		t.Fatal("the current deadline did not expire")
	}
}
