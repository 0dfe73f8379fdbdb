package portable

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
)

// ProxyInfo says what the connection's PROXY header said; nil for one
// that was read none.
func (c *conn) ProxyInfo() *engine.ProxyInfo { return c.px }

var _ engine.ProxyConn = (*conn)(nil)

// acceptProxied takes an accepted socket on a Proxy listener: a trusted
// sender's header is read on a goroutine of its own, so the accept loop
// goes on; another connection is accepted at once, its first read checked.
func (l *listener) acceptProxied(tc *net.TCPConn) {
	var remote netip.AddrPort
	if a, ok := tc.RemoteAddr().(*net.TCPAddr); ok {
		remote = unmapPort(a.AddrPort())
	}
	if !l.gate.Cfg.Trusted(remote.Addr()) {
		c := newConn(tc)
		c.in = &inConn{Conn: tc, c: c, sniff: true}
		c.rw = c.in
		l.a.Accept(c)
		return
	}
	accepted := time.Now()
	if !l.gate.Enter(tc, func() { resetTCP(tc) }) {
		resetTCP(tc)
		l.gate.Refuse(tc, remote, engine.ProxyFailed(engine.ErrProxyPending))
		return
	}
	go l.readProxy(tc, remote, accepted)
}

// readProxy reads a trusted sender's header, no byte more, with a read
// deadline on the socket (a *net.TCPConn, never a *tls.Conn), and hands
// the connection to the Acceptor or resets it.
func (l *listener) readProxy(tc *net.TCPConn, remote netip.AddrPort, accepted time.Time) {
	cfg := l.gate.Cfg
	if cfg.Timeout > 0 {
		_ = tc.SetReadDeadline(accepted.Add(cfg.Timeout))
	}
	var r engine.ProxyReader
	buf := make([]byte, r.Room())
	for {
		n, err := tc.Read(buf[:r.Room()])
		if n > 0 {
			info, rest, done, perr := r.Feed(buf[:n], cfg, remote, accepted)
			if done && perr != nil {
				resetTCP(tc)
				l.gate.Refuse(tc, remote, perr)
				return
			}
			if done {
				_ = tc.SetReadDeadline(time.Time{})
				c := newConn(tc)
				c.remote, c.px = info.Remote(), info
				c.in = &inConn{Conn: tc, c: c, lead: rest}
				c.rw = c.in
				if !l.gate.Accept(tc, c) {
					c.Reset() // the listener is closed
				}
				return
			}
		}
		if err == nil {
			continue
		}
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			err = engine.ProxyFailed(engine.ErrProxyTimeout)
		case err == io.EOF:
			err = engine.ProxyFailed(io.ErrUnexpectedEOF)
		default:
			err = engine.ProxyFailed(err)
		}
		resetTCP(tc)
		l.gate.Refuse(tc, remote, err)
		return
	}
}

func resetTCP(tc *net.TCPConn) {
	_ = tc.SetLinger(0)
	_ = tc.Close()
}

// inConn is a Proxy listener's connection's read side: the bytes that
// came after the PROXY header are read first; an untrusted connection's
// first read is checked for a header, which resets the connection. Only
// the reader goroutine reads.
type inConn struct {
	net.Conn
	c     *conn
	lead  []byte
	sniff bool
}

func (r *inConn) Read(p []byte) (int, error) {
	if len(r.lead) > 0 {
		n := copy(p, r.lead)
		if r.lead = r.lead[n:]; len(r.lead) == 0 {
			r.lead = nil
		}
		return n, nil
	}
	n, err := r.Conn.Read(p)
	if r.sniff && n > 0 {
		r.sniff = false
		if perr := engine.ProxySniff(p[:n]); perr != nil {
			r.c.abort()
			return 0, perr
		}
	}
	return n, err
}
