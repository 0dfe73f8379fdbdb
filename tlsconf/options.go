package tlsconf

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"reflect"
	"sync"
)

// Options are the TLS side of a connection: [Settings], or a ready
// *tls.Config instead, plus the version range as ECMA-419's strings or
// Xojo's [ConnectionType] and certificates given as DER (ECMA-419's ca,
// clientCertificate and key). The zero value verifies the server against
// the system roots and the host name, over TLS 1.2 or 1.3.
//
// [Options.ClientConfig] and [Options.ServerConfig] build the
// *tls.Config; release it with [Close] when the connection or listener is
// done.
type Options struct {
	// Settings are the TLS settings; see [Settings]. Settings.ServerName
	// defaults to the host connected to.
	Settings Settings
	// Config, when set, is used (cloned) instead of Settings, which must
	// then be zero; the fields below still apply. Its ServerName defaults
	// to the host connected to.
	Config *tls.Config

	// MinimumVersion and MaximumVersion are ECMA-419 version strings
	// ("TLS1.2", "tls1.3", "1.2"; see [ParseVersion]). An unset one
	// defaults to TLS 1.2 (or MaximumVersion if lower) and TLS 1.3. They
	// replace Settings.Protocols.
	MinimumVersion string
	MaximumVersion string
	// ConnectionType is Xojo's ConnectionType (SSLv23, TLSv1, TLSv11,
	// TLSv12, TLSv13); it replaces Settings.Protocols. The zero value,
	// SSLv2, which crypto/tls cannot speak, means "not set". It conflicts
	// with MinimumVersion and MaximumVersion.
	ConnectionType ConnectionType

	// CA holds DER certificates (one or several concatenated per element)
	// trusted in addition to the system roots and Settings.ServerCAs for
	// the server's chain (ECMA-419 ca). Client only.
	CA [][]byte
	// ClientCertificate is the client's DER certificate chain, leaf first
	// (ECMA-419 clientCertificate); ClientKey its DER private key (PKCS#8,
	// PKCS#1 or SEC 1). Set both or neither. Client only.
	ClientCertificate [][]byte
	ClientKey         []byte
}

// ClientConfig builds the configuration of a client connecting to host,
// the name verified and sent as SNI unless Settings.ServerName or
// Config.ServerName names another. A config that skips the server's
// verification (Settings.AcceptAnyServerCert, Config.InsecureSkipVerify)
// logs a warning through the log package, once per server name and
// process. Errors are [*Error] values.
func (o *Options) ClientConfig(host string) (*tls.Config, error) {
	settings := o.Settings
	if settings.ServerName == "" {
		settings.ServerName = host
	}
	cfg, err := o.base(&settings, true)
	if err != nil {
		return nil, err
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	if err := o.addClientCerts(cfg); err != nil {
		if o.Config == nil && o.Settings.KeyLogWriter == nil {
			_ = Close(cfg) // the key log file base opened, if any; not the caller's writer
		}
		return nil, err
	}
	if cfg.InsecureSkipVerify {
		warnUnverified(cfg.ServerName)
	}
	return cfg, nil
}

// ServerConfig builds the configuration of a server: Settings (or
// Config) with the version range. The caller adds the certificate and
// ClientAuth. Errors are [*Error] values.
func (o *Options) ServerConfig() (*tls.Config, error) {
	settings := o.Settings
	return o.base(&settings, false)
}

// base builds the configuration the options start from: a clone of Config,
// or what settings builds, with the version options applied.
func (o *Options) base(settings *Settings, client bool) (*tls.Config, error) {
	minV, maxV, err := o.versions()
	if err != nil {
		return nil, err
	}
	if o.Config != nil {
		if !reflect.ValueOf(o.Settings).IsZero() {
			return nil, &Error{Err: ErrInvalidValue, Detail: "set Config or Settings, not both"}
		}
		cfg := o.Config.Clone()
		if minV != 0 {
			cfg.MinVersion, cfg.MaxVersion = minV, maxV
		}
		return cfg, nil
	}
	if minV != 0 {
		if settings.Protocols, err = ProtocolsFromRange(minV, maxV); err != nil {
			return nil, err
		}
	}
	if client {
		return settings.ClientConfig()
	}
	return settings.ServerConfig()
}

// versions returns the range MinimumVersion, MaximumVersion and
// ConnectionType select, or zeros when none is set.
func (o *Options) versions() (minV, maxV uint16, err error) {
	if o.ConnectionType != SSLv2 {
		if o.MinimumVersion != "" || o.MaximumVersion != "" {
			return 0, 0, &Error{Err: ErrInvalidValue, Setting: "ConnectionType", Detail: "set ConnectionType or MinimumVersion/MaximumVersion, not both"}
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
		if maxV, err = ParseVersion(o.MaximumVersion); err != nil {
			return 0, 0, err
		}
		minV = min(minV, maxV)
	}
	if o.MinimumVersion != "" {
		if minV, err = ParseVersion(o.MinimumVersion); err != nil {
			return 0, 0, err
		}
	}
	if minV > maxV {
		return 0, 0, &Error{Err: ErrUnsupportedProtocol, Setting: "MinimumVersion", Value: o.MinimumVersion,
			Detail: "is above MaximumVersion " + o.MaximumVersion}
	}
	return minV, maxV, nil
}

// addClientCerts adds CA to the roots and ClientCertificate with ClientKey
// to the certificates of cfg.
func (o *Options) addClientCerts(cfg *tls.Config) error {
	if len(o.CA) > 0 {
		pool, err := caPool(cfg.RootCAs, o.CA)
		if err != nil {
			return err
		}
		cfg.RootCAs = pool
	}
	if len(o.ClientCertificate) > 0 || len(o.ClientKey) > 0 {
		cert, err := derKeyPair(o.ClientCertificate, o.ClientKey)
		if err != nil {
			return err
		}
		cfg.Certificates = append([]tls.Certificate{cert}, cfg.Certificates...)
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
			return nil, &Error{Err: ErrInvalidValue, Setting: "CA", Detail: fmt.Sprintf("CA %d is not DER certificates", i), Cause: err}
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
	bad := func(detail string, cause error) (tls.Certificate, error) {
		return tls.Certificate{}, &Error{Err: ErrInvalidValue, Setting: "ClientCertificate", Detail: detail, Cause: cause}
	}
	if len(chain) == 0 || len(keyDER) == 0 {
		return bad("ClientCertificate and ClientKey must be set together", nil)
	}
	var ders [][]byte
	for i, der := range chain {
		certs, err := x509.ParseCertificates(der)
		if err != nil {
			return bad(fmt.Sprintf("certificate %d is not DER", i), err)
		}
		for _, c := range certs {
			ders = append(ders, c.Raw)
		}
	}
	if len(ders) == 0 {
		return bad("the chain holds no certificate", nil)
	}
	key, err := parseDERKey(keyDER)
	if err != nil {
		return tls.Certificate{}, &Error{Err: ErrInvalidValue, Setting: "ClientKey", Cause: err}
	}
	leaf, _ := x509.ParseCertificate(ders[0])
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(leaf.PublicKey) {
		return bad("the private key does not match the certificate", nil)
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
	log.Printf("tlsconf: WARNING: the certificate of %s is not verified (AcceptAnyServerCert): connections to it are not secure", name)
}
