package acme

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/acme/autocert"
)

// accountFile and certFile name the cache's entries: one account key per
// directory, one certificate per directory and set of names.
func (m *Manager) accountFile() string { return "account+" + digest(m.opts.Directory) + ".pem" }

func (m *Manager) certFile() string {
	names := slices.Sorted(slices.Values(m.opts.Names))
	return m.opts.Names[0] + "+" + digest(m.opts.Directory+"\n"+strings.Join(names, ",")) + ".pem"
}

func digest(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:6])
}

// accountKey returns the cached account key, or caches a new one.
func (m *Manager) accountKey(ctx context.Context) (crypto.Signer, error) {
	b, err := m.cache.Get(ctx, m.accountFile())
	if err == nil {
		blk, _ := pem.Decode(b)
		if blk == nil {
			return nil, fmt.Errorf("account key %s in %s: no PEM block", m.accountFile(), m.opts.CacheDir)
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("account key %s in %s: %w", m.accountFile(), m.opts.CacheDir, err)
		}
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("account key %s in %s cannot sign", m.accountFile(), m.opts.CacheDir)
		}
		return s, nil
	}
	if !errors.Is(err, autocert.ErrCacheMiss) {
		return nil, fmt.Errorf("cache: %w", err)
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	if err := m.cache.Put(ctx, m.accountFile(), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	return k, nil
}

// loadCert returns the cached certificate, nil when the cache has none
// or one that is no longer valid for the names (expired, another set of
// names, unreadable): a new one is then obtained.
func (m *Manager) loadCert(ctx context.Context) (*tls.Certificate, error) {
	b, err := m.cache.Get(ctx, m.certFile())
	if errors.Is(err, autocert.ErrCacheMiss) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("acme: cache: %w", err)
	}
	var key crypto.Signer
	var der [][]byte
	for {
		var blk *pem.Block
		if blk, b = pem.Decode(b); blk == nil {
			break
		}
		switch blk.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
			if err != nil {
				return nil, nil
			}
			key, _ = k.(crypto.Signer)
		case "CERTIFICATE":
			der = append(der, blk.Bytes)
		}
	}
	if key == nil {
		return nil, nil
	}
	c, err := m.certificate(der, key)
	if err != nil || time.Now().After(c.Leaf.NotAfter) {
		return nil, nil
	}
	return c, nil
}

// certificate checks that the chain der starts with a certificate of key
// that is for every name.
func (m *Manager) certificate(der [][]byte, key crypto.Signer) (*tls.Certificate, error) {
	if len(der) == 0 {
		return nil, errors.New("no certificate")
	}
	leaf, err := x509.ParseCertificate(der[0])
	if err != nil {
		return nil, err
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if pk, ok := key.Public().(equaler); !ok || !pk.Equal(leaf.PublicKey) {
		return nil, errors.New("the certificate is not of the key")
	}
	for _, n := range m.opts.Names {
		if err := leaf.VerifyHostname(n); err != nil {
			return nil, err
		}
	}
	return &tls.Certificate{Certificate: der, PrivateKey: key, Leaf: leaf}, nil
}

// storeCert caches c's key and chain in one PEM file.
func (m *Manager) storeCert(ctx context.Context, c *tls.Certificate) error {
	k, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		return err
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k})
	for _, d := range c.Certificate {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: d})...)
	}
	if err := m.cache.Put(ctx, m.certFile(), b); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}
