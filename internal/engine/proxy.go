package engine

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/tlskit/tlskit/internal/proxyproto"
)

// Proxy makes a listener read the PROXY protocol header (versions 1 and 2)
// that a load balancer sends before its client's bytes (ListenConfig.Proxy).
//
// A connection whose socket peer is in From (the load balancer) is read
// before Acceptor.Accept: its header is parsed as it arrives and the
// connection is handed over with RemoteAddr the client's address (see
// ProxyConn), the bytes after the header kept for Start (the TLS
// ClientHello, or the first OnData). A malformed header, none when one is
// required, one not whole within Timeout, or a full MaxPending reset the
// connection (SO_LINGER 0); the Acceptor is told through ProxyRefused if
// it implements ProxyRefuser, and never sees the connection.
//
// A connection from any other peer is accepted at once, as without Proxy,
// with its own address; if its first read begins with a PROXY signature
// (a header that is not its to send), it is reset and its Handler's
// OnOpen or OnClose gets an error wrapping ErrProxyUntrusted.
type Proxy struct {
	// From are the trusted senders' addresses. IPv4-mapped addresses match
	// the IPv4 prefixes.
	From []netip.Prefix
	// Optional accepts a trusted sender's connection that does not begin
	// with a header, with the sender's address. Default false: required.
	Optional bool
	// Timeout bounds the wait for the header, counted from the accept;
	// 0 means no limit.
	Timeout time.Duration
	// MaxPending bounds the connections waiting for their header at a
	// time, per listener; 0 means DefaultProxyPending.
	MaxPending int
}

// DefaultProxyPending is Proxy.MaxPending when zero.
const DefaultProxyPending = 1024

// Errors a connection is reset with over its PROXY header, wrapped by
// the error ProxyRefused and OnClose get ("PROXY header: ..."). A header
// that does not parse gives the proxyproto package's error instead.
var (
	ErrProxyUntrusted = errors.New("sent by an untrusted peer")
	ErrProxyMissing   = errors.New("required, none sent")
	ErrProxyTimeout   = errors.New("not received in time")
	ErrProxyPending   = errors.New("too many connections waiting for theirs")
)

// ProxyFailed wraps err, why a connection's header was refused, as
// ProxyRefused reports it.
func ProxyFailed(err error) error {
	if errors.Is(err, proxyproto.ErrNotProxy) {
		err = ErrProxyMissing
	}
	return fmt.Errorf("PROXY header: %w", err)
}

// A ProxyRefuser is an Acceptor told about the connections a Proxy
// listener reset over their header, before Accept: peer is the socket's
// peer. It must not block.
type ProxyRefuser interface {
	ProxyRefused(peer netip.AddrPort, err error)
}

// A ProxyConn is a Conn accepted by a Proxy listener from a trusted
// sender: ProxyInfo says what its header said. Both engines' conns are
// ProxyConns; ProxyInfo returns nil for a connection read no header from.
type ProxyConn interface {
	ProxyInfo() *ProxyInfo
}

// ProxyInfo is what a trusted connection's PROXY header said.
type ProxyInfo struct {
	// Header is the header; nil when the sender sent none (Optional).
	Header *proxyproto.Header
	// Peer is the socket's peer, the sender.
	Peer netip.AddrPort
	// Accepted is when the socket was accepted (before its header came).
	Accepted time.Time
}

// Trusted reports whether a connection from peer is to be read a header.
func (p *Proxy) Trusted(peer netip.Addr) bool {
	peer = peer.Unmap()
	for _, f := range p.From {
		if f.Contains(peer) {
			return true
		}
	}
	return false
}

// maxProxyHeader is the most a header can take.
const maxProxyHeader = 16 + proxyproto.MaxV2Length

// A ProxyReader reads a trusted connection's header from the bytes an
// engine reads, however they are split. The zero value is ready; its
// buffer is at most 16+proxyproto.MaxV2Length bytes.
type ProxyReader struct {
	buf []byte
}

// Room is how many bytes the next read should take at most: no byte past
// the longest header is buffered before the header is parsed.
func (r *ProxyReader) Room() int { return maxProxyHeader - len(r.buf) }

// Feed adds p, the bytes just read, and parses. Until the header is whole
// it returns done false. Then info describes the connection whose socket
// peer is peer (RemoteAddr is info.Remote()), rest holds the bytes after
// the header (the reader's, no longer p), and err, if not nil, is why the
// connection is to be reset (ProxyFailed's form). The reader's buffer is
// released.
func (r *ProxyReader) Feed(p []byte, cfg *Proxy, peer netip.AddrPort, accepted time.Time) (info *ProxyInfo, rest []byte, done bool, err error) {
	r.buf = append(r.buf, p...)
	h, n, err := proxyproto.Parse(r.buf)
	if err == proxyproto.ErrNeedMore {
		return nil, nil, false, nil
	}
	b := r.buf
	r.buf = nil
	info = &ProxyInfo{Peer: peer, Accepted: accepted}
	switch {
	case err == proxyproto.ErrNotProxy && cfg.Optional:
		return info, b, true, nil
	case err != nil:
		return nil, nil, true, ProxyFailed(err)
	}
	info.Header = &h
	if len(b) > n {
		rest = b[n:]
	}
	return info, rest, true, nil
}

// Remote is the address a connection reports as RemoteAddr: the header's
// client for a relayed TCP connection, the sender otherwise (a LOCAL
// health check, UNKNOWN, a Unix socket: as the specification asks).
func (i *ProxyInfo) Remote() netip.AddrPort {
	if h := i.Header; h != nil && h.Command == proxyproto.CommandProxy && h.Source.IsValid() {
		return netip.AddrPortFrom(h.Source.Addr().Unmap(), h.Source.Port())
	}
	return i.Peer
}

// proxySniffLen is how many bytes an untrusted connection's first read
// must have for a PROXY signature in it to count: "PROXY" and the first
// five of version 2's signature. A shorter first read is data.
const proxySniffLen = 5

// ProxySniff checks an untrusted connection's first read, b: it returns
// the error to reset it with when b begins a PROXY header, else nil.
func ProxySniff(b []byte) error {
	if len(b) < proxySniffLen {
		return nil
	}
	if _, _, err := proxyproto.Parse(b); err == proxyproto.ErrNotProxy {
		return nil
	}
	return ProxyFailed(ErrProxyUntrusted)
}

// A ProxyGate is a listener's side of the PROXY protocol: it holds the
// connections waiting for their header, hands them to the Acceptor once
// read, and keeps Listener.Close's promise that no Acceptor call follows
// it (Close resets those still waiting).
type ProxyGate struct {
	Cfg *Proxy
	a   Acceptor

	mu      sync.RWMutex // held shared by an Acceptor call, exclusively by Close and Enter
	closed  bool
	lmu     sync.Mutex     // with mu shared: guards pending
	pending map[any]func() // waiting connections: their abort
}

// NewProxyGate returns the gate of a listener configured with cfg whose
// connections go to a.
func NewProxyGate(cfg *Proxy, a Acceptor) *ProxyGate {
	return &ProxyGate{Cfg: cfg, a: a, pending: make(map[any]func())}
}

// Enter records a connection (key) waiting for its header; abort, called
// by Close, makes it fail. It reports false, recording nothing, when
// MaxPending are waiting or the listener is closed: the caller resets the
// connection and calls Refuse with ErrProxyPending.
func (g *ProxyGate) Enter(key any, abort func()) bool {
	limit := g.Cfg.MaxPending
	if limit <= 0 {
		limit = DefaultProxyPending
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed || len(g.pending) >= limit {
		return false
	}
	g.pending[key] = abort
	return true
}

// Accept hands c, whose header key was waiting for, to the Acceptor. It
// reports false when the listener is closed: the caller resets c.
func (g *ProxyGate) Accept(key any, c Conn) bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		return false
	}
	g.leave(key)
	g.a.Accept(c)
	return true
}

// Refuse forgets key, whose connection was reset with err, and tells the
// Acceptor (a ProxyRefuser) unless the listener is closed.
func (g *ProxyGate) Refuse(key any, peer netip.AddrPort, err error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		return
	}
	g.leave(key)
	if r, ok := g.a.(ProxyRefuser); ok {
		r.ProxyRefused(peer, err)
	}
}

// leave forgets key; g.mu is held shared, which the map's own lock
// completes.
func (g *ProxyGate) leave(key any) {
	g.lmu.Lock()
	delete(g.pending, key)
	g.lmu.Unlock()
}

// Close makes every Acceptor call return first, then aborts the waiting
// connections. No Accept or Refuse reaches the Acceptor afterwards.
func (g *ProxyGate) Close() {
	g.mu.Lock()
	g.closed = true
	pending := g.pending
	g.pending = nil
	g.mu.Unlock()
	for _, abort := range pending {
		abort()
	}
}
