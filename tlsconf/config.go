package tlsconf

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strconv"
	"strings"
)

// setting is one name of the string interface.
type setting struct {
	name string
	set  func(s *Settings, v string) error
	get  func(s *Settings) string
}

// settings lists IPWorks's TLS-layer configuration names, plus tlskit's
// SSLAllowInsecureCipherSuites.
var settings = []setting{
	{"SSLEnabledProtocols", func(s *Settings, v string) error {
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
	}, func(s *Settings) string {
		p := s.Protocols
		if p == 0 {
			p = DefaultProtocols
		}
		return strconv.FormatUint(uint64(p), 10)
	}},
	{"SSLEnabledCipherSuites", func(s *Settings, v string) error {
		ids, err := ParseCipherSuites(v, s.AllowInsecureCipherSuites)
		if err == nil {
			s.CipherSuites = ids
		}
		return err
	}, func(s *Settings) string { return FormatCipherSuites(s.CipherSuites) }},
	{"SSLAllowInsecureCipherSuites", func(s *Settings, v string) error {
		return setBool(&s.AllowInsecureCipherSuites, v)
	}, func(s *Settings) string { return formatBool(s.AllowInsecureCipherSuites) }},
	{"SSLCipherStrength", func(s *Settings, v string) error {
		n, err := parseUint(v, 16)
		if err == nil {
			s.MinCipherStrength = int(n)
		}
		return err
	}, func(s *Settings) string { return strconv.Itoa(s.MinCipherStrength) }},
	{"TLS12SupportedGroups", func(s *Settings, v string) error {
		return setGroups(&s.TLS12Groups, v, true)
	}, func(s *Settings) string { return formatGroupsOr(s.TLS12Groups, defaultTLS12Groups) }},
	{"TLS13SupportedGroups", func(s *Settings, v string) error {
		return setGroups(&s.TLS13Groups, v, false)
	}, func(s *Settings) string { return formatGroupsOr(s.TLS13Groups, defaultTLS13Groups) }},
	{"TLS13KeyShareGroups", func(s *Settings, v string) error {
		return setGroups(&s.TLS13KeyShareGroups, v, false)
	}, func(s *Settings) string { return FormatGroups(s.TLS13KeyShareGroups) }},
	{"TLS12SignatureAlgorithms", func(s *Settings, v string) error {
		l, err := ParseSignatureAlgorithms(v)
		if err == nil {
			s.TLS12SignatureAlgorithms = l
		}
		return err
	}, func(s *Settings) string {
		if s.TLS12SignatureAlgorithms == nil {
			return DefaultTLS12SignatureAlgorithms
		}
		return FormatSignatureAlgorithms(s.TLS12SignatureAlgorithms, true)
	}},
	{"TLS13SignatureAlgorithms", func(s *Settings, v string) error {
		l, err := ParseSignatureAlgorithms(v)
		if err == nil {
			s.TLS13SignatureAlgorithms = l
		}
		return err
	}, func(s *Settings) string {
		if s.TLS13SignatureAlgorithms == nil {
			return DefaultTLS13SignatureAlgorithms
		}
		return FormatSignatureAlgorithms(s.TLS13SignatureAlgorithms, false)
	}},
	{"SSLKeyLogFile", func(s *Settings, v string) error {
		s.KeyLogFile = v
		return nil
	}, func(s *Settings) string { return s.KeyLogFile }},
	{"SSLAcceptAnyServerCert", func(s *Settings, v string) error {
		return setBool(&s.AcceptAnyServerCert, v)
	}, func(s *Settings) string { return formatBool(s.AcceptAnyServerCert) }},
	{"SSLServerCACerts", func(s *Settings, v string) error {
		return setCerts(&s.ServerCAs, v)
	}, func(s *Settings) string { return formatCerts(s.ServerCAs) }},
	{"SSLClientCACerts", func(s *Settings, v string) error {
		return setCerts(&s.ClientCAs, v)
	}, func(s *Settings) string { return formatCerts(s.ClientCAs) }},
	{"ReuseSSLSession", func(s *Settings, v string) error {
		return setBool(&s.ReuseSession, v)
	}, func(s *Settings) string { return formatBool(s.ReuseSession) }},
	{"SSLEnableRenegotiation", func(s *Settings, v string) error {
		return setBool(&s.Renegotiation, v)
	}, func(s *Settings) string { return formatBool(s.Renegotiation) }},
}

// openSSLOnly lists IPWorks settings that exist only for its OpenSSL
// provider, with what to use instead.
var openSSLOnly = map[string]string{
	"opensslcadir":        "SSLServerCACerts or SSLClientCACerts",
	"opensslcafile":       "SSLServerCACerts or SSLClientCACerts",
	"opensslcipherlist":   "SSLEnabledCipherSuites and SSLCipherStrength",
	"opensslprngseeddata": "nothing: crypto/tls always uses the operating system's random source",
}

func lookupSetting(name string) (*setting, error) {
	n := strings.TrimSpace(name)
	for i := range settings {
		if strings.EqualFold(settings[i].name, n) {
			return &settings[i], nil
		}
	}
	if instead, ok := openSSLOnly[strings.ToLower(n)]; ok {
		return nil, &Error{Err: ErrUnsupportedSetting, Setting: n,
			Detail: "available only with the OpenSSL provider; tlskit always uses Go's crypto/tls; use " + instead}
	}
	return nil, &Error{Err: ErrUnknownSetting, Setting: n}
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
// OpenSSL-only names wrap [ErrUnsupportedSetting]; the per-connection
// SSLNegotiated* names are served by [Info.Get]. A value that does not
// parse leaves the setting unchanged. Cross-setting conflicts (a cipher
// list with no suite for the enabled versions) are reported by Validate
// and the Config builders, since settings may be given in any order.
func (s *Settings) Set(name, value string) error {
	st, err := lookupSetting(name)
	if err != nil {
		return err
	}
	return withSetting(st.set(s, value), st.name)
}

// Get returns a setting by its IPWorks name, case-insensitively, in the form
// Set accepts. Defaults are spelled out (SSLEnabledProtocols "15360",
// SSLEnabledCipherSuites "*"). Errors are as for Set.
func (s *Settings) Get(name string) (string, error) {
	st, err := lookupSetting(name)
	if err != nil {
		return "", err
	}
	return st.get(s), nil
}

// SettingNames returns the names Set and Get accept, in their canonical
// spelling.
func SettingNames() []string {
	names := make([]string, len(settings))
	for i, st := range settings {
		names[i] = st.name
	}
	return names
}

// ParseBool parses the boolean spellings IPWorks's settings accept: True,
// False, Yes, No, 1, 0, in any case.
func ParseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "1":
		return true, nil
	case "false", "no", "0":
		return false, nil
	}
	return false, &Error{Err: ErrInvalidValue, Value: v, Detail: "want True, False, Yes, No, 1 or 0"}
}

func setBool(dst *bool, v string) error {
	b, err := ParseBool(v)
	if err == nil {
		*dst = b
	}
	return err
}

func formatBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
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
