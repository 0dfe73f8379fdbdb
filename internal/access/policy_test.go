package access

import (
	"net/netip"
	"testing"
)

func mustParse(t *testing.T, s string) *List {
	t.Helper()
	l, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestPolicyCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		allowed string // "-" leaves Allowed nil
		blocked string
		addr    string
		want    Verdict
	}{
		{name: "zero policy", allowed: "-", blocked: "-", addr: "1.2.3.4", want: Accept},
		{name: "seed defaults", allowed: "*", blocked: "", addr: "1.2.3.4", want: Accept},
		{name: "empty allowed means all", allowed: "", blocked: "", addr: "::1", want: Accept},
		{name: "allowed matches", allowed: "10.0.0.0/8", blocked: "-", addr: "10.1.1.1", want: Accept},
		{name: "not allowed", allowed: "10.0.0.0/8", blocked: "-", addr: "11.1.1.1", want: NotAllowed},
		{name: "blocked", allowed: "-", blocked: "192.168.1.*", addr: "192.168.1.9", want: Blocked},
		{name: "blocked wins over allowed", allowed: "192.168.*", blocked: "192.168.1.9", addr: "192.168.1.9", want: Blocked},
		{name: "blocked but not allowed is blocked", allowed: "10.0.0.0/8", blocked: "*", addr: "1.1.1.1", want: Blocked},
		{name: "allowed and not blocked", allowed: "192.168.*", blocked: "192.168.1.9", addr: "192.168.1.10", want: Accept},
		{name: "block everyone", allowed: "-", blocked: "*", addr: "::1", want: Blocked},
		{name: "mapped client", allowed: "10.0.0.0/8", blocked: "-", addr: "::ffff:10.0.0.1", want: Accept},
	}
	for _, tt := range tests {
		var p Policy
		if tt.allowed != "-" {
			p.Allowed = mustParse(t, tt.allowed)
		}
		if tt.blocked != "-" {
			p.Blocked = mustParse(t, tt.blocked)
		}
		if got := p.Check(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("%s: Check(%s) = %v, want %v", tt.name, tt.addr, got, tt.want)
		}
	}
}

func TestVerdictString(t *testing.T) {
	t.Parallel()
	for v, want := range map[Verdict]string{Accept: "accepted", NotAllowed: "not in AllowedClients", Blocked: "in BlockedClients", 7: "Verdict(7)"} {
		if got := v.String(); got != want {
			t.Errorf("Verdict(%d).String() = %q, want %q", v, got, want)
		}
	}
}
