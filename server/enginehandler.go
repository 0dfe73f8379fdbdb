package server

import (
	"time"

	"github.com/tlskit/tlskit/internal/engine"
)

// connHandler receives the engine's callbacks for a Conn.
type connHandler Conn

func (h *connHandler) OnOpen(err error) {
	c := (*Conn)(h)
	if err != nil || !c.fixed.upgrade {
		c.s.mu.Lock()
		c.s.endHandshakeLocked(c)
		c.s.mu.Unlock()
	}
	if err != nil {
		e := handshakeError(err, c.id)
		c.mu.Lock()
		if !c.reasonSetLocked() {
			c.closeErr = e
		}
		c.setPhaseLocked(phaseAccepted, phaseFailed)
		c.mu.Unlock()
		c.status("TLS handshake failed: " + err.Error())
		c.s.post(c, event{kind: evError, err: e})
		return
	}
	c.mu.Lock()
	c.setPhaseLocked(phaseAccepted, phaseConnected)
	c.tlsState = c.ec.ConnectionState() // shared with the engine, never changed
	st := c.tlsState
	c.mu.Unlock()
	if st != nil {
		c.status(handshakeSummary(st))
	}
	c.s.post(c, event{kind: evOpen})
}

func (h *connHandler) OnData(p []byte) {
	c := (*Conn)(h)
	if o := c.s.obs; o != nil {
		o.BytesReceived(len(p))
	}
	c.mu.Lock()
	if c.inbox == nil && len(p) <= inboxChunk {
		c.inbox = inboxPool.Get().(*[inboxChunk]byte)[:0]
	}
	c.inbox = append(c.inbox, p...)
	if len(c.inbox) >= c.fixed.inLimit {
		c.setReadPausedLocked(true)
	}
	post := !c.dataQueued
	c.dataQueued = true
	c.mu.Unlock()
	if post {
		c.s.post(c, event{kind: evData})
	}
}

func (h *connHandler) OnWritable() {
	c := (*Conn)(h)
	c.mu.Lock()
	c.writableGen++
	want := c.blocked
	c.blocked = false
	c.mu.Unlock()
	c.signalWritable()
	if want {
		c.s.post(c, event{kind: evReady})
	}
}

func (h *connHandler) OnIdle() {
	c := (*Conn)(h)
	if c.s.ev.OnIdleTimeout != nil {
		c.s.post(c, event{kind: evIdle})
		return
	}
	c.closeWith(opError("idle", c.id, ErrTimedOut, errIdle), false)
}

func (h *connHandler) OnClose(err error) {
	c := (*Conn)(h)
	c.mu.Lock()
	var e *Error // nil: an orderly close
	switch {
	case c.reasonSetLocked():
		e = c.closeErr
	case err != nil:
		e = netError("read", c.id, err)
	}
	c.markGoneLocked()
	c.setPhaseLocked(c.phase, phaseClosed)
	c.mu.Unlock()
	if w := c.stall.Load(); w != nil {
		w.stop()
	}
	c.signalWritable()
	c.s.connClosed(c)
	c.s.post(c, event{kind: evClosed, err: e})
}

// OnPeerClose: the client closed its sending side. The data it sent before
// is delivered (the partial last record too) and the answers DataIn queues
// are sent before the connection is closed.
func (h *connHandler) OnPeerClose() {
	c := (*Conn)(h)
	c.s.post(c, event{kind: evPeerClosed})
}

// OnHandshake tells the Observer how a TLS handshake went.
func (h *connHandler) OnHandshake(d time.Duration, err error) {
	if o := h.s.obs; o != nil {
		if err != nil {
			err = handshakeError(err, h.id)
		}
		o.TLSHandshake(d, err)
	}
}

var (
	_ engine.PeerCloseHandler = (*connHandler)(nil)
	_ engine.HandshakeHandler = (*connHandler)(nil)
)
