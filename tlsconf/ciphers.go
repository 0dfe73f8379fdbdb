package tlsconf

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
)

// ParseCipherSuites parses an SSLEnabledCipherSuites value: IANA cipher
// suite names (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256)
// separated by semicolons as in IPWorks, or by commas or spaces. Names are
// case-insensitive and duplicates are dropped. "*" or an empty string
// returns nil, which stands for every secure suite crypto/tls implements.
//
// Names crypto/tls does not implement (TLS_DHE_*, TLS_ECDH_*, *_DES_*, ...)
// wrap [ErrUnknownCipher] and list the supported suites. Suites crypto/tls
// marks insecure (RC4, 3DES, RSA key exchange, CBC-SHA256) wrap
// [ErrInsecureCipher] unless allowInsecure is true.
func ParseCipherSuites(s string, allowInsecure bool) ([]uint16, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "*" {
		return nil, nil
	}
	var ids []uint16
	for _, name := range splitList(s, ";, \t\r\n") {
		if name == "*" {
			return nil, &Error{Err: ErrInvalidValue, Setting: "SSLEnabledCipherSuites", Value: s,
				Detail: `"*" selects every secure suite and cannot be combined with names`}
		}
		cs := lookupCipherSuite(name)
		if cs == nil {
			return nil, &Error{Err: ErrUnknownCipher, Setting: "SSLEnabledCipherSuites", Value: name,
				Detail: "not implemented by Go's crypto/tls; supported suites: " + strings.Join(cipherSuiteNames(false), ", ") +
					"; insecure, with AllowInsecureCipherSuites: " + strings.Join(cipherSuiteNames(true), ", ")}
		}
		if cs.Insecure && !allowInsecure {
			return nil, &Error{Err: ErrInsecureCipher, Setting: "SSLEnabledCipherSuites", Value: cs.Name,
				Detail: "crypto/tls marks this suite insecure; set AllowInsecureCipherSuites (SSLAllowInsecureCipherSuites=true) to use it anyway, or choose from: " +
					strings.Join(cipherSuiteNames(false), ", ")}
		}
		if !slices.Contains(ids, cs.ID) {
			ids = append(ids, cs.ID)
		}
	}
	return ids, nil
}

// FormatCipherSuites is the inverse of [ParseCipherSuites]: IANA names
// joined by ";", or "*" for nil.
func FormatCipherSuites(ids []uint16) string {
	if ids == nil {
		return "*"
	}
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = tls.CipherSuiteName(id)
	}
	return strings.Join(names, ";")
}

// lookupCipherSuite finds a suite by IANA name, case-insensitively. Go's
// short aliases for the ChaCha20 suites (without "_SHA256") are accepted.
func lookupCipherSuite(name string) *tls.CipherSuite {
	up := strings.ToUpper(name)
	if strings.HasSuffix(up, "_CHACHA20_POLY1305") {
		up += "_SHA256"
	}
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, cs := range list {
			if cs.Name == up {
				return cs
			}
		}
	}
	return nil
}

func cipherSuiteNames(insecure bool) []string {
	list := tls.CipherSuites()
	if insecure {
		list = tls.InsecureCipherSuites()
	}
	names := make([]string, len(list))
	for i, cs := range list {
		names[i] = cs.Name
	}
	return names
}

// cipherSuiteByID returns crypto/tls's description of a suite, or nil.
func cipherSuiteByID(id uint16) *tls.CipherSuite {
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, cs := range list {
			if cs.ID == id {
				return cs
			}
		}
	}
	return nil
}

// isTLS13Suite reports whether a suite is usable only in TLS 1.3.
func isTLS13Suite(cs *tls.CipherSuite) bool {
	return len(cs.SupportedVersions) == 1 && cs.SupportedVersions[0] == tls.VersionTLS13
}

// bulkCiphers maps the cipher part of a suite name to its strength in
// bits, the value SSLCipherStrength compares with and
// SSLNegotiatedCipherStrength reports. 3DES counts its effective 112 bits,
// not its 168-bit key.
var bulkCiphers = []struct {
	name     string
	strength int
}{
	{"AES_128_GCM", 128},
	{"AES_256_GCM", 256},
	{"AES_128_CBC", 128},
	{"AES_256_CBC", 256},
	{"CHACHA20_POLY1305", 256},
	{"3DES_EDE_CBC", 112},
	{"RC4_128", 128},
}

// CipherName returns the bulk cipher of a suite as SSLNegotiatedCipher
// reports it ("AES_128_GCM", "CHACHA20_POLY1305", "3DES_EDE_CBC", ...), or
// "" for an unknown suite.
func CipherName(suite uint16) string {
	name := tls.CipherSuiteName(suite)
	for _, c := range bulkCiphers {
		if strings.Contains(name, "_"+c.name+"_") || strings.HasSuffix(name, "_"+c.name) {
			return c.name
		}
	}
	return ""
}

// CipherStrength returns the strength in bits of a suite's bulk cipher:
// AES-128 and RC4-128 128, AES-256 and ChaCha20 256, 3DES 112; 0 for an
// unknown suite.
func CipherStrength(suite uint16) int {
	name := CipherName(suite)
	for _, c := range bulkCiphers {
		if c.name == name {
			return c.strength
		}
	}
	return 0
}

// cipherPlan is the outcome of applying SSLEnabledCipherSuites and
// SSLCipherStrength to the enabled version range.
type cipherPlan struct {
	// tls12 goes to tls.Config.CipherSuites (nil = crypto/tls default).
	tls12 []uint16
}

// planCipherSuites combines the named suites, the minimum strength and the
// enabled version range.
//
// crypto/tls ignores Config.CipherSuites for TLS 1.3 and always offers all
// three TLS 1.3 suites, so a restriction on them cannot be honoured: when
// TLS 1.3 is enabled, a list that names some but not all TLS 1.3 suites, or
// a minimum strength above 128 (which would exclude TLS_AES_128_GCM_SHA256),
// is an error wrapping [ErrNoCipherSuites]. Naming all three, or none, is
// accepted. When TLS 1.3 is not enabled, TLS 1.3 names have no effect.
//
// When TLS 1.0–1.2 is enabled and no TLS 1.0–1.2 suite survives the list
// and the strength filter, that is an error too.
func planCipherSuites(ids []uint16, minStrength int, minV, maxV uint16) (cipherPlan, error) {
	var plan cipherPlan
	all13 := 0
	var named13, list12 []uint16
	if ids == nil {
		for _, cs := range tls.CipherSuites() {
			if isTLS13Suite(cs) {
				continue
			}
			list12 = append(list12, cs.ID)
		}
	}
	for _, cs := range tls.CipherSuites() {
		if isTLS13Suite(cs) {
			all13++
		}
	}
	for _, id := range ids {
		cs := cipherSuiteByID(id)
		if cs == nil {
			return plan, &Error{Err: ErrUnknownCipher, Setting: "SSLEnabledCipherSuites", Value: fmt.Sprintf("0x%04X", id),
				Detail: "not implemented by Go's crypto/tls"}
		}
		if isTLS13Suite(cs) {
			named13 = append(named13, id)
		} else {
			list12 = append(list12, id)
		}
	}
	if maxV >= tls.VersionTLS13 {
		if len(named13) > 0 && len(named13) < all13 {
			return plan, &Error{Err: ErrNoCipherSuites, Setting: "SSLEnabledCipherSuites", Value: FormatCipherSuites(named13),
				Detail: "crypto/tls always offers TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 and TLS_CHACHA20_POLY1305_SHA256 in TLS 1.3 and cannot restrict them; name all three or none, or disable TLS 1.3"}
		}
		if minStrength > 128 {
			return plan, &Error{Err: ErrNoCipherSuites, Setting: "SSLCipherStrength", Value: fmt.Sprint(minStrength),
				Detail: "crypto/tls cannot exclude the 128-bit TLS_AES_128_GCM_SHA256 from TLS 1.3; disable TLS 1.3 (SSLEnabledProtocols=3072) or lower SSLCipherStrength to 128"}
		}
	}
	if minStrength > 0 {
		list12 = slices.DeleteFunc(list12, func(id uint16) bool { return CipherStrength(id) < minStrength })
	}
	if minV <= tls.VersionTLS12 {
		usable := slices.ContainsFunc(list12, func(id uint16) bool {
			return slices.ContainsFunc(cipherSuiteByID(id).SupportedVersions, func(v uint16) bool { return v >= minV && v <= maxV })
		})
		if !usable {
			return plan, &Error{Err: ErrNoCipherSuites, Setting: "SSLEnabledCipherSuites", Value: FormatCipherSuites(ids),
				Detail: fmt.Sprintf("no enabled cipher suite of at least %d bits works with %s..%s; name more suites, lower SSLCipherStrength, or narrow SSLEnabledProtocols",
					minStrength, VersionName(minV), VersionName(min(maxV, tls.VersionTLS12)))}
		}
	}
	if ids != nil || minStrength > 0 {
		plan.tls12 = list12
	}
	return plan, nil
}

// splitList splits s at any of the separator characters and drops empty
// items and surrounding space.
func splitList(s, seps string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) })
	out := f[:0]
	for _, x := range f {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
