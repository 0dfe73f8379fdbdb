package acme

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"

	"golang.org/x/crypto/acme"
)

// obtain runs the ACME steps for a new certificate of the names: the
// account, an order, each name's TLS-ALPN-01 validation, the CSR and the
// issued chain, which it caches before returning it.
func (m *Manager) obtain(ctx context.Context) (*tls.Certificate, error) {
	cl, err := m.client(ctx)
	if err != nil {
		return nil, err
	}
	o, err := cl.AuthorizeOrder(ctx, acme.DomainIDs(m.opts.Names...))
	if err != nil {
		return nil, fmt.Errorf("new order: %w", err)
	}
	for _, u := range o.AuthzURLs {
		if err := m.authorize(ctx, cl, u); err != nil {
			return nil, err
		}
	}
	if o, err = cl.WaitOrder(ctx, o.URI); err != nil {
		return nil, fmt.Errorf("order: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject:  pkix.Name{CommonName: m.opts.Names[0]},
		DNSNames: m.opts.Names,
	}, key)
	if err != nil {
		return nil, err
	}
	der, _, err := cl.CreateCertFromOrder(ctx, o, csr, true)
	if err != nil {
		return nil, fmt.Errorf("finalize: %w", err)
	}
	c, err := m.certificate(der, key)
	if err != nil {
		return nil, fmt.Errorf("issued certificate: %w", err)
	}
	if err := m.storeCert(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// client returns an ACME client with the cached account key (a new one
// the first time), registered with the CA: a key it knows already
// registers as the same account, so a CA that lost its accounts gets it
// again.
func (m *Manager) client(ctx context.Context) (*acme.Client, error) {
	key, err := m.accountKey(ctx)
	if err != nil {
		return nil, err
	}
	cl := &acme.Client{Key: key, DirectoryURL: m.opts.Directory, HTTPClient: m.hc, UserAgent: "tlskit"}
	acct := &acme.Account{}
	if m.opts.Email != "" {
		acct.Contact = []string{"mailto:" + m.opts.Email}
	}
	if _, err := cl.Register(ctx, acct, acme.AcceptTOS); err != nil && !errors.Is(err, acme.ErrAccountAlreadyExists) {
		return nil, fmt.Errorf("account: %w", err)
	}
	return cl, nil
}

// authorize answers the TLS-ALPN-01 (or HTTP-01) challenge of the
// authorization at url, unless it is valid already, and waits for the
// CA's verdict.
func (m *Manager) authorize(ctx context.Context, cl *acme.Client, url string) error {
	z, err := cl.GetAuthorization(ctx, url)
	if err != nil {
		return fmt.Errorf("authorization: %w", err)
	}
	if z.Status == acme.StatusValid {
		return nil
	}
	name := z.Identifier.Value
	typ := "tls-alpn-01"
	if m.opts.HTTP01 {
		typ = "http-01"
	}
	var chal *acme.Challenge
	for _, c := range z.Challenges {
		if c.Type == typ {
			chal = c
		}
	}
	if chal == nil {
		return fmt.Errorf("the CA offers no %s challenge for %s", typ, name)
	}
	forget, err := m.answer(cl, chal, name)
	if err != nil {
		return err
	}
	defer forget()
	if _, err := cl.Accept(ctx, chal); err != nil {
		return fmt.Errorf("%s for %s: %w", typ, name, err)
	}
	if _, err := cl.WaitAuthorization(ctx, z.URI); err != nil {
		return fmt.Errorf("%s for %s: %w", typ, name, err)
	}
	return nil
}

// answer makes the answer to chal available to the CA's validation, until
// forget is called.
func (m *Manager) answer(cl *acme.Client, chal *acme.Challenge, name string) (forget func(), err error) {
	if chal.Type == "http-01" {
		body, err := cl.HTTP01ChallengeResponse(chal.Token)
		if err != nil {
			return nil, err
		}
		path := cl.HTTP01ChallengePath(chal.Token)
		m.mu.Lock()
		m.httpTokens[path] = body
		m.mu.Unlock()
		return func() { m.mu.Lock(); delete(m.httpTokens, path); m.mu.Unlock() }, nil
	}
	cert, err := cl.TLSALPN01ChallengeCert(chal.Token, name)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.tokens[name] = &cert
	m.mu.Unlock()
	return func() { m.mu.Lock(); delete(m.tokens, name); m.mu.Unlock() }, nil
}
