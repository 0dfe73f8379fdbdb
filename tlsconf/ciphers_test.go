package tlsconf

import (
	"crypto/tls"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseCipherSuites(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in            string
		allowInsecure bool
		want          []uint16
		wantErr       error
	}{
		{in: "", want: nil},
		{in: "*", want: nil},
		{in: " * ", want: nil},
		{in: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", want: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
		{in: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;tls_ecdhe_ecdsa_with_aes_256_gcm_sha384", // IPWorks's separator, any case
			want: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}},
		{in: "TLS_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256,TLS_CHACHA20_POLY1305_SHA256", // duplicates dropped
			want: []uint16{tls.TLS_AES_128_GCM_SHA256, tls.TLS_CHACHA20_POLY1305_SHA256}},
		{in: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", want: []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}},
		{in: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", wantErr: ErrInsecureCipher},
		{in: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", allowInsecure: true, want: []uint16{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}},
		{in: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", wantErr: ErrUnknownCipher}, // in IPWorks, not in Go
		{in: "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA", wantErr: ErrUnknownCipher},
		{in: "CALG_AES_256", wantErr: ErrUnknownCipher},
		{in: "*;TLS_AES_128_GCM_SHA256", wantErr: ErrInvalidValue},
	}
	for _, tt := range tests {
		got, err := ParseCipherSuites(tt.in, tt.allowInsecure)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("ParseCipherSuites(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("ParseCipherSuites(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	_, err := ParseCipherSuites("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", false)
	if !strings.Contains(err.Error(), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256") {
		t.Errorf("error does not list the valid suites: %v", err)
	}
}

func TestFormatCipherSuites(t *testing.T) {
	t.Parallel()
	if FormatCipherSuites(nil) != "*" {
		t.Fatal("nil should format as *")
	}
	ids := []uint16{tls.TLS_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}
	s := FormatCipherSuites(ids)
	if s != "TLS_AES_256_GCM_SHA384;TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" {
		t.Fatalf("got %q", s)
	}
	back, err := ParseCipherSuites(s, false)
	if err != nil || !slices.Equal(back, ids) {
		t.Fatalf("round trip: %v %v", back, err)
	}
}

func TestCipherStrengthAndName(t *testing.T) {
	t.Parallel()
	want := map[uint16]struct {
		name     string
		strength int
	}{
		tls.TLS_AES_128_GCM_SHA256:                        {"AES_128_GCM", 128},
		tls.TLS_AES_256_GCM_SHA384:                        {"AES_256_GCM", 256},
		tls.TLS_CHACHA20_POLY1305_SHA256:                  {"CHACHA20_POLY1305", 256},
		tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA:            {"AES_128_CBC", 128},
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA:          {"AES_256_CBC", 256},
		tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA:           {"3DES_EDE_CBC", 112},
		tls.TLS_RSA_WITH_RC4_128_SHA:                      {"RC4_128", 128},
		tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: {"CHACHA20_POLY1305", 256},
		0xFFFF: {"", 0},
	}
	for id, w := range want {
		if n, s := CipherName(id), CipherStrength(id); n != w.name || s != w.strength {
			t.Errorf("%s: %q %d, want %q %d", tls.CipherSuiteName(id), n, s, w.name, w.strength)
		}
	}
	// Every suite crypto/tls implements has a known strength.
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, cs := range list {
			if CipherStrength(cs.ID) == 0 {
				t.Errorf("%s has no strength", cs.Name)
			}
		}
	}
}

func TestPlanCipherSuites(t *testing.T) {
	t.Parallel()
	// Strength 256 with TLS 1.2 only keeps exactly the 256-bit suites.
	plan, err := planCipherSuites(nil, 256, tls.VersionTLS12, tls.VersionTLS12)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.tls12) == 0 {
		t.Fatal("no suites left")
	}
	for _, id := range plan.tls12 {
		if CipherStrength(id) < 256 {
			t.Errorf("%s kept", tls.CipherSuiteName(id))
		}
	}
	// Defaults stay nil so crypto/tls applies its own default.
	if plan, err := planCipherSuites(nil, 0, tls.VersionTLS12, tls.VersionTLS13); err != nil || plan.tls12 != nil {
		t.Fatalf("default plan = %v, %v", plan.tls12, err)
	}
	// TLS 1.3 names have no effect when TLS 1.3 is disabled.
	if _, err := planCipherSuites([]uint16{tls.TLS_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, 0, tls.VersionTLS12, tls.VersionTLS12); err != nil {
		t.Fatal(err)
	}
	// TLS 1.3 only: no TLS 1.2 suite needed, strength 128 fine.
	if _, err := planCipherSuites([]uint16{tls.TLS_AES_128_GCM_SHA256, tls.TLS_AES_256_GCM_SHA384, tls.TLS_CHACHA20_POLY1305_SHA256}, 128, tls.VersionTLS13, tls.VersionTLS13); err != nil {
		t.Fatal(err)
	}
	_, err = planCipherSuites(nil, 129, tls.VersionTLS13, tls.VersionTLS13)
	if !errors.Is(err, ErrNoCipherSuites) || !strings.Contains(err.Error(), "TLS_AES_128_GCM_SHA256") {
		t.Fatalf("strength 129 with TLS 1.3: %v", err)
	}
}

func FuzzParseCipherSuites(f *testing.F) {
	for _, s := range []string{"*", "", "TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;TLS_RSA_WITH_RC4_128_SHA",
		"tls_ecdhe_ecdsa_with_chacha20_poly1305", ";;,", "*;x", "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, insecure bool) {
		ids, err := ParseCipherSuites(s, insecure)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		back, err := ParseCipherSuites(FormatCipherSuites(ids), insecure)
		if err != nil || !slices.Equal(back, ids) {
			t.Fatalf("%q: %v does not round-trip: %v %v", s, ids, back, err)
		}
	})
}
