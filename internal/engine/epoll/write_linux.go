package epoll

import (
	"net"
	"os"

	"github.com/tlskit/tlskit/internal/engine"
	"golang.org/x/sys/unix"
)

func (c *conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.werr != nil {
		err := c.werr
		c.mu.Unlock()
		return 0, err
	}
	if c.closingLocked() || c.fd < 0 {
		c.mu.Unlock()
		return 0, net.ErrClosed
	}
	var n int
	var err error
	if c.tc == nil {
		n, err = c.writePlainLocked(p)
	} else {
		n = min(max(c.limit-c.t.plain.len()-c.t.batch, 0), len(p))
		c.t.plain.push(p[:n])
	}
	short := err == nil && n < len(p)
	if short {
		c.wantW = true
	}
	c.mu.Unlock()
	if c.tc != nil && n > 0 {
		c.flush(false)
	}
	if err != nil {
		return n, err
	}
	if short {
		return n, engine.ErrWouldBlock
	}
	return n, nil
}

// writePlainLocked writes what the kernel takes at once and queues what
// fits of the rest.
func (c *conn) writePlainLocked(p []byte) (int, error) {
	done := 0
	if c.wire.len() == 0 {
		for done < len(p) {
			n, err := unix.Write(c.fd, p[done:])
			if n > 0 {
				done += n
			}
			if err == unix.EINTR {
				continue
			}
			if err == unix.EAGAIN {
				break
			}
			if err != nil {
				c.failLocked(err)
				return done, c.werr
			}
		}
		if done > 0 {
			c.touch()
		}
	}
	k := min(max(c.limit-c.wire.len(), 0), len(p)-done)
	c.wire.push(p[done : done+k])
	c.updateInterestLocked()
	return done + k, nil
}

// failLocked records a write error, drops the queues and has the loop end
// the connection.
func (c *conn) failLocked(err error) {
	if c.werr != nil {
		return
	}
	c.werr = c.opError("write", os.NewSyscallError("write", err))
	c.wire.reset()
	c.t.resetPlain()
	c.l.post(c.afterFlush)
}

// writeWireLocked writes the wire queue until it is empty or the kernel
// refuses more.
func (c *conn) writeWireLocked() {
	if c.fd < 0 || c.werr != nil {
		return
	}
	var iov [maxIovecs][]byte
	n, err := c.wire.writeTo(c.fd, iov[:0])
	if n > 0 {
		c.touch()
	}
	if err != nil && err != unix.EAGAIN {
		c.failLocked(err)
	}
}

// flush moves queued bytes to the socket: the wire queue first, then (TLS)
// plaintext encrypted in batches, until everything is written or the
// kernel refuses more. One goroutine flushes at a time; crypto/tls runs
// without c.mu held.
func (c *conn) flush(onLoop bool) {
	c.mu.Lock()
	if c.flushing || c.fd < 0 {
		c.mu.Unlock()
		return
	}
	c.flushing = true
	c.fileWait = false // the socket took bytes again: afterFlush owes OnWritable
	for c.werr == nil && c.fd >= 0 {
		if c.wire.len() > 0 {
			c.writeWireLocked()
			if c.wire.len() > 0 || c.werr != nil {
				break
			}
		}
		if c.tc == nil {
			break
		}
		c.t.batch = 0
		if !c.openLocked() || c.phase >= phaseNotified || c.t.plain.len() == 0 {
			break
		}
		chunks, head, n := c.t.plain.detach(tlsBatch, c.t.detached[:0])
		c.t.batch = n
		c.mu.Unlock()
		var err error
		for i, ch := range chunks {
			b := *ch
			if i == 0 {
				b = b[head:]
			}
			if err == nil {
				_, err = c.tc.Write(b)
			}
		}
		c.mu.Lock()
		for i, ch := range chunks {
			c.t.plain.pool.put(ch)
			chunks[i] = nil
		}
		if err != nil && c.werr == nil {
			c.werr = err
			c.wire.reset()
			c.t.plain.reset()
		}
	}
	c.flushing = false
	c.updateInterestLocked()
	after := c.werr != nil || c.closingLocked() || (c.wantW && c.queuedLocked() <= c.limit/2)
	c.mu.Unlock()
	if after {
		if onLoop {
			c.afterFlush()
		} else {
			c.l.post(c.afterFlush)
		}
	}
}

// afterFlush reports what a flush changed (on the loop): a write error ends
// the connection, room owed to a refused Write is reported, a close in
// progress moves on.
func (c *conn) afterFlush() {
	c.mu.Lock()
	if c.phase == phaseFinished || !c.begun {
		c.mu.Unlock()
		return
	}
	werr := c.werr
	notify := werr == nil && c.wantW && !c.closingLocked() && c.hs != hsWaiting && c.hs != hsRunning &&
		c.queuedLocked() <= c.limit/2
	if notify {
		c.wantW = false
	}
	closing := c.closingLocked()
	c.mu.Unlock()
	switch {
	case werr != nil:
		c.end(werr, false)
	case notify:
		c.h.OnWritable()
	case closing:
		c.progressClose()
	}
}

func (c *conn) queuedLocked() int {
	if c.tc == nil {
		return c.wire.len()
	}
	return c.t.plain.len() + c.t.batch
}

func (c *conn) Queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queuedLocked()
}
