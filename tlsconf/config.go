package tlsconf

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tlskit/tlskit/internal/settings"
)

// table lists IPWorks's TLS-layer configuration names, plus tlskit's
// SSLAllowInsecureCipherSuites.
var table = settings.NewTable(append([]settings.Setting[*Settings]{
	{Name: "SSLEnabledProtocols", Set: func(s *Settings, v string) error {
		n, err := parseUint(v, 32)
		if err != nil {
			return err
		}
		p := Protocols(n)
		if _, _, err := p.Range(); err != nil {
			return err
		}
		s.Protocols = p
		return nil
	}, Get: func(s *Settings) string {
		p := s.Protocols
		if p == 0 {
			p = DefaultProtocols
		}
		return strconv.FormatUint(uint64(p), 10)
	}},
	{Name: "SSLEnabledCipherSuites", Set: func(s *Settings, v string) error {
		ids, err := ParseCipherSuites(v, s.AllowInsecureCipherSuites)
		if err == nil {
			s.CipherSuites = ids
		}
		return err
	}, Get: func(s *Settings) string { return FormatCipherSuites(s.CipherSuites) }},
	{Name: "SSLAllowInsecureCipherSuites", Set: func(s *Settings, v string) error {
		return setBool(&s.AllowInsecureCipherSuites, v)
	}, Get: func(s *Settings) string { return settings.FormatBool(s.AllowInsecureCipherSuites) }},
	{Name: "SSLCipherStrength", Set: func(s *Settings, v string) error {
		n, err := parseUint(v, 16)
		if err == nil {
			s.MinCipherStrength = int(n)
		}
		return err
	}, Get: func(s *Settings) string { return strconv.Itoa(s.MinCipherStrength) }},
	{Name: "TLS12SupportedGroups", Set: func(s *Settings, v string) error {
		return setGroups(&s.TLS12Groups, v, true)
	}, Get: func(s *Settings) string { return formatGroupsOr(s.TLS12Groups, defaultTLS12Groups) }},
	{Name: "TLS13SupportedGroups", Set: func(s *Settings, v string) error {
		return setGroups(&s.TLS13Groups, v, false)
	}, Get: func(s *Settings) string { return formatGroupsOr(s.TLS13Groups, defaultTLS13Groups) }},
	{Name: "TLS13KeyShareGroups", Set: func(s *Settings, v string) error {
		return setGroups(&s.TLS13KeyShareGroups, v, false)
	}, Get: func(s *Settings) string { return FormatGroups(s.TLS13KeyShareGroups) }},
	{Name: "TLS12SignatureAlgorithms", Set: func(s *Settings, v string) error {
		l, err := ParseSignatureAlgorithms(v)
		if err == nil {
			s.TLS12SignatureAlgorithms = l
		}
		return err
	}, Get: func(s *Settings) string {
		if s.TLS12SignatureAlgorithms == nil {
			return DefaultTLS12SignatureAlgorithms
		}
		return FormatSignatureAlgorithms(s.TLS12SignatureAlgorithms, true)
	}},
	{Name: "TLS13SignatureAlgorithms", Set: func(s *Settings, v string) error {
		l, err := ParseSignatureAlgorithms(v)
		if err == nil {
			s.TLS13SignatureAlgorithms = l
		}
		return err
	}, Get: func(s *Settings) string {
		if s.TLS13SignatureAlgorithms == nil {
			return DefaultTLS13SignatureAlgorithms
		}
		return FormatSignatureAlgorithms(s.TLS13SignatureAlgorithms, false)
	}},
	{Name: "SSLKeyLogFile", Set: func(s *Settings, v string) error {
		s.KeyLogFile = v
		return nil
	}, Get: func(s *Settings) string { return s.KeyLogFile }},
	{Name: "SSLAcceptAnyServerCert", Set: func(s *Settings, v string) error {
		return setBool(&s.AcceptAnyServerCert, v)
	}, Get: func(s *Settings) string { return settings.FormatBool(s.AcceptAnyServerCert) }},
	{Name: "SSLServerCACerts", Set: func(s *Settings, v string) error {
		return setCerts(&s.ServerCAs, v)
	}, Get: func(s *Settings) string { return formatCerts(s.ServerCAs) }},
	{Name: "SSLClientCACerts", Set: func(s *Settings, v string) error {
		return setCerts(&s.ClientCAs, v)
	}, Get: func(s *Settings) string { return formatCerts(s.ClientCAs) }},
	{Name: "ReuseSSLSession", Set: func(s *Settings, v string) error {
		return setBool(&s.ReuseSession, v)
	}, Get: func(s *Settings) string { return settings.FormatBool(s.ReuseSession) }},
	{Name: "SSLEnableRenegotiation", Set: func(s *Settings, v string) error {
		return setBool(&s.Renegotiation, v)
	}, Get: func(s *Settings) string { return settings.FormatBool(s.Renegotiation) }},
}, append(openSSLOnly, goCannot...)...)...)

// openSSLOnly lists IPWorks settings that exist only for its OpenSSL
// provider, with what to use instead.
var openSSLOnly = []settings.Setting[*Settings]{
	openSSL("OpenSSLCADir", "SSLServerCACerts or SSLClientCACerts"),
	openSSL("OpenSSLCAFile", "SSLServerCACerts or SSLClientCACerts"),
	openSSL("OpenSSLCipherList", "SSLEnabledCipherSuites and SSLCipherStrength"),
	openSSL("OpenSSLPrngSeedData", "nothing: crypto/tls always uses the operating system's random source"),
}

// goCannot lists IPWorks's TLS-layer settings that crypto/tls cannot
// honour, with what to use instead.
var goCannot = []settings.Setting[*Settings]{
	{Name: "LogSSLPackets", Unsupported: "a tls.Config cannot log TLS records: a server.Server logs them " +
		"(server.Options.LogTLSRecords); SSLKeyLogFile (tls.Config.KeyLogWriter) lets a packet capture be decrypted"},
	{Name: "SSLCACerts", Unsupported: "a peer is sent the chain of its certificate: append the intermediates to " +
		"tls.Certificate.Certificate after the leaf; the CAs that verify the peer are SSLServerCACerts (a client's) " +
		"and SSLClientCACerts (a server's)"},
	{Name: "SSLIncludeCertChain", Unsupported: "the whole chain the peer sent is always kept: " +
		"tls.ConnectionState.PeerCertificates"},
	{Name: "SSLSecurityFlags", Unsupported: "crypto/tls has no per-check flags: relax or add certificate checks in " +
		"tls.Config.VerifyPeerCertificate or VerifyConnection (a socket client has socket.TLSOptions.SecurityFlags)"},
}

func openSSL(name, instead string) settings.Setting[*Settings] {
	return settings.Setting[*Settings]{Name: name,
		Unsupported: "available only with the OpenSSL provider; tlskit always uses Go's crypto/tls; use " + instead}
}

func lookupSetting(name string) (*settings.Setting[*Settings], error) {
	n := strings.TrimSpace(name)
	st, ok := table.Lookup(n)
	switch {
	case !ok:
		return nil, &Error{Err: ErrUnknownSetting, Setting: n}
	case st.Unsupported != "":
		return nil, &Error{Err: ErrUnsupportedSetting, Setting: n, Detail: st.Unsupported}
	}
	return st, nil
}

// Set changes a setting by its IPWorks name, case-insensitively:
// SSLEnabledProtocols, SSLEnabledCipherSuites, SSLCipherStrength,
// TLS12SupportedGroups, TLS13SupportedGroups, TLS13KeyShareGroups,
// TLS12SignatureAlgorithms, TLS13SignatureAlgorithms, SSLKeyLogFile,
// SSLAcceptAnyServerCert, SSLServerCACerts, SSLClientCACerts,
// ReuseSSLSession, SSLEnableRenegotiation, and tlskit's
// SSLAllowInsecureCipherSuites. Booleans accept True/False, Yes/No, 1/0 in
// any case; numbers accept decimal or 0x hex. An empty group list restores
// the default; an empty signature-algorithm list removes the restriction.
//
// A name this package does not own returns an error wrapping
// [ErrUnknownSetting] so that callers can try their own names; IPWorks's
// OpenSSL-only names and the TLS-layer names crypto/tls cannot honour
// (LogSSLPackets, SSLCACerts, SSLIncludeCertChain, SSLSecurityFlags) wrap
// [ErrUnsupportedSetting] and say what to use instead; the per-connection
// SSLNegotiated* names are served by [Info.Get]. A value that does not
// parse leaves the setting unchanged. Cross-setting conflicts (a cipher
// list with no suite for the enabled versions) are reported by Validate
// and the Config builders, since settings may be given in any order.
func (s *Settings) Set(name, value string) error {
	st, err := lookupSetting(name)
	if err != nil {
		return err
	}
	return withSetting(st.Set(s, value), st.Name)
}

// Get returns a setting by its IPWorks name, case-insensitively, in the form
// Set accepts. Defaults are spelled out (SSLEnabledProtocols "15360",
// SSLEnabledCipherSuites "*"). Errors are as for Set.
func (s *Settings) Get(name string) (string, error) {
	st, err := lookupSetting(name)
	if err != nil {
		return "", err
	}
	return st.Get(s), nil
}

// SettingNames returns the names Set and Get accept, in their canonical
// spelling.
func SettingNames() []string { return table.Names() }

// ParseBool parses the boolean spellings IPWorks's settings accept: True,
// False, Yes, No, 1, 0, in any case.
func ParseBool(v string) (bool, error) {
	b, err := settings.ParseBool(v)
	if err != nil {
		return false, &Error{Err: ErrInvalidValue, Value: v, Detail: "want True, False, Yes, No, 1 or 0"}
	}
	return b, nil
}

func setBool(dst *bool, v string) error {
	b, err := ParseBool(v)
	if err == nil {
		*dst = b
	}
	return err
}

func parseUint(v string, bits int) (uint64, error) {
	t := strings.TrimSpace(v)
	base := 10
	if h, ok := strings.CutPrefix(strings.ToLower(t), "0x"); ok {
		t, base = h, 16
	}
	n, err := strconv.ParseUint(t, base, bits)
	if err != nil {
		return 0, &Error{Err: ErrInvalidValue, Value: v, Detail: "want a non-negative decimal or 0x-hex number"}
	}
	return n, nil
}

func setGroups(dst *[]tls.CurveID, v string, tls12 bool) error {
	ids, err := ParseGroups(v, tls12)
	if err == nil {
		*dst = ids
	}
	return err
}

func formatGroupsOr(ids, def []tls.CurveID) string {
	if ids == nil {
		return FormatGroups(def)
	}
	return FormatGroups(ids)
}

// setCerts parses IPWorks's newline-separated list of PEM certificates.
// Text around the PEM blocks is ignored; an empty value clears the list.
func setCerts(dst *[]*x509.Certificate, v string) error {
	rest := []byte(v)
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return &Error{Err: ErrInvalidValue, Value: block.Type, Detail: "want PEM CERTIFICATE blocks"}
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return &Error{Err: ErrInvalidValue, Detail: fmt.Sprintf("certificate %d does not parse", len(certs)+1), Cause: err}
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 && strings.TrimSpace(v) != "" {
		return &Error{Err: ErrInvalidValue, Value: v, Detail: "no PEM certificate (-----BEGIN CERTIFICATE-----) found"}
	}
	*dst = certs
	return nil
}

func formatCerts(certs []*x509.Certificate) string {
	var b bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.String()
}

// serverSide are the settings that mean something to a server's config,
// by the tls.Config fields ServerConfigOver takes from them.
var serverSide = map[string]bool{
	"SSLEnabledProtocols": true, "SSLEnabledCipherSuites": true, "SSLAllowInsecureCipherSuites": true,
	"SSLCipherStrength": true, "TLS12SupportedGroups": true, "TLS13SupportedGroups": true,
	"TLS12SignatureAlgorithms": true, "TLS13SignatureAlgorithms": true, "SSLKeyLogFile": true,
	"SSLClientCACerts": true,
}

// clientSide says what a server uses instead of a client's setting.
var clientSide = map[string]string{
	"SSLAcceptAnyServerCert": "a server verifies client certificates as tls.Config.ClientAuth and SSLClientCACerts say",
	"SSLServerCACerts":       "a server trusts SSLClientCACerts for client certificates",
	"ReuseSSLSession":        "a crypto/tls server resumes sessions unless tls.Config.SessionTicketsDisabled is set",
	"SSLEnableRenegotiation": "crypto/tls servers never renegotiate",
	"TLS13KeyShareGroups":    "a server answers the key share the client sent; TLS13SupportedGroups limits the groups",
}

// ServerSetting reports whether a server's config honours the named
// setting: nil for the names [Settings.ServerConfigOver] applies
// (SSLEnabledProtocols, SSLEnabledCipherSuites,
// SSLAllowInsecureCipherSuites, SSLCipherStrength, TLS12SupportedGroups,
// TLS13SupportedGroups, TLS12SignatureAlgorithms, TLS13SignatureAlgorithms,
// SSLKeyLogFile, SSLClientCACerts); an error wrapping
// [ErrUnsupportedSetting] that says what to use instead for a client's
// setting and the names Set refuses as unsupported; and one wrapping
// [ErrUnknownSetting] for a name of no TLS layer.
func ServerSetting(name string) error {
	st, err := lookupSetting(name)
	switch {
	case err != nil:
		return err
	case serverSide[st.Name]:
		return nil
	}
	return &Error{Err: ErrUnsupportedSetting, Setting: st.Name, Detail: "a client's setting, without effect on a server: " + clientSide[st.Name]}
}

// ServerConfigOver returns a copy of base with the named settings applied,
// for a server that keeps its own *tls.Config (certificates, hooks,
// ClientAuth) and takes some settings by name on top of it: what
// ServerConfig builds from s replaces only the fields those names govern
// (MinVersion and MaxVersion; CipherSuites; CurvePreferences; ClientCAs;
// KeyLogWriter), and the group and signature-algorithm checks run before
// base's own VerifyConnection. Names must pass [ServerSetting]. A
// KeyLogFile without a KeyLogWriter is opened, as by ServerConfig: release
// it with [Close]. base's other fields, and those of unnamed settings, are
// kept.
func (s *Settings) ServerConfigOver(base *tls.Config, names ...string) (*tls.Config, error) {
	built, err := s.build(false)
	if err != nil {
		return nil, err
	}
	cfg := base.Clone()
	if cfg == nil {
		cfg = &tls.Config{}
	}
	check := false
	for _, name := range names {
		if err := ServerSetting(name); err != nil {
			if s.KeyLogWriter == nil {
				Close(built)
			}
			return nil, err
		}
		st, _ := table.Lookup(name)
		switch st.Name {
		case "SSLEnabledProtocols":
			cfg.MinVersion, cfg.MaxVersion = built.MinVersion, built.MaxVersion
		case "SSLEnabledCipherSuites", "SSLAllowInsecureCipherSuites", "SSLCipherStrength":
			cfg.CipherSuites = built.CipherSuites
		case "TLS12SupportedGroups", "TLS13SupportedGroups":
			cfg.CurvePreferences, check = built.CurvePreferences, true
		case "TLS12SignatureAlgorithms", "TLS13SignatureAlgorithms":
			check = true
		case "SSLKeyLogFile":
			cfg.KeyLogWriter = built.KeyLogWriter
		case "SSLClientCACerts":
			cfg.ClientCAs = built.ClientCAs
		}
	}
	if s.KeyLogWriter == nil && cfg.KeyLogWriter != built.KeyLogWriter {
		Close(built) // opened for a name not asked for
	}
	if check {
		mine, next := built.VerifyConnection, cfg.VerifyConnection
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if err := mine(cs); err != nil {
				return err
			}
			if next != nil {
				return next(cs)
			}
			return nil
		}
	}
	return cfg, nil
}

// SettingsOf describes cfg as Settings, as far as its fields map to them:
// Protocols from MinVersion and MaxVersion (0 meaning crypto/tls's default,
// TLS 1.2 and TLS 1.3), CipherSuites (and AllowInsecureCipherSuites when
// one of them is insecure), the groups from CurvePreferences, and
// KeyLogFile when KeyLogWriter is a [*KeyLog]. The other settings, which a
// tls.Config does not hold in a form that can be read back (ClientCAs is a
// pool), are left at their defaults. Nil describes the defaults. A
// [*KeyLog] is kept as KeyLogWriter too, so configs built from the result
// write to the same open file rather than opening it again.
func SettingsOf(cfg *tls.Config) Settings {
	var s Settings
	if cfg == nil {
		return s
	}
	lo, hi := cfg.MinVersion, cfg.MaxVersion
	if lo == 0 {
		lo = tls.VersionTLS12
	}
	if hi == 0 {
		hi = tls.VersionTLS13
	}
	if p, err := ProtocolsFromRange(lo, hi); err == nil && p != DefaultProtocols {
		s.Protocols = p
	}
	if cfg.CipherSuites != nil {
		s.CipherSuites = slices.Clone(cfg.CipherSuites)
		for _, id := range cfg.CipherSuites {
			if cs := cipherSuiteByID(id); cs != nil && cs.Insecure {
				s.AllowInsecureCipherSuites = true
			}
		}
	}
	if cfg.CurvePreferences != nil {
		for _, id := range cfg.CurvePreferences {
			if g := groupByID(id); g != nil {
				s.TLS13Groups = append(s.TLS13Groups, id)
				if !g.tls13Only {
					s.TLS12Groups = append(s.TLS12Groups, id)
				}
			}
		}
	}
	if k, ok := cfg.KeyLogWriter.(*KeyLog); ok {
		s.KeyLogFile, s.KeyLogWriter = k.Path(), k // the file stays cfg's
	}
	return s
}
