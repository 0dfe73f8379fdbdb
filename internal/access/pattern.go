package access

import (
	"strconv"
	"strings"
)

// parsePattern validates a wildcard entry and returns it in lower case.
// '*' matches any run of characters (dots and colons included) and '?'
// exactly one; patterns are matched against the client's canonical text
// form: dotted decimal for IPv4 (IPv4-mapped clients included), RFC 5952 for
// IPv6.
func parsePattern(s string) (p, reason string, err error) {
	p = strings.ToLower(s)
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c == '.', c == ':', c == '*', c == '?':
		case c >= 'g' && c <= 'z' || c == '-':
			return "", "host name patterns are not supported; use an IP address pattern such as 192.168.1.* or a CIDR prefix", ErrHostName
		default:
			return "", "a wildcard pattern may only contain digits, hex letters, '.', ':', '*' and '?'", ErrMalformed
		}
	}
	if strings.Contains(p, ":") {
		reason = checkIPv6Pattern(p)
	} else {
		reason = checkIPv4Pattern(p)
	}
	if reason != "" {
		return "", reason, ErrMalformed
	}
	return p, "", nil
}

func checkIPv4Pattern(p string) string {
	if strings.ContainsAny(p, "abcdef") {
		return "an IPv4 pattern may only contain digits, '.', '*' and '?'"
	}
	parts := strings.Split(p, ".")
	if len(parts) > 4 {
		return "an IPv4 pattern has at most 4 dot-separated parts"
	}
	for _, part := range parts {
		if part == "" {
			return "empty part between dots"
		}
		if strings.ContainsAny(part, "*?") {
			continue
		}
		if n, err := strconv.Atoi(part); err != nil || n > 255 || (len(part) > 1 && part[0] == '0') {
			return "part " + strconv.Quote(part) + " is not a number from 0 to 255 without leading zeros"
		}
	}
	if len(parts) < 4 && !strings.Contains(p, "*") {
		return "this pattern can never match: without '*' an IPv4 pattern needs 4 parts"
	}
	return ""
}

func checkIPv6Pattern(p string) string {
	if strings.HasPrefix(p, "::ffff:") {
		return "IPv4-mapped clients are matched as IPv4; write an IPv4 pattern such as 192.168.1.*"
	}
	if strings.Contains(p, ":::") || strings.Count(p, "::") > 1 {
		return "'::' may appear only once"
	}
	groups := strings.Split(p, ":")
	if len(groups) > 9 {
		return "an IPv6 pattern has at most 8 groups"
	}
	for _, g := range groups {
		if strings.ContainsAny(g, "*?.") {
			continue
		}
		if len(g) > 4 {
			return "group " + strconv.Quote(g) + " has more than 4 hex digits"
		}
		if len(g) > 1 && g[0] == '0' {
			return "patterns match the canonical form (RFC 5952): write group " + strconv.Quote(g) + " without leading zeros"
		}
	}
	return ""
}

// globMatch reports whether text matches pat, where '*' matches any run of
// bytes and '?' exactly one. It backtracks only to the last '*', so it runs
// in O(len(pat)*len(text)) at worst.
func globMatch(pat string, text []byte) bool {
	px, tx := 0, 0
	star, resume := -1, 0
	for tx < len(text) {
		if px < len(pat) {
			switch c := pat[px]; {
			case c == '*':
				star, resume = px, tx
				px++
				continue
			case c == '?' || c == text[tx]:
				px++
				tx++
				continue
			}
		}
		if star < 0 {
			return false
		}
		resume++
		px, tx = star+1, resume
	}
	for px < len(pat) && pat[px] == '*' {
		px++
	}
	return px == len(pat)
}
