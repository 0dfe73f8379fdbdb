package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"slices"
)

// Settings holds the TLS-layer security settings. The zero value is safe
// and usable: TLS 1.2 and 1.3, crypto/tls's secure cipher suites, groups
// and certificate signature algorithms, the system roots for servers'
// certificates and no CA at all for clients' certificates.
//
// Build a *tls.Config with [Settings.ServerConfig] or
// [Settings.ClientConfig], or change settings by their IPWorks names with
// [Settings.Set] and [Settings.Get]. A Settings value is plain data: it is
// not safe for concurrent mutation, but configs built from it are
// independent of it.
type Settings struct {
	// Protocols is SSLEnabledProtocols. Default (0): TLS 1.2 and TLS 1.3.
	// It must be one contiguous range; SSL2 and SSL3 are errors.
	Protocols Protocols

	// CipherSuites is SSLEnabledCipherSuites, as crypto/tls suite IDs.
	// Default (nil, IPWorks's "*"): every suite tls.CipherSuites lists
	// (forward-secret AEAD and CBC suites; no RSA key exchange, 3DES or RC4).
	// crypto/tls cannot restrict TLS 1.3 suites: see [ParseCipherSuites]
	// and the package documentation for what a TLS 1.3 name does.
	CipherSuites []uint16

	// AllowInsecureCipherSuites permits suites crypto/tls marks insecure
	// (RSA key exchange, 3DES, RC4, CBC-SHA256) in CipherSuites. tlskit
	// extension, setting name SSLAllowInsecureCipherSuites. Default false.
	// Danger: these suites have known attacks.
	AllowInsecureCipherSuites bool

	// MinCipherStrength is SSLCipherStrength: TLS 1.0–1.2 suites whose bulk
	// cipher is weaker (in bits, see [CipherStrength]) are removed.
	// Default 0: no minimum. Above 128 it requires TLS 1.3 to be disabled,
	// as crypto/tls cannot drop TLS_AES_128_GCM_SHA256.
	MinCipherStrength int

	// TLS12Groups is TLS12SupportedGroups: the key-exchange groups allowed
	// when TLS 1.2 (or older) is negotiated. Default (nil): crypto/tls's
	// classical groups, x25519, secp256r1, secp384r1, secp521r1 (IPWorks's
	// default lacks x25519). The order is ignored: crypto/tls applies its
	// own preference. Post-quantum hybrids are TLS 1.3 only.
	TLS12Groups []tls.CurveID

	// TLS13Groups is TLS13SupportedGroups: the groups allowed when TLS 1.3
	// is negotiated. Default (nil): crypto/tls's default, X25519MLKEM768,
	// SecP256r1MLKEM768, SecP384r1MLKEM1024, x25519, secp256r1, secp384r1,
	// secp521r1 (IPWorks's default adds x448 and ffdhe_*, which Go does not
	// implement). The order is ignored.
	//
	// crypto/tls has one group list for all versions, so the config offers
	// the union of the sets of the enabled versions, and the handshake is
	// aborted with [ErrGroupRejected] (code 276) when the peer picks a group
	// outside the set for the negotiated version.
	TLS13Groups []tls.CurveID

	// TLS13KeyShareGroups (setting TLS13KeyShareGroups) lists the groups a
	// client pregenerates key shares for. Validated and kept for Get, but advisory
	// only: crypto/tls chooses its key shares itself. As in IPWorks, every
	// supported group stays usable whatever this lists.
	TLS13KeyShareGroups []tls.CurveID

	// TLS12SignatureAlgorithms is the allow list for the signatures on the
	// peer's certificates when TLS 1.2 or older is negotiated. Default
	// (nil): what crypto/tls accepts, [DefaultTLS12SignatureAlgorithms]
	// (RSA-PSS, ECDSA, Ed25519 and RSA PKCS #1 with SHA-256 to SHA-512).
	// IPWorks's default list also has SHA-1, SHA-224 and DSA and lacks
	// RSA-PSS and Ed25519 (see [DefaultTLS12SignatureAlgorithms]). An empty
	// non-nil list does not restrict, as an empty setting string. Violations
	// abort the handshake with [ErrSignatureAlgorithm], code 280. See the
	// package documentation for what is and is not checked.
	TLS12SignatureAlgorithms []SignatureAlgorithm

	// TLS13SignatureAlgorithms is the same for TLS 1.3. Default (nil):
	// [DefaultTLS13SignatureAlgorithms], which is also IPWorks's.
	TLS13SignatureAlgorithms []SignatureAlgorithm

	// NextProtos is the ALPN protocol list, most preferred first (ECMA-419
	// applicationLayerProtocol). Default: none.
	NextProtos []string

	// KeyLogFile is SSLKeyLogFile: when set, every built config appends the
	// connections' secrets to this file (created with mode 0600) in the NSS
	// key log format. Release the file with [Close]. Default "": none.
	// Danger: whoever reads the file can decrypt the traffic.
	KeyLogFile string

	// KeyLogWriter, when not nil, receives the key log instead of
	// KeyLogFile; the caller owns and closes it.
	KeyLogWriter io.Writer

	// ServerName is the client's SNI host name and the name the server
	// certificate is verified against (ECMA-419 host). Client only.
	// Default "": the caller (the socket) fills it from the address.
	ServerName string

	// ServerCAs is SSLServerCACerts: CA certificates trusted for server
	// certificates in addition to the system's roots. Client only.
	ServerCAs []*x509.Certificate

	// AcceptAnyServerCert is SSLAcceptAnyServerCert: the client accepts
	// any server certificate, skipping chain, name and signature-algorithm
	// checks. Default false. Danger: anyone can impersonate the server.
	AcceptAnyServerCert bool

	// ReuseSession is ReuseSSLSession: the client keeps a session cache so
	// later connections made with the same config (or SessionCache) resume.
	// Default false.
	ReuseSession bool

	// SessionCache, when not nil and ReuseSession is set, is the cache to
	// use, so that resumption spans configs; nil means a new cache per
	// built config.
	SessionCache tls.ClientSessionCache

	// Renegotiation is SSLEnableRenegotiation: the client accepts
	// renegotiation requests from the server. Default false. crypto/tls
	// servers never renegotiate, so it has no effect on ServerConfig.
	Renegotiation bool

	// ClientCAs is SSLClientCACerts: the CA certificates that client
	// certificates must chain to. Server only. Exactly these: the system's
	// roots are not added (any public CA would vouch for clients), unless
	// InsecureTrustSystemRootsForClients is set (IPWorks's SSLClientCACerts
	// adds to the system's roots). The server decides whether to ask for
	// client certificates (tls.Config.ClientAuth).
	ClientCAs []*x509.Certificate

	// InsecureTrustSystemRootsForClients adds the system's roots to
	// ClientCAs, so that a certificate from any public CA authenticates a
	// client. Server only. Default false. Danger: anyone can get a
	// certificate from a public CA; use it only with an authorization
	// check of the client's identity (OnSSLClientAuthentication).
	InsecureTrustSystemRootsForClients bool
}

// resolved is Settings checked and turned into crypto/tls terms.
type resolved struct {
	minV, maxV   uint16
	cipherSuites []uint16
	curves       []tls.CurveID
	g12, g13     []tls.CurveID
	sig12, sig13 []SignatureAlgorithm
}

// Validate reports the first setting that cannot be applied, as an
// [*Error]. ServerConfig and ClientConfig call it.
func (s *Settings) Validate() error {
	_, err := s.resolve()
	return err
}

func (s *Settings) resolve() (resolved, error) {
	var r resolved
	var err error
	if r.minV, r.maxV, err = s.Protocols.Range(); err != nil {
		return r, err
	}
	for _, id := range s.CipherSuites {
		cs := cipherSuiteByID(id)
		if cs == nil {
			return r, &Error{Err: ErrUnknownCipher, Setting: "SSLEnabledCipherSuites", Value: fmt.Sprintf("0x%04X", id),
				Detail: "not implemented by Go's crypto/tls"}
		}
		if cs.Insecure && !s.AllowInsecureCipherSuites {
			return r, &Error{Err: ErrInsecureCipher, Setting: "SSLEnabledCipherSuites", Value: cs.Name,
				Detail: "crypto/tls marks this suite insecure; set AllowInsecureCipherSuites to use it anyway"}
		}
	}
	if s.MinCipherStrength < 0 {
		return r, &Error{Err: ErrInvalidValue, Setting: "SSLCipherStrength", Value: fmt.Sprint(s.MinCipherStrength), Detail: "must be 0 or more bits"}
	}
	plan, err := planCipherSuites(s.CipherSuites, s.MinCipherStrength, r.minV, r.maxV)
	if err != nil {
		return r, err
	}
	r.cipherSuites = plan.tls12
	if err := checkGroups(s.TLS12Groups, true, "TLS12SupportedGroups"); err != nil {
		return r, err
	}
	if err := checkGroups(s.TLS13Groups, false, "TLS13SupportedGroups"); err != nil {
		return r, err
	}
	if err := checkGroups(s.TLS13KeyShareGroups, false, "TLS13KeyShareGroups"); err != nil {
		return r, err
	}
	for _, g := range []struct {
		set     []tls.CurveID
		setting string
	}{{s.TLS12Groups, "TLS12SupportedGroups"}, {s.TLS13Groups, "TLS13SupportedGroups"}} {
		if g.set != nil && len(g.set) == 0 {
			return r, &Error{Err: ErrUnsupportedGroup, Setting: g.setting, Detail: "the list is empty; leave it nil for the default"}
		}
	}
	r.curves = curvePreferences(s.TLS12Groups, s.TLS13Groups, r.minV, r.maxV)
	r.g12, r.g13 = s.TLS12Groups, s.TLS13Groups
	if r.g12 == nil {
		r.g12 = defaultTLS12Groups
	}
	if r.g13 == nil {
		r.g13 = defaultTLS13Groups
	}
	r.sig12, r.sig13 = s.TLS12SignatureAlgorithms, s.TLS13SignatureAlgorithms
	if r.sig12 == nil {
		r.sig12 = defaultTLS12SigAlgs
	}
	if r.sig13 == nil {
		r.sig13 = defaultTLS13SigAlgs
	}
	for _, l := range []struct {
		list    []SignatureAlgorithm
		setting string
	}{{r.sig12, "TLS12SignatureAlgorithms"}, {r.sig13, "TLS13SignatureAlgorithms"}} {
		for _, a := range l.list {
			if b, ok := parseSignatureAlgorithm(a.String()); !ok || b != a {
				return r, &Error{Err: ErrUnknownSignatureAlgorithm, Setting: l.setting, Value: fmt.Sprintf("%+v", a),
					Detail: "not a valid signature algorithm; build entries with ParseSignatureAlgorithms"}
			}
		}
	}
	return r, nil
}

// ServerConfig builds a server-side *tls.Config. The caller adds the
// certificate (Certificates or GetCertificate) and ClientAuth. When the
// settings name a key log file the config holds it open: release it with
// [Close] when the server is done.
func (s *Settings) ServerConfig() (*tls.Config, error) {
	return s.build(false)
}

// ClientConfig builds a client-side *tls.Config: everything ServerConfig
// sets, plus ServerName, root CAs, AcceptAnyServerCert, the session cache
// and renegotiation. Release it with [Close] when done.
func (s *Settings) ClientConfig() (*tls.Config, error) {
	return s.build(true)
}

func (s *Settings) build(client bool) (*tls.Config, error) {
	r, err := s.resolve()
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{
		MinVersion:       r.minV,
		MaxVersion:       r.maxV,
		CipherSuites:     slices.Clone(r.cipherSuites),
		CurvePreferences: slices.Clone(r.curves),
		NextProtos:       slices.Clone(s.NextProtos),
	}
	if client {
		cfg.ServerName = s.ServerName
		cfg.InsecureSkipVerify = s.AcceptAnyServerCert
		if len(s.ServerCAs) > 0 {
			cfg.RootCAs = systemPlus(s.ServerCAs)
		}
		if s.ReuseSession {
			cfg.ClientSessionCache = s.SessionCache
			if cfg.ClientSessionCache == nil {
				cfg.ClientSessionCache = tls.NewLRUClientSessionCache(0)
			}
		}
		if s.Renegotiation {
			cfg.Renegotiation = tls.RenegotiateFreelyAsClient
		}
	} else if s.InsecureTrustSystemRootsForClients {
		cfg.ClientCAs = systemPlus(s.ClientCAs)
	} else {
		// Never nil: crypto/tls would verify clients against the
		// system's roots.
		cfg.ClientCAs = x509.NewCertPool()
		for _, c := range s.ClientCAs {
			cfg.ClientCAs.AddCert(c)
		}
	}
	skipSigs := client && s.AcceptAnyServerCert
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		return r.check(cs, skipSigs)
	}
	switch {
	case s.KeyLogWriter != nil:
		cfg.KeyLogWriter = s.KeyLogWriter
	case s.KeyLogFile != "":
		kl, err := OpenKeyLog(s.KeyLogFile)
		if err != nil {
			return nil, err
		}
		cfg.KeyLogWriter = kl
	}
	return cfg, nil
}

// CheckConnection applies the settings' post-handshake checks to a
// connection state: the key-exchange group must belong to the set for the
// negotiated version, and the peer's certificates must satisfy the
// signature-algorithm allow list. Configs built by ServerConfig and
// ClientConfig run it from VerifyConnection; a caller that replaces
// VerifyConnection should call it (or the one it replaces) itself.
func (s *Settings) CheckConnection(cs tls.ConnectionState, client bool) error {
	r, err := s.resolve()
	if err != nil {
		return err
	}
	return r.check(cs, client && s.AcceptAnyServerCert)
}

func (r *resolved) check(cs tls.ConnectionState, skipSigs bool) error {
	if cs.CurveID != 0 {
		set, setting := r.g12, "TLS12SupportedGroups"
		if cs.Version >= tls.VersionTLS13 {
			set, setting = r.g13, "TLS13SupportedGroups"
		}
		if !slices.Contains(set, cs.CurveID) {
			return &Error{Err: ErrGroupRejected, Setting: setting, Value: GroupName(cs.CurveID),
				Detail: fmt.Sprintf("the peer chose it for %s; allowed: %s", VersionName(cs.Version), FormatGroups(set))}
		}
	}
	if skipSigs {
		return nil
	}
	if cs.Version >= tls.VersionTLS13 {
		return checkPeerSignatures(cs, r.sig13, "TLS13SignatureAlgorithms")
	}
	return checkPeerSignatures(cs, r.sig12, "TLS12SignatureAlgorithms")
}

// systemPlus returns a copy of the system roots plus extra certificates.
// Without a readable system pool it returns the extra certificates alone.
func systemPlus(extra []*x509.Certificate) *x509.CertPool {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, c := range extra {
		pool.AddCert(c)
	}
	return pool
}
