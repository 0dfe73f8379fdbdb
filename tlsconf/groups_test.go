package tlsconf

import (
	"crypto/tls"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseGroups(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		tls12   bool
		want    []tls.CurveID
		wantErr string
	}{
		{in: "", want: nil},
		{in: "ecdhe_secp256r1,ecdhe_secp384r1,ecdhe_secp521r1", tls12: true, want: []tls.CurveID{tls.CurveP256, tls.CurveP384, tls.CurveP521}},
		{in: "ecdhe_x25519", want: []tls.CurveID{tls.X25519}},
		{in: "X25519, secp256r1 ,prime256v1", want: []tls.CurveID{tls.X25519, tls.CurveP256}},
		{in: "X25519MLKEM768,SecP256r1MLKEM768,secp384r1mlkem1024", want: []tls.CurveID{tls.X25519MLKEM768, tls.SecP256r1MLKEM768, tls.SecP384r1MLKEM1024}},
		{in: "X25519MLKEM768", tls12: true, wantErr: "only in TLS 1.3"},
		{in: "ecdhe_x448", wantErr: "neither X448 nor finite-field"},
		{in: "ecdhe_x25519,ffdhe_2048", wantErr: "neither X448 nor finite-field"},
		{in: "brainpoolP256r1", wantErr: "supported groups: ecdhe_x25519"},
	}
	for _, tt := range tests {
		got, err := ParseGroups(tt.in, tt.tls12)
		if tt.wantErr != "" {
			if !errors.Is(err, ErrUnsupportedGroup) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseGroups(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("ParseGroups(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	// The error lists every supported name.
	_, err := ParseGroups("ffdhe_3072", false)
	for _, g := range groups {
		if !strings.Contains(err.Error(), g.name) {
			t.Errorf("error %q does not list %s", err, g.name)
		}
	}
}

func TestGroupNames(t *testing.T) {
	t.Parallel()
	if GroupName(0) != "" || GroupName(tls.X25519) != "ecdhe_x25519" || GroupName(tls.X25519MLKEM768) != "X25519MLKEM768" || GroupName(30) == "" {
		t.Fatal("GroupName")
	}
	ids := []tls.CurveID{tls.CurveP521, tls.X25519, tls.SecP256r1MLKEM768}
	back, err := ParseGroups(FormatGroups(ids), false)
	if err != nil || !slices.Equal(back, ids) {
		t.Fatalf("round trip: %v %v", back, err)
	}
}

func TestCurvePreferences(t *testing.T) {
	t.Parallel()
	v12, v13 := uint16(tls.VersionTLS12), uint16(tls.VersionTLS13)
	if got := curvePreferences(nil, nil, v12, v13); got != nil {
		t.Fatalf("defaults: %v", got)
	}
	// A TLS 1.2 set with TLS 1.3 disabled is used alone.
	if got := curvePreferences([]tls.CurveID{tls.CurveP384}, nil, v12, v12); !slices.Equal(got, []tls.CurveID{tls.CurveP384}) {
		t.Fatalf("TLS1.2 only: %v", got)
	}
	// A TLS 1.2 set does not matter when only TLS 1.3 is enabled.
	if got := curvePreferences([]tls.CurveID{tls.CurveP384}, nil, v13, v13); got != nil {
		t.Fatalf("TLS1.3 only: %v", got)
	}
	// Both enabled: union, with the other version's default filled in.
	got := curvePreferences(nil, []tls.CurveID{tls.X25519MLKEM768}, v12, v13)
	want := append([]tls.CurveID{tls.X25519MLKEM768}, defaultTLS12Groups...)
	if !slices.Equal(got, want) {
		t.Fatalf("union: %v, want %v", got, want)
	}
}

func FuzzParseGroups(f *testing.F) {
	for _, s := range []string{"ecdhe_x25519,ecdhe_secp256r1", "X25519MLKEM768", "ffdhe_2048", "ecdhe_x448", "", ",,", "P-256"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, tls12 bool) {
		ids, err := ParseGroups(s, tls12)
		if err != nil {
			if !errors.Is(err, ErrUnsupportedGroup) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if err := checkGroups(ids, tls12, "x"); err != nil {
			t.Fatal(err)
		}
		back, err := ParseGroups(FormatGroups(ids), tls12)
		if err != nil || !slices.Equal(back, ids) {
			t.Fatalf("%q: does not round-trip: %v %v", s, back, err)
		}
	})
}
