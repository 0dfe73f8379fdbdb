package socket

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"net"
)

// clientTLSConfig builds the TLS client configuration from cfg.TLS. ctx
// bounds the revocation checks of the handshake it is used for.
func (s *Socket) clientTLSConfig(ctx context.Context) (*tls.Config, error) {
	o := &s.cfg.TLS
	if o.MaximumFragmentLength != 0 {
		return nil, &Error{Code: CodeDriver, Op: "configure",
			Err: fmt.Errorf("%w: maximumFragmentLength %d: Go's crypto/tls does not implement the max_fragment_length extension; leave it 0", ErrUnsupported, o.MaximumFragmentLength)}
	}
	if err := o.SecurityFlags.check(); err != nil {
		return nil, &Error{Code: CodeDriver, Op: "configure", Err: err}
	}
	if err := o.CRLCheck.check("CRLCheck"); err != nil {
		return nil, &Error{Code: CodeDriver, Op: "configure", Err: err}
	}
	if err := o.OCSPCheck.check("OCSPCheck"); err != nil {
		return nil, &Error{Code: CodeDriver, Op: "configure", Err: err}
	}
	cfg := &tls.Config{}
	if o.Config != nil {
		cfg = o.Config.Clone()
	}
	if o.Host != "" {
		cfg.ServerName = o.Host
	} else if cfg.ServerName == "" {
		cfg.ServerName = s.cfg.Address
		if h, _, err := net.SplitHostPort(cfg.ServerName); err == nil {
			cfg.ServerName = h
		}
	}
	if len(o.ApplicationLayerProtocols) > 0 {
		cfg.NextProtos = append([]string(nil), o.ApplicationLayerProtocols...)
	}
	if len(o.CA) > 0 {
		pool, err := caPool(cfg.RootCAs, o.CA)
		if err != nil {
			return nil, &Error{Code: CodeVerify, Op: "configure", Err: err}
		}
		cfg.RootCAs = pool
	}
	if len(o.ClientCertificate) > 0 || len(o.ClientKey) > 0 {
		cert, err := derKeyPair(o.ClientCertificate, o.ClientKey)
		if err != nil {
			return nil, &Error{Code: CodeDriver, Op: "configure", Err: err}
		}
		cfg.Certificates = append([]tls.Certificate{cert}, cfg.Certificates...)
	}
	if o.ReuseSSLSession {
		cfg.ClientSessionCache = s.sessions
	} else {
		cfg.ClientSessionCache = nil
	}
	if o.EnableRenegotiation {
		cfg.Renegotiation = tls.RenegotiateFreelyAsClient
	}
	v := &verifier{
		roots:     cfg.RootCAs,
		name:      cfg.ServerName,
		flags:     o.SecurityFlags,
		acceptAny: o.AcceptAnyServerCert || cfg.InsecureSkipVerify,
		crl:       o.CRLCheck,
		ocsp:      o.OCSPCheck,
		client:    o.HTTPClient,
		ctx:       ctx,
		now:       cfg.Time,
	}
	if v.acceptAny {
		log.Printf("socket: WARNING: the certificate of %s is not verified (AcceptAnyServerCert): the connection is not secure", cfg.ServerName)
	}
	if v.needed() {
		// Go's own verification cannot be relaxed piecewise, so the
		// verifier redoes it with the relaxations in VerifyConnection.
		cfg.InsecureSkipVerify = true
		prev := cfg.VerifyConnection
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if err := v.verify(cs); err != nil {
				return err
			}
			if prev != nil {
				return prev(cs)
			}
			return nil
		}
	}
	return cfg, nil
}

// serverTLSConfig builds the configuration of the TLS server side that
// Listen uses.
func (s *Socket) serverTLSConfig() (*tls.Config, error) {
	o := &s.cfg.TLS
	cfg := &tls.Config{}
	if o.Config != nil {
		cfg = o.Config.Clone()
	}
	if len(o.ApplicationLayerProtocols) > 0 {
		cfg.NextProtos = append([]string(nil), o.ApplicationLayerProtocols...)
	}
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil {
		return nil, &Error{Code: 282, Op: "configure", Err: errors.New("a secure Listen needs a certificate with its private key")}
	}
	return cfg, nil
}

// caPool returns base (or the system roots) plus the DER certificates.
func caPool(base *x509.CertPool, ders [][]byte) (*x509.CertPool, error) {
	var pool *x509.CertPool
	if base != nil {
		pool = base.Clone()
	} else if sys, err := x509.SystemCertPool(); err == nil {
		pool = sys
	} else {
		pool = x509.NewCertPool()
	}
	for i, der := range ders {
		certs, err := x509.ParseCertificates(der)
		if err != nil {
			return nil, fmt.Errorf("CA %d is not DER certificates: %w", i, err)
		}
		for _, c := range certs {
			pool.AddCert(c)
		}
	}
	return pool, nil
}

// derKeyPair builds a certificate from a DER chain and a DER key, checking
// that they belong together.
func derKeyPair(chain [][]byte, keyDER []byte) (tls.Certificate, error) {
	if len(chain) == 0 || len(keyDER) == 0 {
		return tls.Certificate{}, errors.New("ClientCertificate and ClientKey must be set together")
	}
	var ders [][]byte
	for i, der := range chain {
		certs, err := x509.ParseCertificates(der)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("certificate %d is not DER: %w", i, err)
		}
		for _, c := range certs {
			ders = append(ders, c.Raw)
		}
	}
	key, err := parseDERKey(keyDER)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, _ := x509.ParseCertificate(ders[0])
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(leaf.PublicKey) {
		return tls.Certificate{}, errors.New("the private key does not match the certificate")
	}
	return tls.Certificate{Certificate: ders, PrivateKey: key, Leaf: leaf}, nil
}

// parseDERKey reads a PKCS#8, PKCS#1 or SEC 1 DER private key.
func parseDERKey(der []byte) (crypto.Signer, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		switch k := k.(type) {
		case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
			return k.(crypto.Signer), nil
		}
		return nil, fmt.Errorf("unsupported private key type %T", k)
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	return nil, errors.New("the client key is not a DER PKCS#8, PKCS#1 or SEC 1 private key (PEM must be decoded first)")
}
