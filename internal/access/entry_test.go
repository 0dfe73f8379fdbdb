package access

import (
	"net/netip"
	"testing"
)

func TestLooksLikeHost(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"example.com": true, "my-host": true, "HOST1": true, "abc": true,
		"1.2.3.4": false, "1.2.3": false, "::1": false, "a_b": false, "": false,
	} {
		if got := looksLikeHost(s); got != want {
			t.Errorf("looksLikeHost(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestUnmapPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"::ffff:10.0.0.0/104", "10.0.0.0/8"},
		{"::ffff:0.0.0.0/96", "0.0.0.0/0"},
		{"::ffff:1.2.3.4/128", "1.2.3.4/32"},
		{"::/0", "::/0"},
		{"10.0.0.0/8", "10.0.0.0/8"},
	}
	for _, tt := range tests {
		if got := unmapPrefix(netip.MustParsePrefix(tt.in)); got.String() != tt.want {
			t.Errorf("unmapPrefix(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseEntryKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"10.0.0.1", []string{"10.0.0.1"}},
		{"::FFFF:10.0.0.1", []string{"10.0.0.1"}},
		{"10.9.8.7/16", []string{"10.9.0.0/16"}},
		{"LocalHost", []string{"127.0.0.0/8", "::1"}},
		{"10.*", []string{"10.*"}},
	}
	for _, tt := range tests {
		es, reason, err := parseEntry(tt.in)
		if err != nil {
			t.Errorf("parseEntry(%q): %s (%v)", tt.in, reason, err)
			continue
		}
		var got []string
		for _, e := range es {
			got = append(got, e.String())
		}
		if len(got) != len(tt.want) {
			t.Errorf("parseEntry(%q) = %q, want %q", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("parseEntry(%q) = %q, want %q", tt.in, got, tt.want)
			}
		}
	}
}
