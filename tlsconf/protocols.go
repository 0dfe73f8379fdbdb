package tlsconf

import (
	"crypto/tls"
	"fmt"
	"strconv"
	"strings"
)

// Protocols is a set of TLS versions, as IPWorks's SSLEnabledProtocols
// bitmask. Each version owns two bits (one for the server role, one for the
// client role); setting either enables the version, and the constants set
// both.
//
// The zero value means the default: TLS 1.2 and TLS 1.3, for servers and
// clients alike. (IPWorks's SSLEnabledProtocols defaults to 4032, TLS 1.0 to
// 1.2, for clients and to 3072, TLS 1.2 only, for servers.)
type Protocols uint32

// Protocol versions, with IPWorks's SSLEnabledProtocols values.
const (
	TLS13 Protocols = 12288 // 0x3000
	TLS12 Protocols = 3072  // 0xC00
	TLS11 Protocols = 768   // 0x300
	TLS10 Protocols = 192   // 0xC0
	SSL3  Protocols = 48    // 0x30: not supported by crypto/tls
	SSL2  Protocols = 12    // 0x0C: not supported by crypto/tls

	// DefaultProtocols is what the zero value stands for.
	DefaultProtocols = TLS12 | TLS13

	allProtocols = TLS13 | TLS12 | TLS11 | TLS10 | SSL3 | SSL2
)

// protocolBits lists the versions crypto/tls speaks, oldest first.
var protocolBits = []struct {
	bits    Protocols
	version uint16
}{
	{TLS10, tls.VersionTLS10},
	{TLS11, tls.VersionTLS11},
	{TLS12, tls.VersionTLS12},
	{TLS13, tls.VersionTLS13},
}

// Range returns the MinVersion and MaxVersion for crypto/tls.
//
// crypto/tls accepts one contiguous range of versions, so a set with a
// hole in it (TLS10|TLS13) is an error rather than silently widened to the
// covering range. SSL2 and SSL3 are errors too: crypto/tls cannot speak
// them. Both errors wrap [ErrUnsupportedProtocol].
//
// An explicit TLS 1.0 or 1.1 minimum works on servers as is: the GODEBUG
// setting tls10server=1 only changes crypto/tls's default when MinVersion
// is 0, which a config built by this package never leaves it.
func (p Protocols) Range() (minVersion, maxVersion uint16, err error) {
	if p == 0 {
		p = DefaultProtocols
	}
	if extra := p &^ allProtocols; extra != 0 {
		return 0, 0, &Error{Err: ErrUnsupportedProtocol, Setting: "SSLEnabledProtocols", Value: strconv.FormatUint(uint64(p), 10),
			Detail: fmt.Sprintf("unknown bits 0x%X; valid values are TLS1.3 12288, TLS1.2 3072, TLS1.1 768, TLS1 192", uint32(extra))}
	}
	if p&(SSL2|SSL3) != 0 {
		return 0, 0, &Error{Err: ErrUnsupportedProtocol, Setting: "SSLEnabledProtocols", Value: strconv.FormatUint(uint64(p), 10),
			Detail: "SSL 2.0 and SSL 3.0 are not supported by Go's crypto/tls; enable TLS 1.2 (3072) and/or TLS 1.3 (12288) instead"}
	}
	first, last := -1, -1
	for i, pb := range protocolBits {
		if p&pb.bits == 0 {
			continue
		}
		if first < 0 {
			first = i
		} else if last != i-1 {
			return 0, 0, &Error{Err: ErrUnsupportedProtocol, Setting: "SSLEnabledProtocols", Value: p.String(),
				Detail: fmt.Sprintf("crypto/tls only supports one contiguous range of versions; also enable the versions in between (e.g. %d)", p|coverRange(first, i))}
		}
		last = i
	}
	return protocolBits[first].version, protocolBits[last].version, nil
}

// coverRange returns the bits of every version from index i to j.
func coverRange(i, j int) Protocols {
	var p Protocols
	for k := i; k <= j; k++ {
		p |= protocolBits[k].bits
	}
	return p
}

// ProtocolsFromRange returns the bitmask enabling every version from
// minVersion to maxVersion (crypto/tls version numbers), or an error
// wrapping [ErrUnsupportedProtocol] for versions crypto/tls does not speak.
func ProtocolsFromRange(minVersion, maxVersion uint16) (Protocols, error) {
	lo, hi := -1, -1
	for i, pb := range protocolBits {
		if pb.version == minVersion {
			lo = i
		}
		if pb.version == maxVersion {
			hi = i
		}
	}
	if lo < 0 || hi < 0 || lo > hi {
		return 0, &Error{Err: ErrUnsupportedProtocol, Value: fmt.Sprintf("%s..%s", VersionName(minVersion), VersionName(maxVersion)),
			Detail: "need TLS1 <= minimum <= maximum <= TLS1.3"}
	}
	return coverRange(lo, hi), nil
}

// String lists the enabled versions with IPWorks's names, joined by "|"
// (e.g. "TLS1.2|TLS1.3"). The zero value prints as the default set; unknown
// bits print in hex.
func (p Protocols) String() string {
	if p == 0 {
		p = DefaultProtocols
	}
	var names []string
	for _, n := range []struct {
		bits Protocols
		name string
	}{{SSL2, "SSL2"}, {SSL3, "SSL3"}, {TLS10, "TLS1"}, {TLS11, "TLS1.1"}, {TLS12, "TLS1.2"}, {TLS13, "TLS1.3"}} {
		if p&n.bits != 0 {
			names = append(names, n.name)
		}
	}
	if extra := p &^ allProtocols; extra != 0 {
		names = append(names, fmt.Sprintf("0x%X", uint32(extra)))
	}
	return strings.Join(names, "|")
}

// VersionName returns IPWorks's name for a TLS version number, as its
// SSLNegotiatedVersion reports it: "TLS1", "TLS1.1", "TLS1.2", "TLS1.3",
// "SSL3". Unknown values print in hex, such as "0x0305".
func VersionName(v uint16) string {
	switch v {
	case 0x0300: // SSL 3.0 (tls.VersionSSL30 is deprecated)
		return "SSL3"
	case tls.VersionTLS10:
		return "TLS1"
	case tls.VersionTLS11:
		return "TLS1.1"
	case tls.VersionTLS12:
		return "TLS1.2"
	case tls.VersionTLS13:
		return "TLS1.3"
	}
	return fmt.Sprintf("0x%04X", v)
}

// ParseVersion parses a TLS version string, as used by ECMA-419's
// minimumVersion and maximumVersion, into a crypto/tls version number.
//
// ECMA-419 leaves the spelling to a footnote, so the common spellings are
// all accepted, case-insensitively: "tls1.2", "TLS1.2", "TLSv1.2",
// "TLS 1.2", "TLS_1_2", "1.2", and IPWorks's "TLS1" for TLS 1.0.
// [FormatVersion] gives the canonical form back. "ssl3"/"ssl2" and unknown
// strings wrap [ErrUnsupportedProtocol].
func ParseVersion(s string) (uint16, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.NewReplacer(" ", "", "_", ".", "v", "").Replace(t)
	ssl := false
	switch {
	case strings.HasPrefix(t, "tls"):
		t = t[3:]
	case strings.HasPrefix(t, "ssl"):
		t, ssl = t[3:], true
	}
	t = strings.TrimPrefix(t, ".")
	if ssl {
		switch t {
		case "2", "2.0", "3", "3.0":
			return 0, &Error{Err: ErrUnsupportedProtocol, Value: s,
				Detail: "SSL 2.0 and SSL 3.0 are not supported by Go's crypto/tls; use \"tls1.2\" or \"tls1.3\""}
		}
	} else {
		switch t {
		case "1", "1.0":
			return tls.VersionTLS10, nil
		case "1.1":
			return tls.VersionTLS11, nil
		case "1.2":
			return tls.VersionTLS12, nil
		case "1.3":
			return tls.VersionTLS13, nil
		}
	}
	return 0, &Error{Err: ErrUnsupportedProtocol, Value: s,
		Detail: `valid versions are "tls1.0", "tls1.1", "tls1.2" and "tls1.3"`}
}

// FormatVersion returns the canonical ECMA-419-style version string
// ("tls1.0" ... "tls1.3") that [ParseVersion] accepts, or "" for a version
// crypto/tls does not speak.
func FormatVersion(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "tls1.0"
	case tls.VersionTLS11:
		return "tls1.1"
	case tls.VersionTLS12:
		return "tls1.2"
	case tls.VersionTLS13:
		return "tls1.3"
	}
	return ""
}

// ConnectionType is Xojo's SSLSocket.ConnectionType. Each value selects
// exactly one version, except SSLv23, which negotiates the best version
// the peer supports. Xojo's default is TLSv1 (TLS 1.0 only); the zero
// value here is SSLv2, which no config can use, so a zero ConnectionType
// can stand for "not set".
type ConnectionType int

// Xojo's ConnectionType constants. SSLv23, TLSv1, TLSv11 and TLSv12 are
// those of Xojo's SSLSocket documentation; SSLv2 (0), SSLv3 (2) and TLSv13
// (6) come from other Xojo releases and are recognised so that they give a
// clear answer.
const (
	SSLv2  ConnectionType = 0 // not supported by crypto/tls
	SSLv23 ConnectionType = 1 // TLS 1.0 to TLS 1.3 (SSL 3.0 is dropped)
	SSLv3  ConnectionType = 2 // not supported by crypto/tls
	TLSv1  ConnectionType = 3 // TLS 1.0 only
	TLSv11 ConnectionType = 4 // TLS 1.1 only
	TLSv12 ConnectionType = 5 // TLS 1.2 only
	TLSv13 ConnectionType = 6 // TLS 1.3 only
)

// Protocols returns the versions the connection type enables. SSLv2, SSLv3
// and unknown values wrap [ErrUnsupportedProtocol].
func (c ConnectionType) Protocols() (Protocols, error) {
	switch c {
	case SSLv23:
		return TLS10 | TLS11 | TLS12 | TLS13, nil
	case TLSv1:
		return TLS10, nil
	case TLSv11:
		return TLS11, nil
	case TLSv12:
		return TLS12, nil
	case TLSv13:
		return TLS13, nil
	case SSLv2, SSLv3:
		return 0, &Error{Err: ErrUnsupportedProtocol, Setting: "ConnectionType", Value: c.String(),
			Detail: "SSL 2.0 and SSL 3.0 are not supported by Go's crypto/tls; use TLSv12 (5), TLSv13 (6) or SSLv23 (1)"}
	}
	return 0, &Error{Err: ErrUnsupportedProtocol, Setting: "ConnectionType", Value: c.String(),
		Detail: "valid values are SSLv23 1, TLSv1 3, TLSv11 4, TLSv12 5, TLSv13 6"}
}

// String returns the Xojo constant name, or the number for unknown values.
func (c ConnectionType) String() string {
	names := [...]string{"SSLv2", "SSLv23", "SSLv3", "TLSv1", "TLSv11", "TLSv12", "TLSv13"}
	if c >= 0 && int(c) < len(names) {
		return names[c]
	}
	return strconv.Itoa(int(c))
}
