package certs

import (
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
)

func writePEM(t *testing.T, dir, name string, c *Certificate) string {
	t.Helper()
	certPEM, _, err := c.EncodePEM()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	testpeer.Tool(t, "openssl")
	ca, err := Generate(GenerateOptions{IsCA: true, CommonName: "Test CA"})
	if err != nil {
		t.Fatal(err)
	}
	for _, kt := range []KeyType{KeyECDSA, KeyRSA, KeyEd25519} {
		for _, signed := range []bool{false, true} {
			name := kt.String() + map[bool]string{false: "/self-signed", true: "/ca-signed"}[signed]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				opts := GenerateOptions{KeyType: kt, Hosts: []string{"localhost", "127.0.0.1"}}
				if signed {
					opts.Issuer = ca
				}
				c, err := Generate(opts)
				if err != nil {
					t.Fatal(err)
				}
				root := c.Leaf
				if signed {
					root = ca.Leaf
				}
				pool := x509.NewCertPool()
				pool.AddCert(root)
				if _, err := c.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "localhost"}); err != nil {
					t.Errorf("x509 Verify: %v", err)
				}
				dir := t.TempDir()
				leafPath := writePEM(t, dir, "leaf.pem", c)
				rootPath := leafPath
				if signed {
					rootPath = writePEM(t, dir, "ca.pem", ca)
				}
				if out, err := runTool(dir, "openssl", "verify", "-CAfile", rootPath, leafPath); err != nil {
					t.Errorf("openssl verify: %v %s", err, out)
				}
				handshake(t, c, root, "localhost")
			})
		}
	}
}

func TestGenerateFields(t *testing.T) {
	t.Parallel()
	before := time.Now()
	c, err := Generate(GenerateOptions{Hosts: []string{"example.com", "*.example.com", "::1", "10.0.0.1", "admin@example.com", "spiffe://example.com/svc"}})
	if err != nil {
		t.Fatal(err)
	}
	l := c.Leaf
	if !slices.Equal(l.DNSNames, []string{"example.com", "*.example.com"}) || len(l.IPAddresses) != 2 ||
		!slices.Equal(l.EmailAddresses, []string{"admin@example.com"}) || len(l.URIs) != 1 {
		t.Errorf("SANs: DNS %v IP %v email %v URI %v", l.DNSNames, l.IPAddresses, l.EmailAddresses, l.URIs)
	}
	if l.Subject.CommonName != "example.com" {
		t.Errorf("CN = %q, want the first host", l.Subject.CommonName)
	}
	if l.SerialNumber.BitLen() != 128 {
		t.Errorf("serial has %d bits, want 128", l.SerialNumber.BitLen())
	}
	if !l.NotBefore.Before(before.Add(-30*time.Minute)) || l.NotBefore.Before(before.Add(-2*time.Hour)) {
		t.Errorf("NotBefore %v is not backdated about an hour from %v", l.NotBefore, before)
	}
	if got := l.NotAfter.Sub(l.NotBefore); got != DefaultValidFor {
		t.Errorf("validity %v, want DefaultValidFor", got)
	}
	if c.PublicKeyAlgorithm != "ECDSA" || c.PublicKeyLength != 256 || l.IsCA {
		t.Errorf("default key %s %d, IsCA %v", c.PublicKeyAlgorithm, c.PublicKeyLength, l.IsCA)
	}
	if !slices.Equal(c.ExtendedKeyUsage, []string{"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"}) {
		t.Errorf("ExtendedKeyUsage = %v", c.ExtendedKeyUsage)
	}
	rsa, err := Generate(GenerateOptions{KeyType: KeyRSA, RSABits: 3072, IsCA: true, ValidFor: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if rsa.PublicKeyLength != 3072 || !rsa.Leaf.IsCA || rsa.UsageFlags&UsageCertSigning == 0 ||
		rsa.Leaf.NotAfter.Sub(rsa.Leaf.NotBefore) != 48*time.Hour {
		t.Errorf("RSA CA: %d bits, IsCA %v, usage %s, validity %v", rsa.PublicKeyLength, rsa.Leaf.IsCA, rsa.Usage, rsa.Leaf.NotAfter.Sub(rsa.Leaf.NotBefore))
	}
}

func TestGenerateErrors(t *testing.T) {
	t.Parallel()
	leaf, err := Generate(GenerateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ca, err := Generate(GenerateOptions{IsCA: true})
	if err != nil {
		t.Fatal(err)
	}
	keyless := *ca
	keyless.PrivateKey, keyless.PrivateKeyAvailable = nil, false
	for _, tt := range []struct {
		name string
		opts GenerateOptions
		want error
	}{
		{name: "issuer without key", opts: GenerateOptions{Issuer: &keyless}, want: ErrCannotAcquireCredentials},
		{name: "issuer not a CA", opts: GenerateOptions{Issuer: leaf}},
		{name: "bad RSA size", opts: GenerateOptions{KeyType: KeyRSA, RSABits: 1024}},
		{name: "unknown key type", opts: GenerateOptions{KeyType: 7}},
		{name: "negative validity", opts: GenerateOptions{ValidFor: -time.Hour}},
		{name: "bad e-mail", opts: GenerateOptions{Hosts: []string{"a@b@c"}}},
		{name: "empty host", opts: GenerateOptions{Hosts: []string{" "}}},
	} {
		_, err := Generate(tt.opts)
		var e *Error
		if !errors.As(err, &e) || e.Op != "generate" {
			t.Errorf("%s: err = %v, want *Error from generate", tt.name, err)
		}
		if tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestParseKeyType(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]KeyType{"": KeyECDSA, "ECDSA": KeyECDSA, "rsa": KeyRSA, "ed25519": KeyEd25519} {
		if got, err := ParseKeyType(in); err != nil || got != want {
			t.Errorf("ParseKeyType(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseKeyType("dsa"); err == nil {
		t.Error("ParseKeyType(dsa) succeeded")
	}
}
