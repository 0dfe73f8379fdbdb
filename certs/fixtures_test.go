package certs

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/tlskit/tlskit/internal/testpeer"
)

// The fixtures are made once per test binary by the real tools: openssl
// for the CA, two leaves and every PEM/DER/PFX/P7B variant, keytool for the
// JKS store. See buildFixtures for the exact commands.

const fixturePassword = "secret"

var fixtureCnf = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyAgreement
extendedKeyUsage = serverAuth,clientAuth,1.3.6.1.4.1.99999.1
subjectAltName = DNS:leaf1.example.com,DNS:localhost,IP:127.0.0.1,IP:::1,email:admin@example.com,URI:https://example.com/svc
authorityKeyIdentifier = keyid
[leaf2]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment,nonRepudiation
extendedKeyUsage = serverAuth
subjectAltName = DNS:leaf2.example.com
`

var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

// fixtures returns the directory with the fixture files, building it on first use.
func fixtures(t testing.TB) string {
	t.Helper()
	testpeer.Tool(t, "openssl")
	testpeer.Tool(t, "keytool")
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "certs-fixtures-")
		if fixtureErr == nil {
			fixtureErr = buildFixtures(fixtureDir)
		}
	})
	if fixtureErr != nil {
		t.Fatalf("building fixtures: %v", fixtureErr)
	}
	return fixtureDir
}

// fx returns the path of fixture file name.
func fx(t testing.TB, name string) string {
	return filepath.Join(fixtures(t), name)
}

func readFx(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(fx(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func runTool(dir string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

// openssl runs openssl in the fixture directory and returns its output.
func openssl(t testing.TB, args ...string) string {
	t.Helper()
	out, err := runTool(fixtures(t), "openssl", args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func buildFixtures(dir string) error {
	if err := os.WriteFile(filepath.Join(dir, "x.cnf"), []byte(fixtureCnf), 0o600); err != nil {
		return err
	}
	pass := "pass:" + fixturePassword
	steps := [][]string{
		// CA (RSA) and two leaves: leaf1 ECDSA P-256 with every SAN kind, leaf2 RSA signed with SHA-384.
		{"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "ca.key"},
		{"openssl", "req", "-config", "x.cnf", "-x509", "-new", "-key", "ca.key", "-subj", "/C=US/O=Example CA/CN=Example Root CA", "-days", "365", "-extensions", "v3_ca", "-out", "ca.pem"},
		{"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "leaf1.key"},
		{"openssl", "req", "-config", "x.cnf", "-new", "-key", "leaf1.key", "-subj", "/C=US/ST=California/L=San Jose/O=Example, Inc./OU=Web/CN=leaf one/emailAddress=ops@example.com", "-out", "leaf1.csr"},
		{"openssl", "x509", "-req", "-in", "leaf1.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "0x00ABCDEF0123456789", "-days", "30", "-extfile", "x.cnf", "-extensions", "leaf", "-out", "leaf1.pem"},
		{"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "leaf2.key"},
		{"openssl", "req", "-config", "x.cnf", "-new", "-key", "leaf2.key", "-subj", "/O=Example/CN=leaf two", "-out", "leaf2.csr"},
		{"openssl", "x509", "-req", "-in", "leaf2.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "7", "-days", "30", "-sha384", "-extfile", "x.cnf", "-extensions", "leaf2", "-out", "leaf2.pem"},
		// Key encodings.
		{"openssl", "ec", "-in", "leaf1.key", "-out", "leaf1-sec1.key"},
		{"openssl", "rsa", "-traditional", "-in", "leaf2.key", "-out", "leaf2-pkcs1.key"},
		{"openssl", "pkcs8", "-topk8", "-v2", "aes256", "-in", "leaf1.key", "-passout", pass, "-out", "leaf1-aes.key"},
		{"openssl", "pkcs8", "-topk8", "-v2", "des3", "-in", "leaf1.key", "-passout", pass, "-out", "leaf1-des3.key"},
		{"openssl", "pkcs8", "-topk8", "-v2", "aes128", "-v2prf", "hmacWithSHA1", "-in", "leaf2.key", "-passout", pass, "-out", "leaf2-aes128-sha1.key"},
		{"openssl", "pkcs8", "-topk8", "-v1", "PBE-SHA1-3DES", "-in", "leaf1.key", "-passout", pass, "-out", "leaf1-pbes1.key"},
		{"openssl", "pkcs8", "-topk8", "-v1", "PBE-SHA1-2DES", "-in", "leaf2.key", "-passout", pass, "-out", "leaf2-pbe-2des.key"},
		{"openssl", "pkcs8", "-topk8", "-v1", "PBE-MD5-DES", "-provider", "legacy", "-provider", "default", "-in", "leaf1.key", "-passout", pass, "-out", "leaf1-pbe-md5-des.key"},
		{"openssl", "pkcs8", "-topk8", "-v1", "PBE-SHA1-DES", "-provider", "legacy", "-provider", "default", "-in", "leaf2.key", "-passout", pass, "-outform", "DER", "-out", "leaf2-pbe-sha1-des.der"},
		{"openssl", "pkcs8", "-topk8", "-v1", "PBE-SHA1-RC2-128", "-provider", "legacy", "-provider", "default", "-in", "leaf1.key", "-passout", pass, "-out", "leaf1-pbe-rc2.key"},
		{"openssl", "rsa", "-traditional", "-aes256", "-in", "leaf2.key", "-passout", pass, "-out", "leaf2-legacy.key"},
		{"openssl", "ec", "-des3", "-in", "leaf1.key", "-passout", pass, "-out", "leaf1-legacy-des3.key"},
		{"openssl", "pkcs8", "-topk8", "-v2", "aes256", "-in", "leaf1.key", "-passout", pass, "-outform", "DER", "-out", "leaf1-aes.der"},
		{"openssl", "pkey", "-in", "leaf1.key", "-outform", "DER", "-out", "leaf1-key.der"},
		{"openssl", "x509", "-in", "leaf1.pem", "-outform", "DER", "-out", "leaf1.der"},
		// Containers.
		{"openssl", "pkcs12", "-export", "-in", "leaf1.pem", "-inkey", "leaf1.key", "-certfile", "ca.pem", "-name", "leaf1", "-passout", pass, "-out", "leaf1.p12"},
		{"openssl", "pkcs12", "-export", "-legacy", "-in", "leaf1.pem", "-inkey", "leaf1.key", "-certfile", "ca.pem", "-name", "leaf1", "-passout", pass, "-out", "leaf1-legacy.p12"},
		{"openssl", "pkcs12", "-export", "-legacy", "-certpbe", "PBE-SHA1-RC2-40", "-in", "leaf2.pem", "-inkey", "leaf2.key", "-name", "leaf2", "-passout", pass, "-out", "leaf2-rc2.p12"},
		{"openssl", "pkcs12", "-export", "-in", "leaf2.pem", "-inkey", "leaf2.key", "-certfile", "ca.pem", "-name", "leaf2", "-passout", pass, "-out", "leaf2.p12"},
		{"openssl", "crl2pkcs7", "-nocrl", "-certfile", "leaf1.pem", "-certfile", "leaf2.pem", "-certfile", "ca.pem", "-out", "all.p7b"},
		{"openssl", "crl2pkcs7", "-nocrl", "-certfile", "leaf1.pem", "-certfile", "ca.pem", "-outform", "DER", "-out", "leaf1.p7b.der"},
		{"keytool", "-importkeystore", "-noprompt", "-srckeystore", "leaf1.p12", "-srcstoretype", "PKCS12", "-srcstorepass", fixturePassword, "-destkeystore", "all.jks", "-deststoretype", "JKS", "-deststorepass", fixturePassword, "-destkeypass", fixturePassword},
		{"keytool", "-importkeystore", "-noprompt", "-srckeystore", "leaf2.p12", "-srcstoretype", "PKCS12", "-srcstorepass", fixturePassword, "-destkeystore", "all.jks", "-deststoretype", "JKS", "-deststorepass", fixturePassword, "-destkeypass", fixturePassword},
		{"keytool", "-importcert", "-noprompt", "-alias", "trustedca", "-file", "ca.pem", "-keystore", "all.jks", "-storetype", "JKS", "-storepass", fixturePassword},
	}
	for _, s := range steps {
		if _, err := runTool(dir, s[0], s[1:]...); err != nil {
			return err
		}
	}
	cat := func(out string, parts ...string) error {
		var b []byte
		for _, p := range parts {
			data, err := os.ReadFile(filepath.Join(dir, p))
			if err != nil {
				return err
			}
			b = append(b, data...)
		}
		return os.WriteFile(filepath.Join(dir, out), b, 0o600)
	}
	for out, parts := range map[string][]string{
		"leaf1-full.pem": {"leaf1.pem", "leaf1.key", "ca.pem"},
		"bundle.pem":     {"ca.pem", "leaf2.pem", "leaf2-pkcs1.key", "leaf1.pem", "leaf1-sec1.key"},
		"mismatch.pem":   {"leaf1.pem", "leaf2.key"},
	} {
		if err := cat(out, parts...); err != nil {
			return err
		}
	}
	return writeJWKFixtures(dir)
}

// writeJWKFixtures writes leaf1 as a private JWK with x5c, and a set with
// the public leaf2. No common CLI writes JWKs, so go-jose does.
func writeJWKFixtures(dir string) error {
	c, err := LoadPair(filepath.Join(dir, "leaf1-full.pem"), filepath.Join(dir, "leaf1.key"), Options{})
	if err != nil {
		return err
	}
	priv := jose.JSONWebKey{Key: c.PrivateKey, KeyID: "leaf1", Certificates: append(append(c.Chain[:0:0], c.Leaf), c.Chain...)}
	data, err := json.Marshal(priv)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "leaf1.jwk"), data, 0o600); err != nil {
		return err
	}
	c2, err := Load(filepath.Join(dir, "leaf2.pem"), Options{})
	if err != nil {
		return err
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: c2.Leaf.PublicKey, KeyID: "leaf2", Certificates: []*x509.Certificate{c2.Leaf}},
	}}
	data, err = json.Marshal(set)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "set.jwk"), data, 0o600)
}
func contains(s, sub string) bool { return strings.Contains(s, sub) }

// base64Lines encodes data as 64-column Base64, as tools paste blobs.
func base64Lines(data []byte) []byte {
	s := base64.StdEncoding.EncodeToString(data)
	var b strings.Builder
	for len(s) > 64 {
		b.WriteString(s[:64] + "\n")
		s = s[64:]
	}
	b.WriteString(s + "\n")
	return []byte(b.String())
}

func upperHex(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }
