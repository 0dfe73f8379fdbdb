package access

import (
	"net/netip"
	"strings"
)

// A List is a parsed AllowedClients or BlockedClients value. The zero value
// and nil match nothing. A List is immutable and safe for concurrent use.
type List struct {
	entries []entry
	all     bool // an entry is "*"
}

// Parse parses a comma-separated list of entries, each one of:
//
//   - an IPv4 or IPv6 address: 192.168.1.10, ::1 (IPv4-mapped addresses
//     such as ::ffff:10.0.0.1 mean the IPv4 address);
//   - a CIDR prefix: 10.0.0.0/8, fd00::/8 (host bits are ignored);
//   - a wildcard pattern as in IPWorks: 192.168.1.*, 10.?.0.1, fe80::*, or
//     "*" for every client ('?' is a tlskit extension: one character);
//   - "localhost", meaning 127.0.0.0/8 and ::1.
//
// Spaces around entries and empty entries are ignored, so "" parses to an
// empty list. Other host names are rejected (ErrHostName), as is anything
// else that is not an entry (ErrMalformed); the error is an *EntryError
// naming the entry.
func Parse(list string) (*List, error) {
	l := new(List)
	for i, raw := range strings.Split(list, ",") {
		s := strings.TrimSpace(raw)
		if s == "" {
			continue
		}
		es, reason, err := parseEntry(s)
		if err != nil {
			return nil, &EntryError{Index: i, Entry: s, Reason: reason, Err: err}
		}
		for _, e := range es {
			l.all = l.all || e.pattern == "*"
		}
		l.entries = append(l.entries, es...)
	}
	return l, nil
}

// Match reports whether a matches any entry. a is unmapped and its zone
// dropped first, so an IPv4 client accepted on an IPv6 socket matches IPv4
// entries. IPv6 prefixes also match IPv4 clients they cover in IPv4-mapped
// form (::/0 and ::ffff:0:0/96 match every IPv4 client). Match does not
// allocate.
func (l *List) Match(a netip.Addr) bool {
	if l == nil || !a.IsValid() {
		return false
	}
	if l.all {
		return true
	}
	a = a.Unmap().WithZone("")
	var buf [64]byte
	var text []byte
	for _, e := range l.entries {
		if e.pattern != "" && text == nil {
			text = a.AppendTo(buf[:0])
		}
		if e.match(a, text) {
			return true
		}
	}
	return false
}

// Len returns the number of entries ("localhost" counts as two).
func (l *List) Len() int {
	if l == nil {
		return 0
	}
	return len(l.entries)
}

// String returns the list in canonical form, entries separated by ",".
// Parse(l.String()) yields an equivalent List.
func (l *List) String() string {
	if l == nil {
		return ""
	}
	var b strings.Builder
	for i, e := range l.entries {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(e.String())
	}
	return b.String()
}
