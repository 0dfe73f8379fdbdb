package epoll

import (
	"io"
	"os"

	"golang.org/x/sys/unix"

	"github.com/tlskit/tlskit/internal/engine"
)

// handleEvents handles one epoll event of the connection (on the loop).
func (c *conn) handleEvents(ev uint32) {
	if ev&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) != 0 {
		c.flush(true)
	}
	if ev&(unix.EPOLLIN|unix.EPOLLERR|unix.EPOLLHUP) != 0 {
		c.readable()
	}
}

// readable reads once from the socket into the loop's buffer and hands
// the bytes on: to OnData, or to crypto/tls.
func (c *conn) readable() {
	c.mu.Lock()
	if c.fd < 0 || c.phase == phaseFinished || c.events&unix.EPOLLIN == 0 {
		// Not reading (paused, or the peer is done): an error or hang-up
		// waits until reading resumes; a pending flush has seen it.
		c.mu.Unlock()
		return
	}
	if c.phase == phaseProxy {
		c.mu.Unlock()
		c.readProxy()
		return
	}
	fd, size := c.fd, int(c.readSize)
	discard := c.closingLocked() && c.byUs
	isTLS := c.tc != nil
	var lead []byte
	if c.px != nil && c.px.lead != nil {
		lead, c.px.lead = c.px.lead, nil
	}
	c.mu.Unlock()

	buf := c.l.rbuf[:size]
	var n int
	var err error
	if lead != nil { // what came after the PROXY header: read before
		buf, n = lead, len(lead)
	} else {
		n, err = unix.Read(fd, buf)
		for err == unix.EINTR {
			n, err = unix.Read(fd, buf)
		}
	}
	if err == unix.EAGAIN {
		return
	}
	var rerr error
	switch {
	case err != nil:
		n = 0
		rerr = c.opError("read", os.NewSyscallError("read", err))
	case n == 0:
		rerr = io.EOF
	default:
		c.touch()
	}
	if c.sniff {
		c.sniff = false
		if err := engine.ProxySniff(buf[:n]); err != nil {
			c.end(err, true)
			return
		}
	}
	if !isTLS {
		if rerr != nil {
			c.readEnded(rerr)
		} else if !discard {
			c.h.OnData(buf[:n])
		}
		return
	}

	c.mu.Lock()
	if rerr != nil {
		c.t.inErr = rerr
		c.rdDone = true
		c.updateInterestLocked()
	} else {
		c.t.in.push(buf[:n])
		if c.hs == hsRunning && c.t.in.len() >= hsInLimit {
			c.updateInterestLocked()
		}
	}
	c.wakeReaderLocked()
	startHS := c.hs == hsWaiting && n > 0
	if startHS {
		c.hs = hsRunning
	}
	hs := c.hs
	c.mu.Unlock()
	switch {
	case startHS:
		go c.handshake() // the handshake deadline stays armed
	case hs == hsWaiting: // the peer left before sending a byte
		c.end(rerr, false)
	case hs == hsDone:
		c.drainTLS()
	}
}

// drainTLS reads from crypto/tls what the bytes received so far make
// available and delivers it (on the loop), until crypto/tls needs more
// bytes, reading is paused or the stream ends.
func (c *conn) drainTLS() {
	for {
		c.mu.Lock()
		stop := c.phase == phaseFinished || !c.openLocked() || (c.paused && !c.closingLocked())
		discard := c.closingLocked() && c.byUs
		c.mu.Unlock()
		if stop {
			return
		}
		n, err := c.tc.Read(c.l.pbuf)
		if n > 0 && !discard {
			c.h.OnData(c.l.pbuf[:n])
		}
		if err == errNoData {
			return
		}
		if err != nil {
			c.readEnded(err)
			return
		}
	}
}

// readEnded handles the end of the peer's stream (on the loop): an orderly
// end starts or completes a graceful close, an error ends the connection.
func (c *conn) readEnded(err error) {
	c.mu.Lock()
	c.rdDone = true
	c.updateInterestLocked()
	wasClosing := c.closingLocked()
	pc, answers := c.h.(engine.PeerCloseHandler)
	answers = answers && isEOF(err) && !wasClosing
	if isEOF(err) && !answers && !wasClosing {
		c.setPhaseLocked(phaseOpen, phaseClosing)
	}
	c.mu.Unlock()
	if !isEOF(err) {
		c.end(err, false)
		return
	}
	if answers {
		// The handler answers what arrived before the EOF and then calls
		// Close or Reset, which finish the connection as usual.
		pc.OnPeerClose()
		return
	}
	if !wasClosing {
		c.armKill(c.linger, killLinger)
	}
	c.progressClose()
}

func isEOF(err error) bool { return err == io.EOF }
