package certs

import (
	"errors"
	"strings"
	"testing"
)

func TestSelect(t *testing.T) {
	t.Parallel()
	bundle, err := LoadStore(fx(t, "bundle.pem"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	jks, err := LoadStore(fx(t, "all.jks"), Options{Password: fixturePassword})
	if err != nil {
		t.Fatal(err)
	}
	p7b, err := LoadStore(fx(t, "all.p7b"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	leaf1, err := Load(fx(t, "leaf1.pem"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		store   *Store
		subject string
		wantCN  string
	}{
		{name: "empty takes first with key", store: bundle, subject: "", wantCN: "leaf two"},
		{name: "star takes first with key", store: bundle, subject: "*", wantCN: "leaf two"},
		{name: "star without keys takes first", store: p7b, subject: "*", wantCN: "leaf one"},
		{name: "exact seed DN", store: bundle, subject: "CN=Example Root CA, O=Example CA, C=US", wantCN: "Example Root CA"},
		{name: "exact RFC 2253", store: bundle, subject: "CN=leaf two,O=Example", wantCN: "leaf two"},
		{name: "exact ignores case", store: jks, subject: "cn=LEAF TWO, o=example", wantCN: "leaf two"},
		{name: "exact with quoted comma", store: jks, subject: leaf1.Subject, wantCN: "leaf one"},
		{name: "substring", store: jks, subject: "leaf one", wantCN: "leaf one"},
		{name: "substring prefers key", store: bundle, subject: "Example", wantCN: "leaf two"},
		{name: "substring in trusted entry", store: jks, subject: "Root", wantCN: "Example Root CA"},
		{name: "thumbprint MD5 colon lower", store: p7b, subject: "Thumbprint=" + leaf1.Fingerprint, wantCN: "leaf one"},
		{name: "thumbprint SHA-1 upper", store: jks, subject: "Thumbprint=" + leaf1.ThumbprintSHA1, wantCN: "leaf one"},
		{name: "thumbprint SHA-256 spaced", store: bundle, subject: "thumbprint = " + strings.ReplaceAll(leaf1.FingerprintSHA256, ":", " "), wantCN: "leaf one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := tt.store.Select(tt.subject)
			if err != nil {
				t.Fatal(err)
			}
			if c.Leaf.Subject.CommonName != tt.wantCN {
				t.Errorf("Select(%q) = %q, want CN %q", tt.subject, c.Subject, tt.wantCN)
			}
		})
	}
}

func TestSelectExactBeforeSubstring(t *testing.T) {
	t.Parallel()
	longer, err := Generate(GenerateOptions{CommonName: "a.example", Organization: "Org Two"})
	if err != nil {
		t.Fatal(err)
	}
	exact, err := Generate(GenerateOptions{CommonName: "a.example", Organization: "Org"})
	if err != nil {
		t.Fatal(err)
	}
	var data []byte
	for _, c := range []*Certificate{longer, exact} {
		cert, key, err := c.EncodePEM()
		if err != nil {
			t.Fatal(err)
		}
		data = append(append(data, cert...), key...)
	}
	s, err := ParseStore(data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Select("CN=a.example, O=Org")
	if err != nil {
		t.Fatal(err)
	}
	if got.FingerprintSHA256 != exact.FingerprintSHA256 {
		t.Errorf("Select picked %q, want the exact match %q", got.Subject, exact.Subject)
	}
}

func TestSelectNotFound(t *testing.T) {
	t.Parallel()
	s, err := LoadStore(fx(t, "all.p7b"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, subject := range []string{
		"CN=nobody",
		"Thumbprint=00112233445566778899aabbccddeeff",
		"Thumbprint=abc",
		"Thumbprint=zz112233445566778899aabbccddeeff",
	} {
		_, err := s.Select(subject)
		var e *Error
		if !errors.Is(err, ErrCertificateNotFound) || !errors.As(err, &e) || ipworksCode(e) != 272 {
			t.Errorf("Select(%q) = %v, want code 272", subject, err)
		}
	}
}

func TestStoreChainAndDedup(t *testing.T) {
	t.Parallel()
	// all.jks holds the CA three times: in both key entries' chains and as a
	// trusted entry.
	s, err := LoadStore(fx(t, "all.jks"), Options{Password: fixturePassword})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Certificates) != 3 {
		t.Fatalf("%d certificates, want 3 after removing duplicates", len(s.Certificates))
	}
	for _, c := range s.Certificates {
		if c.Leaf.IsCA {
			if len(c.Chain) != 0 || c.PrivateKeyAvailable {
				t.Errorf("CA: chain %d, key %v; want neither", len(c.Chain), c.PrivateKeyAvailable)
			}
			continue
		}
		if len(c.Chain) != 1 || !c.Chain[0].IsCA || !c.PrivateKeyAvailable {
			t.Errorf("%s: chain %d, key %v; want the CA and a key", c.Subject, len(c.Chain), c.PrivateKeyAvailable)
		}
	}
}
