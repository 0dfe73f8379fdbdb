package socket

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"

	"github.com/tlskit/tlskit/certs"
	"github.com/tlskit/tlskit/internal/errcode"
	"github.com/tlskit/tlskit/tlsconf"
)

// clientTLSConfig builds the TLS client configuration Connect uses from
// cfg.TLS: TLSOptions.ClientConfig, with the socket's own session cache
// for Settings.ReuseSession. The result must be released with
// tlsconf.Close.
func (s *Socket) clientTLSConfig(ctx context.Context) (*tls.Config, error) {
	o := s.cfg.TLS
	if o.Settings.ReuseSession && o.Settings.SessionCache == nil {
		o.Settings.SessionCache = s.sessions
	}
	return o.ClientConfig(ctx, s.cfg.Address)
}

// ClientConfig builds the client configuration Connect uses for a
// connection to host, for clients of other packages (ws.DialOptions'
// TLS.Config, net/http): tlsconf.Options.ClientConfig with the fields
// tlsconf shares, plus CertificateFile, CertificateRejectionFile,
// SecurityFlags, CRLCheck and OCSPCheck. ctx bounds the revocation
// checks of the handshakes that use it (context.Background for a config
// kept for many; HTTPClient's timeout bounds each fetch). Errors are
// *Error values. Release the config with tlsconf.Close.
func (o *TLSOptions) ClientConfig(ctx context.Context, host string) (*tls.Config, error) {
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
	opts := o.options()
	cfg, err := opts.ClientConfig(host)
	if err != nil {
		return nil, configError(err)
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
	if v.needed() {
		// Go's own verification cannot be relaxed piecewise, so the
		// verifier redoes it with the relaxations in VerifyConnection.
		cfg.InsecureSkipVerify = true
		addVerification(cfg, v.verify)
	}
	if err := o.addCertFiles(cfg, false); err != nil {
		_ = tlsconf.Close(cfg)
		return nil, err
	}
	return cfg, nil
}

// options returns the part of o that tlsconf builds.
func (o *TLSOptions) options() tlsconf.Options {
	return tlsconf.Options{
		Settings:          o.Settings,
		Config:            o.Config,
		MinimumVersion:    o.MinimumVersion,
		MaximumVersion:    o.MaximumVersion,
		ConnectionType:    o.ConnectionType,
		CA:                o.CA,
		ClientCertificate: o.ClientCertificate,
		ClientKey:         o.ClientKey,
	}
}

// addCertFiles adds CertificateFile to the certificates of cfg and makes
// it refuse the peers CertificateRejectionFile lists (a server then asks
// clients for a certificate).
func (o *TLSOptions) addCertFiles(cfg *tls.Config, server bool) error {
	if o.CertificateFile != "" {
		cert, err := loadCertificate(o.CertificateFile, o.CertificatePassword)
		if err != nil {
			return err
		}
		cfg.Certificates = append(cfg.Certificates, cert)
	}
	rejected, err := loadRejections(o.CertificateRejectionFile)
	if err != nil {
		return err
	}
	if len(rejected) > 0 {
		if server && cfg.ClientAuth == tls.NoClientCert {
			cfg.ClientAuth = tls.RequestClientCert
		}
		addVerification(cfg, rejected.check)
	}
	return nil
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
	opts := o.options()
	cfg, err := opts.ServerConfig()
	if err != nil {
		return nil, configError(err)
	}
	if err := o.addCertFiles(cfg, true); err != nil {
		_ = tlsconf.Close(cfg)
		return nil, err
	}
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil {
		_ = tlsconf.Close(cfg)
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
