package socket

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"reflect"
	"sync"

	"github.com/tlskit/tlskit/certs"
	"github.com/tlskit/tlskit/internal/errcode"
	"github.com/tlskit/tlskit/tlsconf"
)

// clientTLSConfig builds the TLS client configuration from cfg.TLS. ctx
// bounds the revocation checks of the handshake it is used for. The
// result must be released with tlsconf.Close.
func (s *Socket) clientTLSConfig(ctx context.Context) (*tls.Config, error) {
	o := &s.cfg.TLS
	if o.MaximumFragmentLength != 0 {
		return nil, configError(fmt.Errorf("%w: maximumFragmentLength %d: Go's crypto/tls does not implement the max_fragment_length extension; leave it 0",
			ErrUnsupported, o.MaximumFragmentLength))
	}
	if err := o.SecurityFlags.check(); err != nil {
		return nil, configError(err)
	}
	if err := o.CRLCheck.check("CRLCheck"); err != nil {
		return nil, configError(err)
	}
	if err := o.OCSPCheck.check("OCSPCheck"); err != nil {
		return nil, configError(err)
	}
	settings := o.Settings
	if settings.ServerName == "" {
		settings.ServerName = s.cfg.Address
	}
	if settings.ReuseSession && settings.SessionCache == nil {
		settings.SessionCache = s.sessions
	}
	cfg, err := o.base(&settings, true)
	if err != nil {
		return nil, err
	}
	if cfg.ServerName == "" {
		cfg.ServerName = s.cfg.Address
	}
	if len(o.CA) > 0 {
		pool, err := caPool(cfg.RootCAs, o.CA)
		if err != nil {
			return nil, configError(err)
		}
		cfg.RootCAs = pool
	}
	if len(o.ClientCertificate) > 0 || len(o.ClientKey) > 0 {
		cert, err := derKeyPair(o.ClientCertificate, o.ClientKey)
		if err != nil {
			return nil, configError(err)
		}
		cfg.Certificates = append([]tls.Certificate{cert}, cfg.Certificates...)
	}
	if o.CertificateFile != "" {
		cert, err := loadCertificate(o.CertificateFile, o.CertificatePassword)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = append(cfg.Certificates, cert)
	}
	rejected, err := loadRejections(o.CertificateRejectionFile)
	if err != nil {
		return nil, err
	}
	v := &verifier{
		roots:     cfg.RootCAs,
		name:      cfg.ServerName,
		flags:     o.SecurityFlags,
		acceptAny: cfg.InsecureSkipVerify,
		crl:       o.CRLCheck,
		ocsp:      o.OCSPCheck,
		client:    o.HTTPClient,
		ctx:       ctx,
		now:       cfg.Time,
	}
	if v.acceptAny {
		warnUnverified(cfg.ServerName)
	}
	if v.needed() {
		// Go's own verification cannot be relaxed piecewise, so the
		// verifier redoes it with the relaxations in VerifyConnection.
		cfg.InsecureSkipVerify = true
		addVerification(cfg, v.verify)
	}
	if len(rejected) > 0 {
		addVerification(cfg, rejected.check)
	}
	return cfg, nil
}

// base builds the configuration the options start from: a clone of Config,
// or what settings builds, with the version options applied.
func (o *TLSOptions) base(settings *tlsconf.Settings, client bool) (*tls.Config, error) {
	minV, maxV, err := o.versions()
	if err != nil {
		return nil, configError(err)
	}
	if o.Config != nil {
		if !reflect.ValueOf(o.Settings).IsZero() {
			return nil, configError(errors.New("set TLSOptions.Config or TLSOptions.Settings, not both"))
		}
		cfg := o.Config.Clone()
		if minV != 0 {
			cfg.MinVersion, cfg.MaxVersion = minV, maxV
		}
		return cfg, nil
	}
	if minV != 0 {
		if settings.Protocols, err = tlsconf.ProtocolsFromRange(minV, maxV); err != nil {
			return nil, configError(err)
		}
	}
	var cfg *tls.Config
	if client {
		cfg, err = settings.ClientConfig()
	} else {
		cfg, err = settings.ServerConfig()
	}
	if err != nil {
		return nil, configError(err)
	}
	return cfg, nil
}

// versions returns the range MinimumVersion, MaximumVersion and
// ConnectionType select, or zeros when none is set.
func (o *TLSOptions) versions() (minV, maxV uint16, err error) {
	if o.ConnectionType != tlsconf.SSLv2 {
		if o.MinimumVersion != "" || o.MaximumVersion != "" {
			return 0, 0, errors.New("set ConnectionType or MinimumVersion/MaximumVersion, not both")
		}
		p, err := o.ConnectionType.Protocols()
		if err != nil {
			return 0, 0, err
		}
		return p.Range()
	}
	if o.MinimumVersion == "" && o.MaximumVersion == "" {
		return 0, 0, nil
	}
	minV, maxV = tls.VersionTLS12, tls.VersionTLS13
	if o.MaximumVersion != "" {
		if maxV, err = tlsconf.ParseVersion(o.MaximumVersion); err != nil {
			return 0, 0, err
		}
		minV = min(minV, maxV)
	}
	if o.MinimumVersion != "" {
		if minV, err = tlsconf.ParseVersion(o.MinimumVersion); err != nil {
			return 0, 0, err
		}
	}
	if minV > maxV {
		return 0, 0, fmt.Errorf("MinimumVersion %s is above MaximumVersion %s", o.MinimumVersion, o.MaximumVersion)
	}
	return minV, maxV, nil
}

// configError wraps a configuration mistake.
func configError(err error) *Error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	return &Error{Op: "configure", Err: err}
}

// serverTLSConfig builds the configuration of the TLS server side that
// Listen uses. The result must be released with tlsconf.Close.
func (s *Socket) serverTLSConfig() (*tls.Config, error) {
	o := &s.cfg.TLS
	settings := o.Settings
	cfg, err := o.base(&settings, false)
	if err != nil {
		return nil, err
	}
	if o.CertificateFile != "" {
		cert, err := loadCertificate(o.CertificateFile, o.CertificatePassword)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = append(cfg.Certificates, cert)
	}
	rejected, err := loadRejections(o.CertificateRejectionFile)
	if err != nil {
		return nil, err
	}
	if len(rejected) > 0 {
		if cfg.ClientAuth == tls.NoClientCert {
			cfg.ClientAuth = tls.RequestClientCert
		}
		addVerification(cfg, rejected.check)
	}
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil {
		return nil, opError("configure", errcode.NoCertificate, errors.New("a secure Listen needs a certificate with its private key: set TLS.CertificateFile"))
	}
	return cfg, nil
}

// addVerification makes cfg.VerifyConnection run check before whatever it
// ran already.
func addVerification(cfg *tls.Config, check func(tls.ConnectionState) error) {
	prev := cfg.VerifyConnection
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if err := check(cs); err != nil {
			return err
		}
		if prev != nil {
			return prev(cs)
		}
		return nil
	}
}

// loadCertificate opens a certificate with its key through the certs
// package.
func loadCertificate(path, password string) (tls.Certificate, error) {
	c, err := certs.Load(path, certs.Options{Password: password})
	if err != nil {
		return tls.Certificate{}, newError("configure", err)
	}
	cert, err := c.TLSCertificate()
	if err != nil {
		return tls.Certificate{}, newError("configure", err)
	}
	return cert, nil
}

// rejectionList holds the SHA-256 of the DER certificates to refuse.
type rejectionList map[[sha256.Size]byte]bool

// loadRejections reads CertificateRejectionFile; "" gives an empty list.
func loadRejections(path string) (rejectionList, error) {
	if path == "" {
		return nil, nil
	}
	store, err := certs.LoadStore(path, certs.Options{})
	if err != nil {
		return nil, newError("configure", err)
	}
	list := rejectionList{}
	for _, c := range store.Certificates {
		list[sha256.Sum256(c.Leaf.Raw)] = true
	}
	return list, nil
}

// check refuses a peer whose certificate is listed.
func (l rejectionList) check(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return nil
	}
	leaf := cs.PeerCertificates[0]
	if l[sha256.Sum256(leaf.Raw)] {
		return fmt.Errorf("%w: %q", ErrRejected, leaf.Subject.String())
	}
	return nil
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

// unverifiedWarned holds the server names whose unverified connections
// have been warned about: one warning per name and process, not one per
// handshake, which a client that reconnects or opens many connections
// would repeat without end.
var unverifiedWarned sync.Map

func warnUnverified(name string) {
	if _, seen := unverifiedWarned.LoadOrStore(name, true); seen {
		return
	}
	log.Printf("socket: WARNING: the certificate of %s is not verified (AcceptAnyServerCert): connections to it are not secure", name)
}
