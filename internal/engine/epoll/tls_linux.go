package epoll

import (
	"crypto/tls"
	"net"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
)

const (
	// hsInLimit bounds the bytes buffered for the handshake goroutine;
	// beyond it the loop stops reading until the handshake catches up.
	hsInLimit = 64 << 10
	// tlsBatch is the most plaintext one flush step encrypts.
	tlsBatch = 4 * chunkSize
)

// wouldBlock is what the in-memory conn's Read returns after the handshake
// when no byte is buffered: a temporary net.Error, which crypto/tls hands
// back without marking the connection broken (it keeps a partial record
// and resumes it on the next Read).
type wouldBlock struct{}

func (wouldBlock) Error() string   { return "epoll: no received bytes buffered" }
func (wouldBlock) Timeout() bool   { return true }
func (wouldBlock) Temporary() bool { return true }

var errNoData net.Error = wouldBlock{}

// memConn is the net.Conn under a connection's tls.Conn. Reads take what
// the loop received; writes append to the wire queue and never block.
type memConn struct {
	c *conn
}

func (m *memConn) Read(p []byte) (int, error)       { return m.c.memRead(p) }
func (m *memConn) Write(p []byte) (int, error)      { return m.c.wireAppend(p) }
func (m *memConn) Close() error                     { return nil }
func (m *memConn) LocalAddr() net.Addr              { return net.TCPAddrFromAddrPort(m.c.local) }
func (m *memConn) RemoteAddr() net.Addr             { return net.TCPAddrFromAddrPort(m.c.remote) }
func (m *memConn) SetDeadline(time.Time) error      { return nil }
func (m *memConn) SetReadDeadline(time.Time) error  { return nil }
func (m *memConn) SetWriteDeadline(time.Time) error { return nil }

// memRead serves crypto/tls's reads. During the handshake it waits for
// bytes (the loop's handshake deadline ends the wait with inErr);
// afterwards it returns errNoData at once when none are buffered.
func (c *conn) memRead(p []byte) (int, error) {
	for {
		c.mu.Lock()
		if c.t.in.len() > 0 {
			full := c.t.in.len() >= hsInLimit
			n := c.t.in.read(p)
			if full && c.t.in.len() < hsInLimit {
				c.updateInterestLocked()
			}
			c.mu.Unlock()
			return n, nil
		}
		if err := c.t.inErr; err != nil {
			c.mu.Unlock()
			return 0, err
		}
		if !c.t.blocking {
			c.mu.Unlock()
			return 0, errNoData
		}
		wake := c.t.inWake
		c.mu.Unlock()
		<-wake
	}
}

// wakeReaderLocked tells a waiting handshake goroutine that something
// changed; c.mu is held.
func (c *conn) wakeReaderLocked() {
	if c.t == nil || c.t.inWake == nil {
		return
	}
	select {
	case c.t.inWake <- struct{}{}:
	default:
	}
}

// wireAppend queues bytes crypto/tls wrote and, unless a flush is running,
// writes what the socket takes now.
func (c *conn) wireAppend(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.werr != nil {
		return 0, c.werr
	}
	if c.fd < 0 {
		return 0, net.ErrClosed
	}
	c.wire.push(p)
	if !c.flushing {
		c.writeWireLocked()
		c.updateInterestLocked()
	}
	return len(p), nil
}

// handshake is the short-lived goroutine that runs the TLS handshake over
// the in-memory conn, started when the first bytes arrive.
func (c *conn) handshake() {
	start := time.Now() // the goroutine starts with the first bytes
	err := c.tc.Handshake()
	d := time.Since(start)
	var st tls.ConnectionState
	if err == nil {
		st = c.tc.ConnectionState()
	}
	c.l.post(func() { c.handshakeDone(err, st, d) })
}

// handshakeDone takes over from the handshake goroutine (on the loop); d
// is how long the handshake took.
func (c *conn) handshakeDone(err error, st tls.ConnectionState, d time.Duration) {
	c.mu.Lock()
	c.hs = hsDone
	c.t.blocking = false
	c.t.inWake = nil // the handshake goroutine has returned: nothing waits any more
	// An end that came while the goroutine ran waits in phaseEnding.
	pending := c.phase == phaseEnding
	if err == nil && !pending {
		c.t.state = &st // the connection is open
	}
	c.mu.Unlock()
	c.l.mu.Lock()
	if c.killT != nil && c.killT.act == killHandshake {
		c.l.stopTimerLocked(c.killT)
	}
	c.l.mu.Unlock()
	if hh, ok := c.h.(engine.HandshakeHandler); ok {
		hh.OnHandshake(d, err)
	}
	c.h.OnOpen(err)
	if pending {
		c.mu.Lock()
		endErr := c.t.endErr
		if endErr == nil {
			endErr = err
		}
		c.finish(endErr)
		return
	}
	if err != nil {
		c.end(err, false)
		return
	}
	c.touch()
	c.flush(true)
	c.mu.Lock()
	c.updateInterestLocked()
	c.mu.Unlock()
	c.drainTLS()
}
