package server

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
	"github.com/tlskit/tlskit/internal/logsafe"
	"github.com/tlskit/tlskit/internal/proxyproto"
)

// defaultProxyTimeout bounds the wait for a PROXY header when
// DefaultConnectionTimeout is 0: a load balancer sends it at once.
const defaultProxyTimeout = 10 * time.Second

// loopback is ProxyFrom's default.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// checkProxy validates the PROXY protocol options.
func (o *Options) checkProxy() error {
	if !o.ProxyProtocol {
		if len(o.ProxyFrom) > 0 || o.ProxyOptional {
			return fmt.Errorf("%w: Options.ProxyFrom and ProxyOptional need ProxyProtocol", ErrInvalidValue)
		}
		return nil
	}
	for _, p := range o.ProxyFrom {
		if !p.IsValid() {
			return fmt.Errorf("%w: Options.ProxyFrom = %v: an invalid prefix", ErrInvalidValue, o.ProxyFrom)
		}
	}
	return nil
}

// proxyConfig is the listener's PROXY protocol configuration, nil
// without ProxyProtocol.
func (o *Options) proxyConfig() *engine.Proxy {
	if !o.ProxyProtocol {
		return nil
	}
	p := &engine.Proxy{Optional: o.ProxyOptional, Timeout: o.DefaultConnectionTimeout}
	from := o.ProxyFrom
	if len(from) == 0 {
		from = loopback
	}
	for _, f := range from {
		if f.Addr().Is4In6() { // ::ffff:10.0.0.0/104 is 10.0.0.0/8
			f = netip.PrefixFrom(f.Addr().Unmap(), max(f.Bits()-96, 0))
		}
		p.From = append(p.From, f.Masked())
	}
	if p.Timeout == 0 {
		p.Timeout = defaultProxyTimeout
	}
	return p
}

// ProxyRefused reports a connection reset over its PROXY header, before
// the server had it.
func (a *acceptor) ProxyRefused(peer netip.AddrPort, err error) {
	s := (*Server)(a)
	if s.obs != nil {
		s.obs.ConnectionRefused(RefusedProxyHeader)
	}
	if s.log != nil {
		s.log.Info("connection refused", "remote", peer.String(), "reason", logsafe.Error(err))
	}
}

// ProxyHeader is what a load balancer's PROXY protocol header said about
// a connection (Options.ProxyProtocol). Strings are as the balancer sent
// them.
type ProxyHeader struct {
	// Version is 1 (send-proxy) or 2 (send-proxy-v2).
	Version int
	// Local is set for a connection the balancer opened itself (a health
	// check): RemoteAddr is then the balancer's address.
	Local bool
	// Via is the balancer's address, the socket's peer.
	Via netip.AddrPort
	// Source and Destination are the client's connection to the
	// balancer: the client (RemoteAddr) and the address it connected to.
	// Zero when the header carries no IP addresses.
	Source, Destination netip.AddrPort
	// ALPN and Authority are the protocol and server name the client
	// negotiated with the balancer (version 2), or "".
	ALPN, Authority string
	// TLS is set when the client connected to the balancer over TLS
	// (version 2's SSL TLV), with its version ("TLSv1.3"), cipher and
	// client certificate's common name, as the balancer names them.
	TLS                            bool
	TLSVersion, TLSCipher, TLSName string
	// UniqueID is the balancer's ID of the connection (version 2), or nil.
	UniqueID []byte
}

// ProxyHeader returns what the load balancer's PROXY header said about
// the connection, and false when it came with none (ProxyProtocol off,
// a peer not in ProxyFrom, or ProxyOptional and no header sent).
func (c *Conn) ProxyHeader() (ProxyHeader, bool) {
	pc, ok := c.ec.(engine.ProxyConn)
	if !ok {
		return ProxyHeader{}, false
	}
	info := pc.ProxyInfo()
	if info == nil || info.Header == nil {
		return ProxyHeader{}, false
	}
	h := info.Header
	p := ProxyHeader{
		Version: h.Version, Local: h.Command == proxyproto.CommandLocal, Via: info.Peer,
		Source: unmapAddrPort(h.Source), Destination: unmapAddrPort(h.Destination),
		ALPN: h.ALPN(), Authority: h.Authority(), UniqueID: h.UniqueID(),
	}
	if ssl, ok := h.SSL(); ok {
		p.TLS = true
		p.TLSVersion, p.TLSCipher, p.TLSName = ssl.Version(), ssl.Cipher(), ssl.CommonName()
	}
	return p, true
}

// unmapAddrPort returns a with an IPv4-mapped IPv6 address (a version 2 TCP6
// header may carry one) as the IPv4 address it maps, as RemoteAddr has it.
func unmapAddrPort(a netip.AddrPort) netip.AddrPort {
	if !a.IsValid() {
		return a
	}
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}
