package certs

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
)

// Store is the content of a certificate store: every certificate it holds,
// each paired with its private key when the store has it and with the
// store's certificates that chain it.
type Store struct {
	// Certificates in store order, duplicates removed.
	Certificates []*Certificate
}

// maxChainDepth bounds chain building in a hostile store.
const maxChainDepth = 10

// newStore pairs keys with certificates and builds chains. Every key must
// match a certificate: a stray key is a configuration mistake.
func newStore(c *contents) (*Store, error) {
	var leaves []*x509.Certificate
	seen := map[string]bool{}
	for _, cert := range c.certs {
		if !seen[string(cert.Raw)] {
			seen[string(cert.Raw)] = true
			leaves = append(leaves, cert)
		}
	}
	s := &Store{}
	for _, leaf := range leaves {
		s.Certificates = append(s.Certificates, newCertificate(leaf))
	}
	for _, key := range c.keys {
		matched := false
		for _, cert := range s.Certificates {
			if keyMatches(key, cert.Leaf) {
				cert.PrivateKey, cert.PrivateKeyAvailable = key, true
				matched = true
			}
		}
		if !matched {
			hint := "a private key in the store matches none of its certificates: check that the key and certificate belong together"
			if len(leaves) == 0 {
				hint = "the data holds a private key but no certificate: load the certificate with it (LoadPair, --key)"
			}
			return nil, newError("pair", ErrCannotAcquireCredentials, hint, nil)
		}
	}
	if len(s.Certificates) == 0 {
		return nil, newError("select", ErrCertificateNotFound, "the store holds no certificate", nil)
	}
	for _, cert := range s.Certificates {
		cert.Chain = buildChain(cert.Leaf, leaves)
	}
	return s, nil
}

func keyMatches(key crypto.Signer, cert *x509.Certificate) bool {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(cert.PublicKey)
}

// buildChain follows issuers of leaf among pool, stopping at a self-signed
// certificate, a loop or maxChainDepth.
func buildChain(leaf *x509.Certificate, pool []*x509.Certificate) []*x509.Certificate {
	var chain []*x509.Certificate
	cur := leaf
	used := map[*x509.Certificate]bool{leaf: true}
	for len(chain) < maxChainDepth && !isSelfSigned(cur) {
		var next *x509.Certificate
		for _, cand := range pool {
			if !used[cand] && bytes.Equal(cand.RawSubject, cur.RawIssuer) && cur.CheckSignatureFrom(cand) == nil {
				next = cand
				break
			}
		}
		if next == nil {
			break
		}
		used[next] = true
		chain = append(chain, next)
		cur = next
	}
	return chain
}

// Select picks a certificate by subject or thumbprint, as setting IPWorks's
// Certificate.Subject does:
//
//   - "" or "*": the first certificate with a private key, else the first;
//   - "Thumbprint=<hex>": the certificate whose MD5, SHA-1 or SHA-256 hash
//     (chosen by length: 32, 40 or 64 digits) is hex; colons, spaces,
//     dashes and case are ignored;
//   - anything else: a subject equal to it (ignoring case) in IPWorks's DN
//     form ("CN=a, O=b") or RFC 2253 form ("CN=a,O=b"); failing that, a
//     subject containing it.
//
// Among several matches a certificate with a private key wins, then the
// first. Nothing matching gives ErrCertificateNotFound (272).
func (s *Store) Select(subject string) (*Certificate, error) {
	subject = strings.TrimSpace(subject)
	if subject == "" || subject == "*" {
		return s.pick(func(*Certificate) bool { return true }, subject)
	}
	if name, value, ok := strings.Cut(subject, "="); ok && strings.EqualFold(strings.TrimSpace(name), "thumbprint") {
		return s.selectThumbprint(value)
	}
	if c, err := s.pick(func(c *Certificate) bool {
		return strings.EqualFold(c.Subject, subject) || strings.EqualFold(c.Leaf.Subject.String(), subject)
	}, subject); err == nil {
		return c, nil
	}
	lower := strings.ToLower(subject)
	return s.pick(func(c *Certificate) bool {
		return strings.Contains(strings.ToLower(c.Subject), lower) ||
			strings.Contains(strings.ToLower(c.Leaf.Subject.String()), lower)
	}, subject)
}

func (s *Store) selectThumbprint(value string) (*Certificate, error) {
	clean := strings.ToUpper(strings.NewReplacer(":", "", " ", "", "-", "").Replace(value))
	if _, err := hex.DecodeString(clean); err != nil || (len(clean) != 32 && len(clean) != 40 && len(clean) != 64) {
		return nil, newError("select", ErrCertificateNotFound,
			fmt.Sprintf("thumbprint %q must be 32 (MD5), 40 (SHA-1) or 64 (SHA-256) hex digits", value), nil)
	}
	return s.pick(func(c *Certificate) bool {
		return c.ThumbprintMD5 == clean || c.ThumbprintSHA1 == clean || c.ThumbprintSHA256 == clean
	}, "Thumbprint="+value)
}

func (s *Store) pick(match func(*Certificate) bool, what string) (*Certificate, error) {
	var first *Certificate
	for _, c := range s.Certificates {
		if !match(c) {
			continue
		}
		if c.PrivateKeyAvailable {
			return c, nil
		}
		if first == nil {
			first = c
		}
	}
	if first != nil {
		return first, nil
	}
	subjects := make([]string, 0, len(s.Certificates))
	for _, c := range s.Certificates {
		subjects = append(subjects, "\""+c.Subject+"\"")
	}
	return nil, newError("select", ErrCertificateNotFound,
		fmt.Sprintf("no certificate matches %q; the store holds %s", what, strings.Join(subjects, ", ")), nil)
}
