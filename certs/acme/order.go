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

// authorize answers the TLS-ALPN-01 challenge of the authorization at
// url, unless it is valid already, and waits for the CA's verdict.
func (m *Manager) authorize(ctx context.Context, cl *acme.Client, url string) error {
	z, err := cl.GetAuthorization(ctx, url)
	if err != nil {
		return fmt.Errorf("authorization: %w", err)
	}
	if z.Status == acme.StatusValid {
		return nil
	}
	name := z.Identifier.Value
	var chal *acme.Challenge
	for _, c := range z.Challenges {
		if c.Type == "tls-alpn-01" {
			chal = c
		}
	}
	if chal == nil {
		return fmt.Errorf("the CA offers no tls-alpn-01 challenge for %s", name)
	}
	cert, err := cl.TLSALPN01ChallengeCert(chal.Token, name)
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.tokens[name] = &cert
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.tokens, name)
		m.mu.Unlock()
	}()
	if _, err := cl.Accept(ctx, chal); err != nil {
		return fmt.Errorf("tls-alpn-01 for %s: %w", name, err)
	}
	if _, err := cl.WaitAuthorization(ctx, z.URI); err != nil {
		return fmt.Errorf("tls-alpn-01 for %s: %w", name, err)
	}
	return nil
}
