package socket

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// SecurityFlags relax the verification of the server's certificate, with
// the values of IPWorks's SSLSecurityFlags. Flags that have no meaning
// outside Windows' CryptoAPI are refused with ErrUnsupported.
type SecurityFlags uint32

const (
	// IgnoreTimeValidity accepts certificates outside their validity dates.
	IgnoreTimeValidity SecurityFlags = 0x00000001
	// IgnoreNonNestedTimes is accepted and has no effect: Go never
	// requires a certificate's dates to nest within its issuer's.
	IgnoreNonNestedTimes SecurityFlags = 0x00000004
	// AllowUnknownCA accepts a chain that does not end at a trusted root;
	// the presented chain must still be consistent.
	AllowUnknownCA SecurityFlags = 0x00000010
	// IgnoreWrongUsage accepts certificates whose extended key usage does
	// not allow TLS server authentication.
	IgnoreWrongUsage SecurityFlags = 0x00000020
	// IgnoreUnknownRevocation accepts the server certificate when
	// RevocationRequire cannot learn its revocation status.
	IgnoreUnknownRevocation SecurityFlags = 0x00000100
	// IgnoreUnknownCARevocation does the same for intermediate CAs.
	IgnoreUnknownCARevocation SecurityFlags = 0x00000400
	// IgnoreUnknownRootRevocation is accepted and has no effect: roots are
	// trusted by configuration and never checked for revocation.
	IgnoreUnknownRootRevocation SecurityFlags = 0x00000800
	// IgnoreNameMismatch accepts a certificate issued for another name.
	IgnoreNameMismatch SecurityFlags = 0x80000000
)

const supportedFlags = IgnoreTimeValidity | IgnoreNonNestedTimes | AllowUnknownCA | IgnoreWrongUsage |
	IgnoreUnknownRevocation | IgnoreUnknownCARevocation | IgnoreUnknownRootRevocation | IgnoreNameMismatch

func (f SecurityFlags) check() error {
	if bad := f &^ supportedFlags; bad != 0 {
		return fmt.Errorf("%w: SecurityFlags 0x%08x (CTL and test-root flags exist only in Windows' CryptoAPI)", ErrUnsupported, uint32(bad))
	}
	return nil
}

// verifier checks the server's certificate in VerifyConnection, in place of
// crypto/tls's own check, so that the SecurityFlags relaxations and the
// revocation checks can apply.
type verifier struct {
	roots     *x509.CertPool
	name      string
	flags     SecurityFlags
	acceptAny bool
	crl, ocsp RevocationMode
	client    *http.Client
	ctx       context.Context
	now       func() time.Time
}

// needed reports whether the default verification of crypto/tls must be
// replaced.
func (v *verifier) needed() bool {
	return v.acceptAny || v.flags != 0 || v.crl != RevocationOff || v.ocsp != RevocationOff
}

func (v *verifier) verify(cs tls.ConnectionState) error {
	if v.acceptAny {
		return nil
	}
	if len(cs.PeerCertificates) == 0 {
		return errors.New("socket: the server sent no certificate")
	}
	chain, err := v.chain(cs.PeerCertificates)
	if err != nil {
		return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
	}
	if v.flags&IgnoreNameMismatch == 0 {
		if err := cs.PeerCertificates[0].VerifyHostname(v.name); err != nil {
			return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
		}
	}
	return v.checkRevocation(chain, cs.OCSPResponse)
}

// chain verifies the presented certificates with the relaxations in flags
// and returns the verified chain, leaf first.
func (v *verifier) chain(certs []*x509.Certificate) ([]*x509.Certificate, error) {
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	opts := x509.VerifyOptions{
		Roots:         v.roots,
		Intermediates: inter,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		CurrentTime:   time.Now(),
	}
	if v.now != nil {
		opts.CurrentTime = v.now()
	}
	if v.flags&IgnoreWrongUsage != 0 {
		opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
	}
	if v.flags&AllowUnknownCA != 0 {
		// Trust the presented certificates as anchors: the chain must
		// still hang together and meet the other checks.
		roots := x509.NewCertPool()
		if v.roots != nil {
			roots = v.roots.Clone()
		} else if sys, err := x509.SystemCertPool(); err == nil {
			roots = sys
		}
		for _, c := range certs {
			roots.AddCert(c)
		}
		opts.Roots = roots
	}
	chains, err := certs[0].Verify(opts)
	if err == nil {
		return chains[0], nil
	}
	var inv x509.CertificateInvalidError
	if v.flags&IgnoreTimeValidity == 0 || !errors.As(err, &inv) || inv.Reason != x509.Expired {
		return nil, err
	}
	// IgnoreTimeValidity: verify at a moment when every certificate of the
	// chain was valid, trying each presented certificate's validity edges.
	for _, c := range certs {
		for _, at := range []time.Time{c.NotBefore.Add(time.Second), c.NotAfter.Add(-time.Second)} {
			opts.CurrentTime = at
			if chains, err := certs[0].Verify(opts); err == nil {
				return chains[0], nil
			}
		}
	}
	return nil, fmt.Errorf("no moment lies within the validity of every certificate of the chain: %w", err)
}
