package epoll

import (
	"time"

	"github.com/tlskit/tlskit/internal/engine"

	"golang.org/x/sys/unix"
)

// Close closes the connection gracefully (see engine.Conn). A second
// Close, or one after Reset or the peer's close, does nothing more.
func (c *conn) Close(linger time.Duration) {
	c.mu.Lock()
	if c.closingLocked() {
		c.mu.Unlock()
		return
	}
	c.byUs = true
	if c.phase == phaseNew {
		c.dropUnstarted(false)
		return
	}
	c.setPhaseLocked(c.phase, phaseClosing) // from started or open
	c.updateInterestLocked()                // read, discarding, even when paused
	c.mu.Unlock()
	c.l.post(func() {
		if linger > 0 {
			c.armKill(linger, killLinger)
		}
		c.progressClose()
	})
}

// Reset closes the connection at once with a RST (see engine.Conn); it
// overtakes a graceful close in progress.
func (c *conn) Reset() {
	c.mu.Lock()
	if c.reset || c.phase >= phaseEnding {
		c.mu.Unlock()
		return
	}
	c.reset = true
	c.byUs = true
	c.wire.reset()
	c.t.resetPlain()
	if c.phase == phaseNew {
		c.dropUnstarted(true)
		return
	}
	if !c.closingLocked() {
		c.setPhaseLocked(c.phase, phaseClosing) // from started or open
	}
	c.mu.Unlock()
	c.l.post(func() { c.end(nil, true) })
}

// dropUnstarted closes a connection that was never started: no callback
// follows. c.mu is held and released.
func (c *conn) dropUnstarted(rst bool) {
	c.setPhaseLocked(phaseNew, phaseFinished)
	c.closeFDLocked(rst)
	c.mu.Unlock()
	c.l.e.release()
}

// progressClose takes a graceful close one step further (on the loop):
// flush, close_notify (phaseNotified), FIN (phaseDraining), then wait for
// the peer's close.
func (c *conn) progressClose() {
	c.mu.Lock()
	if c.phase >= phaseEnding || c.fd < 0 {
		c.mu.Unlock()
		return
	}
	if c.hs == hsWaiting || c.hs == hsRunning || c.werr != nil {
		// Nothing can be flushed before the handshake ends.
		err := c.werr
		c.mu.Unlock()
		c.end(err, false)
		return
	}
	if c.tc != nil && c.openLocked() && c.phase == phaseClosing {
		if c.t.plain.len() > 0 || c.t.batch > 0 || c.flushing {
			c.mu.Unlock()
			return // the flush comes back here
		}
		c.setPhaseLocked(phaseClosing, phaseNotified)
		c.flushing = true
		c.mu.Unlock()
		_ = c.tc.CloseWrite()
		c.mu.Lock()
		c.flushing = false
	}
	if c.wire.len() > 0 {
		c.writeWireLocked()
		if c.wire.len() > 0 && c.werr == nil {
			c.updateInterestLocked() // EPOLLOUT brings the flush back here
			c.mu.Unlock()
			return
		}
	}
	if c.werr != nil {
		err := c.werr
		c.mu.Unlock()
		c.end(err, false)
		return
	}
	if c.phase != phaseDraining {
		_ = unix.Shutdown(c.fd, unix.SHUT_WR)
		c.setPhaseLocked(c.phase, phaseDraining) // from closing or notified
	}
	rd := c.rdDone
	c.updateInterestLocked()
	c.mu.Unlock()
	if rd {
		c.end(nil, false)
		return
	}
	c.armKill(peerCloseWait, killPeerWait)
}

// closeFDLocked closes the socket: with a reset, or after a last attempt to
// write what is queued (a TLS alert).
func (c *conn) closeFDLocked(rst bool) {
	if c.fd < 0 {
		return
	}
	if c.begun {
		if c.inEpoll {
			_ = unix.EpollCtl(c.l.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
			c.inEpoll = false
		}
		c.l.setConn(c.fd, nil)
	}
	if rst {
		_ = unix.SetsockoptLinger(c.fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	} else if c.wire.len() > 0 {
		c.writeWireLocked()
	}
	unix.Close(c.fd)
	c.fd = -1
}

// end is the one way a started connection ends (on the loop): the socket
// is closed at once, then finish makes the last callbacks, at once or,
// while the handshake goroutine runs (phaseEnding), when it has returned.
// Only the first call does anything.
func (c *conn) end(err error, rst bool) {
	c.mu.Lock()
	if c.phase >= phaseEnding {
		c.mu.Unlock()
		return
	}
	if c.t != nil {
		c.t.endErr = err // the cause reported after the handshake goroutine
	}
	c.closeFDLocked(rst || c.reset)
	if c.hs == hsRunning {
		c.setPhaseLocked(c.phase, phaseEnding)
		if c.t.inErr == nil {
			c.t.inErr = c.closedError()
		}
		c.wakeReaderLocked()
		c.mu.Unlock()
		return // handshakeDone calls finish
	}
	c.finish(err)
}

// finish makes the last callbacks of a started connection and releases its
// loop (on the loop); c.mu is held and released. The move to phaseFinished
// makes it run once: a second is refused.
func (c *conn) finish(err error) {
	if !c.setPhaseLocked(c.phase, phaseFinished) {
		c.mu.Unlock()
		return
	}
	waiting := c.hs == hsWaiting
	c.hs = hsDone
	local := c.byUs
	c.wire.reset()
	c.t.reset()
	c.mu.Unlock()

	c.l.mu.Lock()
	c.l.stopTimerLocked(&c.idleT)
	c.l.stopTimerLocked(c.killT)
	c.l.mu.Unlock()
	if waiting {
		hsErr := err
		if hsErr == nil {
			hsErr = c.closedError()
		}
		c.h.OnOpen(hsErr)
	}
	if local || isEOF(err) {
		err = nil
	}
	c.h.OnClose(err)
	c.l.e.release()
}

// armKill sets the connection's deadline d from now, unless an earlier one
// is set (a handshake deadline is always replaced). On the loop.
func (c *conn) armKill(d time.Duration, act killAction) {
	when := mono() + int64(d)
	c.l.mu.Lock()
	if c.killT == nil {
		c.killT = &timer{idx: -1, kind: timerKill, c: c}
	}
	t := c.killT
	if t.idx < 0 || when < t.when || t.act == killHandshake {
		t.act = act
		c.l.setTimerLocked(t, when)
	}
	c.l.mu.Unlock()
}

func (c *conn) killFired(act killAction) {
	switch act {
	case killHandshake:
		// The deadline of the whole handshake, armed by begin: whether
		// the first byte has come or the handshake goroutine waits for
		// the rest, it fails with a timeout.
		c.mu.Lock()
		in := c.hs == hsWaiting || c.hs == hsRunning
		if in && c.t.inErr == nil {
			c.t.inErr = c.timeoutError() // what the handshake goroutine's read returns
		}
		c.mu.Unlock()
		if in {
			c.end(c.timeoutError(), false)
		}
	case killLinger:
		c.end(nil, true)
	case killPeerWait:
		c.end(nil, false)
	case killProxy:
		c.proxyFail(engine.ProxyFailed(engine.ErrProxyTimeout))
	}
}
