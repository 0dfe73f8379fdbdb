package certs

import (
	"crypto/sha256"
	"os"
	"os/exec"
	"testing"
)

// FuzzParse feeds arbitrary bytes and passwords to the format detector and
// every decoder. It must never panic, and a success must be consistent.
func FuzzParse(f *testing.F) {
	gen, err := Generate(GenerateOptions{Hosts: []string{"fuzz.example"}})
	if err != nil {
		f.Fatal(err)
	}
	certPEM, keyPEM, err := gen.EncodePEM()
	if err != nil {
		f.Fatal(err)
	}
	pfx, err := gen.EncodePFX("secret")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(append(certPEM, keyPEM...), "")
	f.Add(gen.EncodeDER(), "")
	f.Add(pfx, "secret")
	f.Add(base64Lines(pfx), "secret")
	f.Add([]byte(`{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}`), "")
	f.Add([]byte{0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2, 0, 0, 0, 0}, "")
	if _, err := exec.LookPath("openssl"); err == nil {
		if _, err := exec.LookPath("keytool"); err == nil {
			for _, name := range []string{"leaf1-full.pem", "leaf1.der", "leaf1-key.der", "leaf1-aes.key",
				"leaf1-des3.key", "leaf1-pbes1.key", "leaf1-pbe-md5-des.key", "leaf2-legacy.key", "leaf1.p12", "leaf1-legacy.p12", "all.p7b",
				"leaf1.p7b.der", "all.jks", "leaf1.jwk", "set.jwk"} {
				data, err := os.ReadFile(fx(f, name))
				if err != nil {
					f.Fatal(err)
				}
				f.Add(data, fixturePassword)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, password string) {
		c, err := Parse(data, Options{Password: password})
		if err != nil {
			if c != nil {
				t.Fatal("certificate returned with an error")
			}
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			return
		}
		if c.Leaf == nil {
			t.Fatal("success without a certificate")
		}
		sum := sha256.Sum256(c.Leaf.Raw)
		if c.FingerprintSHA256 != colonHex(sum[:]) {
			t.Fatal("fingerprint does not match the certificate")
		}
		if c.PrivateKeyAvailable != (c.PrivateKey != nil) {
			t.Fatal("PrivateKeyAvailable disagrees with PrivateKey")
		}
		if c.PrivateKey != nil && !keyMatches(c.PrivateKey, c.Leaf) {
			t.Fatal("paired key does not match the certificate")
		}
		for _, ca := range c.Chain {
			if c.Leaf.CheckSignatureFrom(ca) != nil && len(c.Chain) == 1 {
				t.Fatal("chain certificate did not sign the leaf")
			}
		}
	})
}
