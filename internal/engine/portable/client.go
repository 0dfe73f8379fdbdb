package portable

import (
	"errors"
	"net"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
)

// A ClientConn is a connection of this engine, accepted or adopted, with
// what the owner of a connection beyond the engine contract needs (the
// socket package's Xojo and ECMA-419 surface): byte-exact buffer bounds,
// aborting a send, and taking the connection back for a STARTTLS upgrade.
type ClientConn interface {
	engine.Conn
	// LimitWrite bounds each write to the socket (or to crypto/tls) to n
	// bytes, so that a SentHandler hears of a long queue in steps and
	// DiscardQueued finds most of it untaken; n <= 0 writes whatever is
	// queued at once (the default).
	LimitWrite(n int)
	// KeepBuffers makes the writer keep its buffers between bursts (by
	// default a buffer over 4 KiB is dropped whenever the queue empties,
	// for the many idle connections of a server), for a connection that
	// streams.
	KeepBuffers()
	// LimitRead bounds each read that begins afterwards to n bytes, for
	// a handler that holds at most so many; n <= 0 reads
	// StartOptions.ReadSize (the default). A read under way keeps its
	// size.
	LimitRead(n int)
	// DiscardQueued drops the queued bytes that no write has taken yet
	// and returns their count; the write under way (Queued after it)
	// goes on.
	DiscardQueued() int
	// Release stops the connection without closing it and returns what
	// Adopt was given (the *net.TCPConn when accepted), to be used
	// otherwise (a TLS handshake over it, say): the reader stops, woken
	// by a read deadline in the past (bytes it got meanwhile are delivered
	// by OnData before Release returns, and the deadline is cleared), the
	// writer ends once what was queued is written, Write then fails with
	// net.ErrClosed, and the Handler gets no other callback (no OnClose).
	// When the connection ended meanwhile, or was not started, Release
	// returns net.ErrClosed and the connection ends as it would have.
	Release() (net.Conn, error)
}

// A SentHandler is a Handler told of every write of the connection's
// queue: OnSent(n) follows each write that handed n queued bytes to the
// socket (or to crypto/tls), from the writer goroutine, before the
// OnWritable it makes due. Queued no longer counts those bytes.
type SentHandler interface {
	engine.Handler
	OnSent(n int)
}

var _ ClientConn = (*conn)(nil)

func (c *conn) LimitWrite(n int) {
	c.mu.Lock()
	c.writeSize = max(n, 0)
	c.mu.Unlock()
}

func (c *conn) KeepBuffers() {
	c.mu.Lock()
	c.keepBuffers = true
	c.mu.Unlock()
}

func (c *conn) LimitRead(n int) {
	c.mu.Lock()
	c.readSize = max(n, 0)
	c.mu.Unlock()
}

func (c *conn) DiscardQueued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.queuedLocked() - c.inflight - int(c.fileLeft)
	c.pending = nil
	c.batch = c.batch[:c.boff+c.inflight]
	return n
}

// errReleasing refuses a second Release while one waits.
var errReleasing = errors.New("portable: Release already under way")

func (c *conn) Release() (net.Conn, error) {
	c.mu.Lock()
	switch {
	case !c.started || c.closing || c.werr != nil:
		c.mu.Unlock()
		return nil, net.ErrClosed
	case c.releasing:
		c.mu.Unlock()
		return nil, errReleasing
	}
	c.releasing = true
	c.cond.Broadcast() // a paused reader
	c.mu.Unlock()

	_ = c.sock.SetReadDeadline(time.Unix(1, 0))
	c.mu.Lock()
	for !c.readDone {
		c.cond.Wait()
	}
	c.mu.Unlock()
	_ = c.sock.SetReadDeadline(time.Time{})

	c.mu.Lock()
	if !c.released { // the reader ended for a cause of its own: finish runs
		c.mu.Unlock()
		return nil, net.ErrClosed
	}
	c.closing = true // Write refuses; Close and Reset do nothing
	for c.writing {
		c.cond.Wait()
	}
	if c.idleTimer != nil {
		c.idleTimer.Stop()
	}
	rw := c.rw
	c.mu.Unlock()
	c.cbMu.Lock()
	c.finished = true // no OnIdle
	c.cbMu.Unlock()
	return rw, nil
}
