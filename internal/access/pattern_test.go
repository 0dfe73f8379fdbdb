package access

import "testing"

func TestGlobMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pat, text string
		want      bool
	}{
		{"*", "", true},
		{"*", "1.2.3.4", true},
		{"", "", true},
		{"", "a", false},
		{"?", "", false},
		{"?", "1", true},
		{"1.2.3.*", "1.2.3.", true},
		{"1.2.3.*", "1.2.3.45", true},
		{"1.2.3.*", "1.2.4.5", false},
		{"*.5", "1.2.3.5", true},
		{"*.5", "1.2.3.55", false},
		{"1*1", "1", false},
		{"1*1", "11", true},
		{"1*1*1", "1.1.1", true},
		{"**.*", "1.2", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyyd", false},
		{"*?", "", false},
		{"*?", "x", true},
	}
	for _, tt := range tests {
		if got := globMatch(tt.pat, []byte(tt.text)); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pat, tt.text, got, tt.want)
		}
	}
}

func TestParsePatternNormalises(t *testing.T) {
	t.Parallel()
	p, reason, err := parsePattern("FE80::AB?*")
	if err != nil || p != "fe80::ab?*" {
		t.Fatalf("parsePattern = %q, %q, %v", p, reason, err)
	}
}
