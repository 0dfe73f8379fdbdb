package ws

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/tlskit/tlskit/internal/wsproto"
)

// Close starts the close handshake with code and reason (at most 123 bytes;
// CloseNoStatus: no body), refusing codes that may not be sent. TCP closes
// when the peer answers, after CloseTimeout, or once our Close is written
// with NoWaitForCloseResponse; OnDisconnected follows.
func (c *Conn) Close(code CloseCode, reason string) error {
	payload, err := wsproto.AppendClosePayload(nil, code, reason)
	if err != nil {
		return err
	}
	c.mu.Lock()
	if !c.openLocked() {
		c.mu.Unlock()
		return ErrNotConnected
	}
	c.setPhaseLocked(phaseOpen, phaseClosing)
	c.setCloseLocked(code, reason)
	frame, _ := c.enc.AppendControl(nil, wsproto.OpClose, payload) // payload checked above
	err = c.pushLocked(frame)
	wait := !c.opts.NoWaitForCloseResponse
	if wait {
		c.startCloseTimerLocked()
	}
	c.mu.Unlock()
	c.logf(LogVerbose, "Verbose", "sent close %v %q", code, reason)
	if err != nil || !wait {
		c.closeWhenFlushed()
	}
	return err
}

// idleCloseReason is the reason of the Close frame an idle timeout sends.
const idleCloseReason = "idle timeout"

// idleTimeout closes the connection after its idle timeout: a Close frame
// with 1001 (going away) and the reason, then the close handshake as for
// Close. It fails with ErrNotConnected when the connection is not open.
func (c *Conn) idleTimeout() error {
	c.logf(LogVerbose, "Verbose", "closing an idle connection")
	return c.Close(CloseGoingAway, idleCloseReason)
}

// closeLocked starts the close handshake of an open connection with a
// code and reason known to be valid, as Close does; c.mu is held. When it
// reports false, the caller calls closeWhenFlushed once c.mu is released.
func (c *Conn) closeLocked(code CloseCode, reason string) (wait bool) {
	c.setPhaseLocked(phaseOpen, phaseClosing)
	c.setCloseLocked(code, reason)
	frame, _ := c.enc.AppendClose(nil, code, reason)
	err := c.pushLocked(frame)
	wait = !c.opts.NoWaitForCloseResponse && err == nil
	if wait {
		c.startCloseTimerLocked()
	}
	return wait
}

func (c *Conn) startCloseTimerLocked() {
	x := c.extraLocked()
	if x.closeTimer != nil {
		return
	}
	x.closeTimer = time.AfterFunc(c.opts.closeTimeout(), func() {
		c.mu.Lock()
		if x.closeErr == nil && !c.peerClosed {
			x.closeErr = fmt.Errorf("%w: no close response within %v", ErrTimedOut, c.opts.closeTimeout())
		}
		c.mu.Unlock()
		c.tr.Reset()
	})
}

// peerClose handles a received Close frame: the answer to ours, or the
// peer's start of the handshake, which we answer by echoing its code.
func (c *Conn) peerClose(code CloseCode, reason string) {
	c.mu.Lock()
	c.peerClosed = true
	c.setCloseLocked(code, reason)
	if c.openLocked() {
		c.setPhaseLocked(phaseOpen, phaseClosing)
		echo := code
		if !echo.ValidOnWire() {
			echo = CloseNoStatus
		}
		frame, _ := c.enc.AppendClose(nil, echo, "")
		_ = c.pushLocked(frame)
	}
	// RFC 6455 §7.1.1: the server closes TCP first; a client waits for it,
	// and either side stops waiting after CloseTimeout.
	client := c.role == wsproto.RoleClient
	c.startCloseTimerLocked()
	c.mu.Unlock()
	if !client {
		c.closeWhenFlushed()
	}
}

// fail closes the connection after a violation (RFC 6455 §7.1.7): a Close
// frame with the error's code, then TCP, without waiting for an answer.
func (c *Conn) fail(err error) {
	code := wsproto.CloseCodeOf(err)
	c.mu.Lock()
	x := c.extraLocked()
	if x.closeErr == nil {
		x.closeErr = err
	}
	open := c.openLocked()
	if open {
		c.setPhaseLocked(phaseOpen, phaseClosing)
		c.closeCode, x.closeReason = code, closeReasonOf(err)
		if frame, ferr := c.enc.AppendClose(nil, code, x.closeReason); ferr == nil {
			_ = c.pushLocked(frame)
		}
	}
	c.startCloseTimerLocked()
	c.mu.Unlock()
	if open {
		if o := c.opts.obs; o != nil {
			o.ProtocolError(code)
		}
		c.reportError(err)
	}
	c.closeWhenFlushed()
}

// closeReasonOf makes a close reason from err: its message cut to fit a
// control frame on a character boundary.
func closeReasonOf(err error) string {
	var pe *wsproto.ProtocolError
	msg := err.Error()
	if errors.As(err, &pe) {
		msg = pe.Msg
	}
	for len(msg) > wsproto.MaxCloseReason {
		_, size := utf8.DecodeLastRuneInString(msg)
		msg = msg[:len(msg)-size]
	}
	return msg
}

// transportClosed is the transport's last call: the TCP connection is gone.
// It fires OnDisconnected once, for connections that were opened.
func (c *Conn) transportClosed(err error) {
	c.mu.Lock()
	if c.phase >= phaseClosed {
		c.mu.Unlock()
		return
	}
	// Only an opened connection got OnConnected: one closed in its
	// handshake, or refused, gets no OnDisconnected either.
	wasOpen := c.phase == phaseOpen || c.phase == phaseClosing
	c.setPhaseLocked(c.phase, phaseClosed)
	if c.x != nil && c.x.closeTimer != nil {
		c.x.closeTimer.Stop()
	}
	if !c.peerClosed && c.closeErrLocked() == nil && err != nil && c.closeCode == CloseAbnormal {
		c.extraLocked().closeErr = err
	}
	code, reason := c.closeCode, c.closeReasonLocked()
	status := &CloseError{Code: code, Reason: reason, Err: c.closeErrLocked()}
	if c.neg != nil && c.neg.comp != nil {
		c.neg.comp.Close()
		c.neg.comp = nil
	}
	c.pending = nil
	c.rd = nil
	c.mu.Unlock()
	if c.hub != nil {
		c.hub.remove(c)
	}
	if wasOpen {
		c.logf(LogInfo, "Info", "disconnected: %v %s", code, reason)
		if h := c.events.OnDisconnected; h != nil {
			c.call("OnDisconnected", func() { h(c, status) })
		}
	}
	c.mu.Lock()
	c.setPhaseLocked(phaseClosed, phaseGone)
	if c.x != nil && c.x.goneCh != nil {
		close(c.x.goneCh)
	}
	c.mu.Unlock()
}
