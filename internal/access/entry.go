package access

import (
	"net/netip"
	"strings"
)

// entry is one parsed list element: either a prefix (a single address is a
// full-length prefix) or a wildcard pattern.
type entry struct {
	prefix  netip.Prefix
	pattern string // lower case; set only for wildcard entries
}

func (e entry) String() string {
	if e.pattern != "" {
		return e.pattern
	}
	if e.prefix.IsSingleIP() {
		return e.prefix.Addr().String()
	}
	return e.prefix.String()
}

// match reports whether a, already unmapped and without zone, matches e.
// text is a's canonical text form, computed once per Match call.
func (e entry) match(a netip.Addr, text []byte) bool {
	if e.pattern != "" {
		return globMatch(e.pattern, text)
	}
	p := e.prefix
	if p.Addr().Is6() && a.Is4() {
		// An IPv6 prefix covering ::ffff:0:0/96 covers IPv4 clients too.
		return p.Contains(netip.AddrFrom16(a.As16()))
	}
	return p.Contains(a)
}

var loopback = []entry{
	{prefix: netip.MustParsePrefix("127.0.0.0/8")},
	{prefix: netip.MustParsePrefix("::1/128")},
}

// parseEntry parses one trimmed, non-empty entry. On failure it returns the
// reason and ErrMalformed or ErrHostName.
func parseEntry(s string) (es []entry, reason string, err error) {
	switch {
	case strings.EqualFold(s, "localhost"):
		return loopback, "", nil
	case strings.ContainsAny(s, "*?"):
		p, reason, err := parsePattern(s)
		if err != nil {
			return nil, reason, err
		}
		return []entry{{pattern: p}}, "", nil
	case strings.Contains(s, "/"):
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, "invalid CIDR prefix: " + netipReason(err), ErrMalformed
		}
		return []entry{{prefix: unmapPrefix(p.Masked())}}, "", nil
	}
	a, perr := netip.ParseAddr(s)
	switch {
	case perr != nil && looksLikeHost(s):
		return nil, "host names are not supported; use an IP address, CIDR prefix or wildcard pattern", ErrHostName
	case perr != nil:
		return nil, "not an IP address, CIDR prefix or wildcard pattern", ErrMalformed
	case a.Zone() != "":
		return nil, "IPv6 zones are not supported; remove the %zone suffix", ErrMalformed
	}
	a = a.Unmap()
	return []entry{{prefix: netip.PrefixFrom(a, a.BitLen())}}, "", nil
}

// unmapPrefix turns a prefix inside ::ffff:0:0/96 into the IPv4 prefix it
// denotes, since clients are matched in unmapped form.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p
}

// looksLikeHost reports whether s is made of host name characters and has a
// letter that cannot be part of an address.
func looksLikeHost(s string) bool {
	letter := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9' || c == '-' || c == '.':
		default:
			return false
		}
	}
	return letter
}

// netipReason drops the "netip.ParsePrefix(...): " head of a netip error,
// since EntryError already quotes the entry.
func netipReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "): "); i >= 0 {
		return msg[i+3:]
	}
	return msg
}
