package server

import (
	"net/netip"
	"testing"
)

// TestAddrKey: MaxConnectionsPerAddress counts an IPv4 address alone (the
// IPv4-mapped form too) and an IPv6 address by its /64 prefix.
func TestAddrKey(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"192.0.2.1", "192.0.2.1", true},
		{"192.0.2.1", "192.0.2.2", false},
		{"192.0.2.1", "::ffff:192.0.2.1", true},
		{"2001:db8::1", "2001:db8::ffff:1", true},
		{"2001:db8:0:0:1::1", "2001:db8::2", true},
		{"2001:db8:0:1::1", "2001:db8::1", false},
		{"::1", "2001:db8::1", false},
	} {
		ka, kb := addrKey(netip.MustParseAddr(tc.a)), addrKey(netip.MustParseAddr(tc.b))
		if (ka == kb) != tc.same {
			t.Errorf("addrKey(%s) = %v, addrKey(%s) = %v; same = %v, want %v", tc.a, ka, tc.b, kb, ka == kb, tc.same)
		}
	}
}
