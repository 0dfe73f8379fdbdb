package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"strconv"
	"strings"

	"github.com/tlskit/tlskit/internal/settings"
)

// Info is what a handshake negotiated, taken from a tls.ConnectionState by
// [Negotiated]. Most fields are the values of IPWorks's SSLNegotiated*
// settings, which [Info.Get] serves by name.
type Info struct {
	// Version is the TLS version number (tls.VersionTLS13) and VersionName
	// its IPWorks name ("TLS1.3"): SSLNegotiatedVersion.
	Version     uint16
	VersionName string

	// CipherSuite is the suite ID and CipherSuiteName its IANA name
	// (TLS_AES_128_GCM_SHA256): SSLNegotiatedCipherSuite.
	CipherSuite     uint16
	CipherSuiteName string

	// Cipher is the bulk cipher ("AES_128_GCM", "CHACHA20_POLY1305"):
	// SSLNegotiatedCipher. CipherStrength is its strength in bits (see
	// [CipherStrength]): SSLNegotiatedCipherStrength.
	Cipher         string
	CipherStrength int

	// KeyExchange is the key-exchange method, SSLNegotiatedKeyExchange:
	// "ECDHE" (TLS 1.3, and the TLS 1.0–1.2 ECDHE suites), "ECDHE-MLKEM"
	// (the post-quantum hybrids) or "RSA" (RSA key transport).
	KeyExchange string

	// Group is the key-exchange group (cs.CurveID) and GroupName its
	// IPWorks name ("ecdhe_x25519", "X25519MLKEM768"); 0 and "" when no
	// group was used (RSA key transport, a resumed TLS 1.2 session).
	Group     tls.CurveID
	GroupName string

	// KeyExchangeStrength is SSLNegotiatedKeyExchangeStrength in bits: the
	// key size of the group's elliptic curve as OpenSSL reports it
	// (x25519 253, secp256r1 256, secp384r1 384, secp521r1 521). For the
	// hybrids it is the size of the classical half (X25519MLKEM768 253,
	// SecP256r1MLKEM768 256, SecP384r1MLKEM1024 384); ML-KEM has no key
	// size in bits. 0 when no group was used.
	KeyExchangeStrength int

	// ALPN is the negotiated application protocol, or "".
	ALPN string
	// ServerName is the SNI host name the client sent, or "".
	ServerName string
	// DidResume reports a resumed session.
	DidResume bool
	// PeerCertificates are the certificates the peer sent, leaf first.
	PeerCertificates []*x509.Certificate
}

// Negotiated describes a completed handshake.
func Negotiated(cs tls.ConnectionState) Info {
	info := Info{
		Version:          cs.Version,
		VersionName:      VersionName(cs.Version),
		CipherSuite:      cs.CipherSuite,
		CipherSuiteName:  tls.CipherSuiteName(cs.CipherSuite),
		Cipher:           CipherName(cs.CipherSuite),
		CipherStrength:   CipherStrength(cs.CipherSuite),
		Group:            cs.CurveID,
		GroupName:        GroupName(cs.CurveID),
		ALPN:             cs.NegotiatedProtocol,
		ServerName:       cs.ServerName,
		DidResume:        cs.DidResume,
		PeerCertificates: cs.PeerCertificates,
	}
	if g := groupByID(cs.CurveID); g != nil {
		info.KeyExchangeStrength = g.strength
	}
	switch {
	case strings.HasPrefix(info.CipherSuiteName, "TLS_RSA_"):
		info.KeyExchange = "RSA"
	case cs.Version == 0 && cs.CipherSuite == 0:
		// No handshake: leave it empty.
	case strings.Contains(info.GroupName, "MLKEM"):
		info.KeyExchange = "ECDHE-MLKEM"
	default:
		info.KeyExchange = "ECDHE"
	}
	return info
}

// negotiatedNames maps IPWorks's per-connection names (and tlskit's
// additions) to Info fields.
var negotiatedNames = []struct {
	name string
	get  func(i *Info) string
}{
	{"SSLNegotiatedVersion", func(i *Info) string { return i.VersionName }},
	{"SSLNegotiatedCipher", func(i *Info) string { return i.Cipher }},
	{"SSLNegotiatedCipherStrength", func(i *Info) string { return strconv.Itoa(i.CipherStrength) }},
	{"SSLNegotiatedCipherSuite", func(i *Info) string { return i.CipherSuiteName }},
	{"SSLNegotiatedKeyExchange", func(i *Info) string { return i.KeyExchange }},
	{"SSLNegotiatedKeyExchangeStrength", func(i *Info) string { return strconv.Itoa(i.KeyExchangeStrength) }},
	{"SSLNegotiatedGroup", func(i *Info) string { return i.GroupName }},
	{"SSLNegotiatedALPN", func(i *Info) string { return i.ALPN }},
	{"SSLNegotiatedServerName", func(i *Info) string { return i.ServerName }},
	{"SSLSessionReused", func(i *Info) string { return settings.FormatBool(i.DidResume) }},
}

// Get returns a negotiated detail by its IPWorks name, case-insensitively:
// SSLNegotiatedVersion ("TLS1.3"), SSLNegotiatedCipher ("AES_128_GCM"),
// SSLNegotiatedCipherStrength ("128"), SSLNegotiatedCipherSuite
// ("TLS_AES_128_GCM_SHA256"), SSLNegotiatedKeyExchange ("ECDHE"),
// SSLNegotiatedKeyExchangeStrength ("253"), and tlskit's
// SSLNegotiatedGroup ("ecdhe_x25519"), SSLNegotiatedALPN,
// SSLNegotiatedServerName and SSLSessionReused ("True"/"False"). Other
// names wrap [ErrUnknownSetting].
func (i Info) Get(name string) (string, error) {
	n := strings.TrimSpace(name)
	for _, e := range negotiatedNames {
		if strings.EqualFold(e.name, n) {
			return e.get(&i), nil
		}
	}
	return "", &Error{Err: ErrUnknownSetting, Setting: n}
}
