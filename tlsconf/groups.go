package tlsconf

import (
	"crypto/tls"
	"slices"
	"strings"
)

// groupInfo describes a key-exchange group crypto/tls implements.
type groupInfo struct {
	id tls.CurveID
	// name is IPWorks's spelling (ecdhe_x25519), or the IANA name for
	// groups IPWorks does not know (X25519MLKEM768).
	name string
	// aliases are other accepted spellings (IANA, OpenSSL, Go), lower case.
	aliases []string
	// tls13Only marks the post-quantum hybrids, which TLS 1.2 cannot use.
	tls13Only bool
	// strength is SSLNegotiatedKeyExchangeStrength in bits; see [Info].
	strength int
}

var groups = []groupInfo{
	{tls.X25519, "ecdhe_x25519", []string{"x25519", "curve25519"}, false, 253},
	{tls.CurveP256, "ecdhe_secp256r1", []string{"secp256r1", "prime256v1", "p-256", "p256", "curvep256"}, false, 256},
	{tls.CurveP384, "ecdhe_secp384r1", []string{"secp384r1", "p-384", "p384", "curvep384"}, false, 384},
	{tls.CurveP521, "ecdhe_secp521r1", []string{"secp521r1", "p-521", "p521", "curvep521"}, false, 521},
	{tls.X25519MLKEM768, "X25519MLKEM768", []string{"x25519mlkem768"}, true, 253},
	{tls.SecP256r1MLKEM768, "SecP256r1MLKEM768", []string{"secp256r1mlkem768"}, true, 256},
	{tls.SecP384r1MLKEM1024, "SecP384r1MLKEM1024", []string{"secp384r1mlkem1024"}, true, 384},
}

// Default group sets: what crypto/tls uses when CurvePreferences is empty.
var (
	defaultTLS12Groups = []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384, tls.CurveP521}
	defaultTLS13Groups = []tls.CurveID{tls.X25519MLKEM768, tls.SecP256r1MLKEM768, tls.SecP384r1MLKEM1024,
		tls.X25519, tls.CurveP256, tls.CurveP384, tls.CurveP521}
)

func groupByID(id tls.CurveID) *groupInfo {
	for i := range groups {
		if groups[i].id == id {
			return &groups[i]
		}
	}
	return nil
}

func groupByName(name string) *groupInfo {
	n := strings.ToLower(strings.TrimSpace(name))
	for i := range groups {
		if strings.ToLower(groups[i].name) == n || slices.Contains(groups[i].aliases, n) {
			return &groups[i]
		}
	}
	return nil
}

// GroupName returns IPWorks's name for a group ("ecdhe_x25519",
// "ecdhe_secp256r1") or the IANA name for the post-quantum hybrids
// ("X25519MLKEM768"). Unknown groups print as crypto/tls prints them, and 0
// (no group: RSA key exchange, or a resumed TLS 1.2 session) as "".
func GroupName(id tls.CurveID) string {
	if id == 0 {
		return ""
	}
	if g := groupByID(id); g != nil {
		return g.name
	}
	return id.String()
}

// ParseGroups parses a TLS12SupportedGroups, TLS13SupportedGroups or
// TLS13KeyShareGroups value: a comma-separated list of IPWorks's names
// (ecdhe_x25519, ecdhe_secp256r1, ecdhe_secp384r1, ecdhe_secp521r1), IANA
// names (x25519, secp256r1, X25519MLKEM768, SecP256r1MLKEM768,
// SecP384r1MLKEM1024) or OpenSSL names (prime256v1), case-insensitively.
// Duplicates are dropped. An empty string returns nil, the default.
//
// The list is a set: crypto/tls ignores the order of
// Config.CurvePreferences (since Go 1.24) and uses its own preference.
//
// ecdhe_x448 and ffdhe_* (and unknown names) wrap [ErrUnsupportedGroup] and
// list the supported names; so do the post-quantum hybrids when tls12 is
// true, as they exist only in TLS 1.3.
func ParseGroups(s string, tls12 bool) ([]tls.CurveID, error) {
	var ids []tls.CurveID
	for _, name := range splitList(s, ", \t\r\n;") {
		g := groupByName(name)
		if g == nil {
			detail := "supported groups: " + supportedGroupNames(tls12)
			if l := strings.ToLower(name); strings.Contains(l, "x448") || strings.HasPrefix(l, "ffdhe") {
				detail = "Go's crypto/tls implements neither X448 nor finite-field (ffdhe) groups; " + detail
			}
			return nil, &Error{Err: ErrUnsupportedGroup, Value: name, Detail: detail}
		}
		if tls12 && g.tls13Only {
			return nil, &Error{Err: ErrUnsupportedGroup, Value: name,
				Detail: "post-quantum hybrid groups exist only in TLS 1.3; TLS 1.2 groups: " + supportedGroupNames(true)}
		}
		if !slices.Contains(ids, g.id) {
			ids = append(ids, g.id)
		}
	}
	return ids, nil
}

// FormatGroups joins group names with ",", as [ParseGroups] reads them.
func FormatGroups(ids []tls.CurveID) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = GroupName(id)
	}
	return strings.Join(names, ",")
}

func supportedGroupNames(tls12 bool) string {
	var names []string
	for _, g := range groups {
		if tls12 && g.tls13Only {
			continue
		}
		names = append(names, g.name)
	}
	return strings.Join(names, ", ")
}

// checkGroups validates a typed group list from Settings.
func checkGroups(ids []tls.CurveID, tls12 bool, setting string) error {
	for _, id := range ids {
		g := groupByID(id)
		if g == nil || (tls12 && g.tls13Only) {
			return &Error{Err: ErrUnsupportedGroup, Setting: setting, Value: id.String(),
				Detail: "supported groups: " + supportedGroupNames(tls12)}
		}
	}
	return nil
}

// curvePreferences returns Config.CurvePreferences for the two sets and
// the enabled version range: nil when every set in use is the default,
// otherwise the union of the sets of the enabled versions.
func curvePreferences(g12, g13 []tls.CurveID, minV, maxV uint16) []tls.CurveID {
	use12, use13 := minV <= tls.VersionTLS12, maxV >= tls.VersionTLS13
	if (!use12 || g12 == nil) && (!use13 || g13 == nil) {
		return nil
	}
	if g12 == nil {
		g12 = defaultTLS12Groups
	}
	if g13 == nil {
		g13 = defaultTLS13Groups
	}
	var out []tls.CurveID
	if use13 {
		out = slices.Clone(g13)
	}
	if use12 {
		for _, id := range g12 {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}
