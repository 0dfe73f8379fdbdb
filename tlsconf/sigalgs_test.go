package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"slices"
	"testing"
)

func TestParseSignatureAlgorithms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []SignatureAlgorithm
		bad  bool
	}{
		{in: "", want: []SignatureAlgorithm{}},
		{in: "sha256-rsa,sha256-dsa,sha1-rsa,sha1-dsa", want: []SignatureAlgorithm{{"rsa", "sha256", ""}, {"dsa", "sha256", ""}, {"rsa", "sha1", ""}, {"dsa", "sha1", ""}}},
		{in: "SHA384-ECDSA", want: []SignatureAlgorithm{{"ecdsa", "sha384", ""}}},
		{in: "rsa_pss_sha256, rsa_pss_rsae_sha384,rsa_pss_pss_sha512", want: []SignatureAlgorithm{{"rsa_pss", "sha256", ""}, {"rsa_pss", "sha384", ""}, {"rsa_pss", "sha512", ""}}},
		{in: "rsa_pkcs1_sha256,rsa_pkcs1_sha1,sha256-rsa", want: []SignatureAlgorithm{{"rsa", "sha256", ""}, {"rsa", "sha1", ""}}},
		{in: "ecdsa_secp256r1_sha256,ecdsa_secp521r1_sha512,ecdsa_sha1", want: []SignatureAlgorithm{{"ecdsa", "sha256", "secp256r1"}, {"ecdsa", "sha512", "secp521r1"}, {"ecdsa", "sha1", ""}}},
		{in: "ed25519,ed448", want: []SignatureAlgorithm{{"ed25519", "", ""}, {"ed448", "", ""}}},
		{in: "sha3-rsa", bad: true},
		{in: "sha256-eddsa", bad: true},
		{in: "ecdsa_secp256r1_sha384", bad: true},
		{in: "rsa_pss_sha1", bad: true},
		{in: "rsa_pkcs1_md5", bad: true},
		{in: "ed25519,bogus", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseSignatureAlgorithms(tt.in)
		if tt.bad {
			if !errors.Is(err, ErrUnknownSignatureAlgorithm) {
				t.Errorf("%q: error = %v", tt.in, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) || got == nil {
			t.Errorf("%q = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, def := range []string{DefaultTLS12SignatureAlgorithms, DefaultTLS13SignatureAlgorithms} {
		l, err := ParseSignatureAlgorithms(def)
		if err != nil || len(l) != 10 && len(l) != 11 {
			t.Errorf("default %q: %d entries, %v", def, len(l), err)
		}
	}
	if s := FormatSignatureAlgorithms(defaultTLS12SigAlgs, true); s != DefaultTLS12SignatureAlgorithms {
		t.Errorf("TLS 1.2 default formats as %q", s)
	}
	if s := FormatSignatureAlgorithms(defaultTLS13SigAlgs, false); s != DefaultTLS13SignatureAlgorithms {
		t.Errorf("TLS 1.3 default formats as %q", s)
	}
}

func TestCertSignature(t *testing.T) {
	t.Parallel()
	p := pki(t)
	tests := []struct {
		cert, issuer *x509.Certificate
		want         string
	}{
		{p.ecLeaf.Leaf, p.ecCA, "ecdsa_secp256r1_sha256"},
		{p.ecLeaf.Leaf, nil, "sha256-ecdsa"},
		{p.ec384Leaf.Leaf, p.ecCA384, "ecdsa_secp384r1_sha384"},
		{p.rsaLeaf.Leaf, p.rsaCA, "rsa_pkcs1_sha256"},
		{p.pssLeaf.Leaf, p.rsaCA, "rsa_pss_sha256"},
		{p.edLeaf.Leaf, p.edCA, "ed25519"},
	}
	for _, tt := range tests {
		if got := certSignature(tt.cert, tt.issuer).String(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.cert.Subject, got, tt.want)
		}
	}
}

func TestCheckPeerSignatures(t *testing.T) {
	t.Parallel()
	p := pki(t)
	list := func(s string) []SignatureAlgorithm {
		l, err := ParseSignatureAlgorithms(s)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	tests := []struct {
		name  string
		cs    tls.ConnectionState
		list  string
		allow bool
	}{
		{"empty list allows anything", tls.ConnectionState{PeerCertificates: []*x509.Certificate{p.pssLeaf.Leaf}}, "", true},
		// The self-signed root at the end of the sent chain is skipped: only
		// the leaf's ECDSA signature is checked.
		{"trailing root skipped", tls.ConnectionState{PeerCertificates: []*x509.Certificate{p.ecLeaf.Leaf, p.ecCA}}, "ecdsa_secp256r1_sha256", true},
		{"intermediate checked", tls.ConnectionState{PeerCertificates: []*x509.Certificate{p.rsaLeaf.Leaf, p.rsaCA, p.ecCA}}, "sha256-ecdsa", false},
		{"self-signed leaf checked", tls.ConnectionState{PeerCertificates: []*x509.Certificate{p.selfSigned.Leaf}}, "rsa_pkcs1_sha256", false},
		{"issuer from verified chain", tls.ConnectionState{PeerCertificates: []*x509.Certificate{p.ec384Leaf.Leaf},
			VerifiedChains: [][]*x509.Certificate{{p.ec384Leaf.Leaf, p.ecCA384}}}, "ecdsa_secp256r1_sha256", false},
		{"unknown issuer matches on hash", tls.ConnectionState{PeerCertificates: []*x509.Certificate{p.ecLeaf.Leaf}}, "ecdsa_secp256r1_sha256", true},
	}
	for _, tt := range tests {
		err := checkPeerSignatures(tt.cs, list(tt.list), "TLS13SignatureAlgorithms")
		if tt.allow != (err == nil) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
		var e *Error
		if err != nil && (!errors.As(err, &e) || ipworksCode(e) != 280 || !errors.Is(err, ErrSignatureAlgorithm)) {
			t.Errorf("%s: error %v is not a code-280 *Error", tt.name, err)
		}
	}
}

func FuzzParseSignatureAlgorithms(f *testing.F) {
	for _, s := range []string{DefaultTLS12SignatureAlgorithms, DefaultTLS13SignatureAlgorithms, "", "sha256-rsa", "ecdsa_secp384r1_sha384",
		"rsa_pss_rsae_sha256", "-", "sha1-", "ecdsa__", "ed25519,,ed448"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseSignatureAlgorithms(s)
		if err != nil {
			if !errors.Is(err, ErrUnknownSignatureAlgorithm) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for _, tls12 := range []bool{false, true} {
			back, err := ParseSignatureAlgorithms(FormatSignatureAlgorithms(l, tls12))
			if err != nil || !slices.Equal(back, l) {
				t.Fatalf("%q: does not round-trip (tls12=%v): %v %v", s, tls12, back, err)
			}
		}
	})
}
