package epoll

import (
	"io"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tlskit/tlskit/internal/engine"
)

// proxyWait is a trusted sender's connection's PROXY header: read in
// phaseProxy, before the Acceptor has the connection, by the loop the
// connection is registered with. Guarded by the loop until Accept, then
// constant but for lead (under c.mu).
type proxyWait struct {
	gate     *engine.ProxyGate
	r        engine.ProxyReader // the header so far; released once parsed
	accepted time.Time
	info     *engine.ProxyInfo // the header, once read
	lead     []byte            // the bytes after the header, for Start's first read
}

// ProxyInfo says what the connection's PROXY header said; nil for one
// that was read none.
func (c *conn) ProxyInfo() *engine.ProxyInfo {
	if c.px == nil {
		return nil
	}
	return c.px.info
}

var _ engine.ProxyConn = (*conn)(nil)

// beginProxy registers a trusted sender's connection with its loop to
// read its header (on the loop), with the deadline of Proxy.Timeout.
func (c *conn) beginProxy() {
	c.mu.Lock()
	open := c.fd >= 0 // else aborted already
	if open {
		c.registerLocked()
	}
	c.mu.Unlock()
	if d := c.px.gate.Cfg.Timeout; open && d > 0 {
		c.armKill(max(d-time.Since(c.px.accepted), 0), killProxy)
	}
}

// readProxy reads what the header needs, no more (on the loop), and once
// it is whole hands the connection to the Acceptor or resets it.
func (c *conn) readProxy() {
	buf := c.l.rbuf[:c.px.r.Room()]
	n, err := unix.Read(c.fd, buf)
	for err == unix.EINTR {
		n, err = unix.Read(c.fd, buf)
	}
	switch {
	case err == unix.EAGAIN:
		return
	case err != nil:
		c.proxyFail(engine.ProxyFailed(os.NewSyscallError("read", err)))
		return
	case n == 0:
		c.proxyFail(engine.ProxyFailed(io.ErrUnexpectedEOF))
		return
	}
	info, rest, done, err := c.px.r.Feed(buf[:n], c.px.gate.Cfg, c.remote, c.px.accepted)
	if !done {
		return
	}
	if err != nil {
		c.proxyFail(err)
		return
	}
	c.l.mu.Lock()
	c.l.stopTimerLocked(c.killT)
	c.l.mu.Unlock()
	c.mu.Lock()
	c.setPhaseLocked(phaseProxy, phaseNew)
	c.unregisterLocked()
	c.remote = info.Remote()
	c.px.info, c.px.lead = info, rest
	c.mu.Unlock()
	if !c.px.gate.Accept(c, c) {
		c.Reset() // the listener is closed
	}
}

// unregisterLocked takes the connection out of the loop until Start's
// begin registers it again: nothing is read meanwhile, and Close or Reset
// before Start may close it from any goroutine. c.mu is held; on the loop.
func (c *conn) unregisterLocked() {
	if c.inEpoll {
		_ = unix.EpollCtl(c.l.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
		c.inEpoll = false
	}
	c.events = 0
	c.l.setConn(c.fd, nil)
	c.begun = false
}

// proxyFail resets a connection whose header failed (on the loop) and
// tells the gate; the Acceptor never had it. Once only.
func (c *conn) proxyFail(err error) {
	c.mu.Lock()
	if c.phase != phaseProxy {
		c.mu.Unlock()
		return
	}
	c.setPhaseLocked(phaseProxy, phaseFinished)
	c.closeFDLocked(true)
	c.mu.Unlock()
	c.px.r = engine.ProxyReader{}
	c.l.mu.Lock()
	c.l.stopTimerLocked(c.killT)
	c.l.mu.Unlock()
	c.px.gate.Refuse(c, c.remote, err)
	c.l.e.release()
}

// acceptProxied takes an accepted socket on a Proxy listener (on the
// listener's loop): a trusted sender's goes to its loop to read its
// header, another is accepted at once with its first read checked.
func (ln *listener) acceptProxied(c *conn) {
	if !ln.gate.Cfg.Trusted(c.remote.Addr()) {
		c.sniff = true
		ln.a.Accept(c)
		return
	}
	c.phase = phaseProxy
	c.px = &proxyWait{gate: ln.gate, accepted: time.Now()}
	abort := func() { c.l.post(func() { c.proxyFail(engine.ProxyFailed(net.ErrClosed)) }) }
	if !ln.gate.Enter(c, abort) {
		c.mu.Lock()
		c.setPhaseLocked(phaseProxy, phaseFinished)
		c.closeFDLocked(true)
		c.mu.Unlock()
		ln.gate.Refuse(c, c.remote, engine.ProxyFailed(engine.ErrProxyPending))
		c.l.e.release()
		return
	}
	c.l.post(c.beginProxy)
}
