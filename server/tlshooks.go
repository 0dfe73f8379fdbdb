package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
)

// tlsConfig returns the TLS configuration of this connection: the server's
// own when no hook needs the connection, otherwise a clone wired to the
// hooks.
func (c *Conn) tlsConfig() *tls.Config {
	base := c.fixed.tlsBase
	ev := &c.s.ev
	auth := base.ClientAuth
	if c.fixed.authClient && auth == tls.NoClientCert {
		auth = tls.RequireAndVerifyClientCert
	}
	if ev.OnSSLClientAuthentication == nil && ev.OnSSLConnectionRequest == nil &&
		ev.OnSSLStatus == nil && auth == base.ClientAuth {
		return base
	}
	cfg := base.Clone()
	cfg.ClientAuth = auth
	if ev.OnSSLClientAuthentication != nil {
		// Verify here so that the hook can overrule the result both ways.
		verify := auth >= tls.VerifyClientCertIfGiven
		switch auth {
		case tls.RequireAndVerifyClientCert:
			cfg.ClientAuth = tls.RequireAnyClientCert
		case tls.VerifyClientCertIfGiven:
			cfg.ClientAuth = tls.RequestClientCert
		}
		next := base.VerifyPeerCertificate
		cfg.VerifyPeerCertificate = func(raw [][]byte, chains [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return nil
			}
			if err := c.authenticateClient(raw, verify); err != nil {
				return err
			}
			if next != nil {
				return next(raw, chains)
			}
			return nil
		}
	}
	if ev.OnSSLConnectionRequest != nil || ev.OnSSLStatus != nil {
		next := base.GetConfigForClient
		cfg.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			c.status(describeHello(hello))
			if next != nil {
				nc, err := next(hello)
				if err != nil || nc != nil {
					return nc, err
				}
			}
			if ev.OnSSLConnectionRequest == nil {
				return nil, nil
			}
			r := newSSLConnectionRequest(hello)
			if err := c.callSync("OnSSLConnectionRequest", func() { ev.OnSSLConnectionRequest(c, r) }); err != nil {
				return nil, err
			}
			if r.Certificate == nil {
				return nil, nil
			}
			nc := cfg.Clone()
			nc.GetConfigForClient = nil
			nc.GetCertificate = nil
			nc.Certificates = []tls.Certificate{*r.Certificate}
			c.status("certificate chosen by SSLConnectionRequest: " + certName(r.Certificate))
			return nc, nil
		}
	}
	return cfg
}

// noSystemClientRoots returns cfg, or a clone of it whose ClientCAs is an
// empty pool when cfg verifies client certificates (or authClient raises
// it to) with a nil ClientCAs: crypto/tls and crypto/x509 would then
// verify against the system's roots, so that any public CA vouched for
// clients. Client CAs mean exactly the CAs given; to trust the system
// roots, put them in ClientCAs (tlsconf's InsecureTrustSystemRootsForClients).
func noSystemClientRoots(cfg *tls.Config, authClient bool) *tls.Config {
	if cfg == nil || cfg.ClientCAs != nil || cfg.ClientAuth < tls.VerifyClientCertIfGiven && !authClient {
		return cfg
	}
	cfg = cfg.Clone()
	cfg.ClientCAs = x509.NewCertPool()
	return cfg
}

// authenticateClient verifies the client's chain against the ClientCAs,
// lets OnSSLClientAuthentication decide, and returns nil to accept.
func (c *Conn) authenticateClient(raw [][]byte, verify bool) error {
	chain := make([]*x509.Certificate, 0, len(raw))
	for _, der := range raw {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return fmt.Errorf("tls: client certificate cannot be parsed: %w", err)
		}
		chain = append(chain, cert)
	}
	a := &SSLClientAuthentication{
		CertEncoded: raw[0], Chain: chain,
		CertSubject: chain[0].Subject.String(), CertIssuer: chain[0].Issuer.String(),
		Status: "OK", Accept: true,
	}
	if verify {
		roots := c.fixed.tlsBase.ClientCAs
		if roots == nil {
			roots = x509.NewCertPool() // never the system's roots
		}
		opts := x509.VerifyOptions{
			Roots:         roots,
			Intermediates: x509.NewCertPool(),
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}
		if c.fixed.tlsBase.Time != nil {
			opts.CurrentTime = c.fixed.tlsBase.Time()
		}
		for _, ic := range chain[1:] {
			opts.Intermediates.AddCert(ic)
		}
		if _, err := chain[0].Verify(opts); err != nil {
			a.Status, a.Accept = err.Error(), false
		}
	} else {
		a.Status = "OK (not verified: ClientAuth does not ask for verification)"
	}
	c.status(fmt.Sprintf("client certificate received: %s (issuer %s): %s", a.CertSubject, a.CertIssuer, a.Status))
	if err := c.callSync("OnSSLClientAuthentication", func() { c.s.ev.OnSSLClientAuthentication(c, a) }); err != nil {
		return err
	}
	if !a.Accept {
		c.status("client certificate rejected")
		return opError("handshake", c.id, ErrCertificateRejected, fmt.Errorf("client certificate rejected by SSLClientAuthentication: %s", a.Status))
	}
	return nil
}

// callSync runs fn, the hook named name, on the connection's dispatcher,
// so the TLS hooks keep the rule that one connection's events never
// overlap, and waits for it. It gives up when the connection is closed
// meanwhile (the hook is then skipped if it had not started), and fails
// when the hook panicked.
func (c *Conn) callSync(name string, fn func()) error {
	ok := true
	if err := c.s.exec.Call(goneContext{c.goneChan()}, c, func() { ok = c.call(name, fn) }); err != nil {
		return opError("handshake", c.id, ErrNotConnected, errors.New("connection closed during the handshake"))
	}
	if !ok {
		return opError("handshake", c.id, ErrAborted, fmt.Errorf("panic in %s", name))
	}
	return nil
}

// goneContext is a context that ends when gone is closed (the connection
// is gone), for callSync.
type goneContext struct{ gone <-chan struct{} }

func (goneContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (g goneContext) Done() <-chan struct{}     { return g.gone }
func (goneContext) Value(any) any               { return nil }

func (g goneContext) Err() error {
	select {
	case <-g.gone:
		return context.Canceled
	default:
		return nil
	}
}

func newSSLConnectionRequest(h *tls.ClientHelloInfo) *SSLConnectionRequest {
	suites := make([]string, len(h.CipherSuites))
	for i, s := range h.CipherSuites {
		suites[i] = tls.CipherSuiteName(s)
	}
	sigs := make([]string, len(h.SignatureSchemes))
	for i, s := range h.SignatureSchemes {
		sigs[i] = s.String()
	}
	return &SSLConnectionRequest{
		ServerName: h.ServerName, ALPN: h.SupportedProtos,
		SupportedCipherSuites: strings.Join(suites, ","), SupportedSignatureAlgs: strings.Join(sigs, ","),
		CipherSuites: h.CipherSuites, SignatureSchemes: h.SignatureSchemes,
		SupportedVersions: h.SupportedVersions, Hello: h,
	}
}

func describeHello(h *tls.ClientHelloInfo) string {
	vers := make([]string, len(h.SupportedVersions))
	for i, v := range h.SupportedVersions {
		vers[i] = tls.VersionName(v)
	}
	return fmt.Sprintf("ClientHello received: server name %q, ALPN %q, versions %s, %d cipher suites",
		h.ServerName, h.SupportedProtos, strings.Join(vers, ","), len(h.CipherSuites))
}

func certName(c *tls.Certificate) string {
	if c.Leaf != nil {
		return c.Leaf.Subject.String()
	}
	if len(c.Certificate) > 0 {
		if leaf, err := x509.ParseCertificate(c.Certificate[0]); err == nil {
			return leaf.Subject.String()
		}
	}
	return "(unparsed certificate)"
}

func handshakeSummary(st *tls.ConnectionState) string {
	i := negotiated(st)
	s := fmt.Sprintf("handshake complete: %s, %s, key exchange %s", tls.VersionName(st.Version), i.CipherSuiteName, i.KeyExchange)
	if i.GroupName != "" {
		s += " (" + i.GroupName + ")"
	}
	if i.ALPN != "" {
		s += ", ALPN " + i.ALPN
	}
	if i.DidResume {
		s += ", resumed"
	}
	return s
}

// handshakeError converts a failed handshake into an ErrHandshake;
// ErrClientCertNotPresent when client authentication is required and the
// client sent no certificate; ErrTimedOut when the peer stalled past
// DefaultConnectionTimeout. A PROXY header from an untrusted peer, which
// resets the connection before the handshake reads a byte, is the read
// error a plain connection gets, no failed handshake.
func handshakeError(err error, id int64) *Error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	if errors.Is(err, engine.ErrProxyUntrusted) {
		return netError("read", id, err)
	}
	if te, ok := err.(interface{ Timeout() bool }); ok && te.Timeout() {
		return opError("handshake", id, ErrTimedOut, fmt.Errorf("TLS handshake timed out (DefaultConnectionTimeout): %w", err))
	}
	// crypto/tls has no value for it, only this message (and a
	// certificate_required alert to the client in TLS 1.3).
	if strings.Contains(err.Error(), "tls: client didn't provide a certificate") {
		return opError("handshake", id, ErrClientCertNotPresent, err)
	}
	return opError("handshake", id, ErrHandshake, err)
}
