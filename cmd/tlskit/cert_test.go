package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tlskit/tlskit/certs"
	"github.com/tlskit/tlskit/internal/testpeer"
)

// runCLI runs tlskit in-process with args and returns what it printed.
func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	err := cmd.Execute()
	return out.String(), err
}

func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runCLI(t, args...)
	if err != nil {
		t.Fatalf("tlskit %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func openssl(t *testing.T, args ...string) string {
	t.Helper()
	testpeer.Tool(t, "openssl")
	out, err := exec.Command("openssl", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// lineValue returns the value of the "Name: value" line in out.
func lineValue(t *testing.T, out, name string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, name+": "); ok {
			return v
		}
		if line == name+":" {
			return ""
		}
	}
	t.Fatalf("no %q line in:\n%s", name, out)
	return ""
}

func TestCertNewDefaults(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	out := mustCLI(t, "cert", "new")
	certPath, keyPath := "localhost+2.pem", "localhost+2-key.pem"
	if lineValue(t, out, "Certificate") != certPath || lineValue(t, out, "Key") != keyPath {
		t.Errorf("output does not name the files:\n%s", out)
	}
	fi, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v, want 0600", fi.Mode().Perm())
	}
	c, err := certs.LoadPair(certPath, keyPath, certs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.SubjectAltNames, []string{"localhost", "127.0.0.1", "::1"}) {
		t.Errorf("SANs = %v", c.SubjectAltNames)
	}
	if lineValue(t, out, "FingerprintSHA256") != c.FingerprintSHA256 {
		t.Errorf("printed fingerprint differs from the file's")
	}
	want := strings.ToUpper(c.FingerprintSHA256)
	if got := openssl(t, "x509", "-in", filepath.Join(dir, certPath), "-noout", "-fingerprint", "-sha256"); !strings.Contains(got, want) {
		t.Errorf("openssl fingerprint %s, want %s", got, want)
	}
	if lineValue(t, out, "ExpirationDate") != c.ExpirationDate.Local().Format(certs.DateLayout) {
		t.Errorf("printed expiry differs:\n%s", out)
	}
	// A second run refuses to overwrite.
	if _, err := runCLI(t, "cert", "new"); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("second run: %v, want a refusal naming --force", err)
	}
	mustCLI(t, "cert", "new", "--force")
}

func TestCertNewCASigned(t *testing.T) {
	t.Parallel()
	testpeer.Tool(t, "openssl")
	dir := t.TempDir()
	ca, caKey := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-key.pem")
	mustCLI(t, "cert", "new", "--ca", "--out-cert", ca, "--out-key", caKey)
	for _, kt := range []string{"ecdsa", "rsa", "ed25519"} {
		leaf, key := filepath.Join(dir, kt+".pem"), filepath.Join(dir, kt+"-key.pem")
		out := mustCLI(t, "cert", "new", "svc.test", "10.1.2.3", "--key-type", kt, "--ca-cert", ca, "--ca-key", caKey,
			"--days", "30", "--out-cert", leaf, "--out-key", key)
		if !strings.Contains(out, "signed by CN=tlskit development CA") {
			t.Errorf("output does not name the issuer:\n%s", out)
		}
		if got := openssl(t, "verify", "-CAfile", ca, leaf); !strings.Contains(got, "OK") {
			t.Errorf("%s: openssl verify: %s", kt, got)
		}
		c, err := certs.LoadPair(leaf, key, certs.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if d := c.ExpirationDate.Sub(c.EffectiveDate); d != 30*24*time.Hour {
			t.Errorf("%s: validity %v, want 30 days", kt, d)
		}
		if len(c.Chain) != 1 {
			t.Errorf("%s: the certificate file should hold the CA too", kt)
		}
	}
}

func TestCertShow(t *testing.T) {
	t.Parallel()
	testpeer.Tool(t, "openssl")
	dir := t.TempDir()
	certPath, keyPath, pfx := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem"), filepath.Join(dir, "c.pfx")
	mustCLI(t, "cert", "new", "show.test", "--out-cert", certPath, "--out-key", keyPath)
	openssl(t, "pkcs12", "-export", "-in", certPath, "-inkey", keyPath, "-passout", "pass:hunter2", "-out", pfx)
	c, err := certs.Load(pfx, certs.Options{Password: "hunter2"})
	if err != nil {
		t.Fatal(err)
	}
	out := mustCLI(t, "cert", "show", pfx, "--password", "hunter2")
	for name, want := range map[string]string{
		"Subject": c.Subject, "Issuer": c.Issuer, "SerialNumber": c.SerialNumber,
		"EffectiveDate": c.EffectiveDate.Local().Format(certs.DateLayout), "SubjectAltNames": "show.test",
		"PublicKeyAlgorithm": "ECDSA", "PublicKeyLength": "256", "SignatureAlgorithm": "ECDSA-SHA256",
		"Usage": "Digital Signature", "UsageFlags": "0x80", "ExtendedKeyUsage": "1.3.6.1.5.5.7.3.1, 1.3.6.1.5.5.7.3.2",
		"Version": "V3", "Fingerprint": c.Fingerprint, "FingerprintSHA1": c.FingerprintSHA1,
		"FingerprintSHA256": c.FingerprintSHA256, "ThumbprintMD5": c.ThumbprintMD5, "ThumbprintSHA1": c.ThumbprintSHA1,
		"ThumbprintSHA256": c.ThumbprintSHA256, "PrivateKeyAvailable": "true", "Valid": "true",
	} {
		if got := lineValue(t, out, name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if strings.Contains(out, "PRIVATE KEY") || strings.Contains(out, "hunter2") {
		t.Errorf("show leaked the key or the password:\n%s", out)
	}

	js := mustCLI(t, "cert", "show", certPath, "--key", keyPath, "--json")
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, js)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"chain", "effectiveDate", "expirationDate", "extendedKeyUsage", "fingerprint", "fingerprintSHA1",
		"fingerprintSHA256", "issuer", "privateKeyAvailable", "publicKeyAlgorithm", "publicKeyLength", "serialNumber",
		"signatureAlgorithm", "subject", "subjectAltNames", "thumbprintMD5", "thumbprintSHA1", "thumbprintSHA256",
		"usage", "usageFlags", "valid", "version"}
	if !slices.Equal(keys, want) {
		t.Errorf("JSON fields %v\nwant %v", keys, want)
	}
	if m["privateKeyAvailable"] != true || m["fingerprintSHA256"] != c.FingerprintSHA256 {
		t.Errorf("JSON values: %v", m)
	}

	// Store type and subject are passed through.
	out = mustCLI(t, "cert", "show", pfx, "--password", "hunter2", "--store-type", "2", "--subject", "Thumbprint="+c.ThumbprintSHA1)
	if lineValue(t, out, "Subject") != c.Subject {
		t.Errorf("selection by thumbprint failed:\n%s", out)
	}
}

func TestCertConvert(t *testing.T) {
	t.Parallel()
	testpeer.Tool(t, "openssl")
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	mustCLI(t, "cert", "new", "--ca", "--out-cert", p("ca.pem"), "--out-key", p("ca-key.pem"))
	mustCLI(t, "cert", "new", "conv.test", "--ca-cert", p("ca.pem"), "--ca-key", p("ca-key.pem"), "--out-cert", p("c.pem"), "--out-key", p("k.pem"))
	orig, err := certs.LoadPair(p("c.pem"), p("k.pem"), certs.Options{})
	if err != nil {
		t.Fatal(err)
	}

	out := mustCLI(t, "cert", "convert", p("c.pem"), p("c.pfx"), "--key", p("k.pem"), "--out-password", "pw")
	if !strings.Contains(out, "2 certificate(s), private key") {
		t.Errorf("convert output: %s", out)
	}
	// openssl reads what we wrote.
	if got := openssl(t, "pkcs12", "-in", p("c.pfx"), "-passin", "pass:pw", "-nodes"); strings.Count(got, "BEGIN CERTIFICATE") != 2 || !strings.Contains(got, "PRIVATE KEY") {
		t.Errorf("openssl pkcs12 output:\n%s", got)
	}

	mustCLI(t, "cert", "convert", p("c.pfx"), p("all.pem"), "--password", "pw")
	back, err := certs.Load(p("all.pem"), certs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if back.FingerprintSHA256 != orig.FingerprintSHA256 || !back.PrivateKeyAvailable || len(back.Chain) != 1 {
		t.Errorf("PFX to PEM lost something: key %v chain %d", back.PrivateKeyAvailable, len(back.Chain))
	}
	if fi, _ := os.Stat(p("all.pem")); fi.Mode().Perm() != 0o600 {
		t.Errorf("PEM with a key has mode %v, want 0600", fi.Mode().Perm())
	}

	out = mustCLI(t, "cert", "convert", p("c.pfx"), p("c.der"), "--password", "pw", "--out-key", p("k.der"))
	if !strings.Contains(out, "k.der (private key)") {
		t.Errorf("DER output: %s", out)
	}
	if got := openssl(t, "x509", "-inform", "DER", "-in", p("c.der"), "-noout", "-fingerprint", "-sha256"); !strings.Contains(got, strings.ToUpper(orig.FingerprintSHA256)) {
		t.Errorf("DER certificate differs: %s", got)
	}
	if _, err := certs.LoadPair(p("c.der"), p("k.der"), certs.Options{}); err != nil {
		t.Errorf("DER pair does not load: %v", err)
	}

	out = mustCLI(t, "cert", "convert", p("c.pem"), p("plain.bin"), "--to", "pem", "--key", p("k.pem"), "--out-key", p("k2.pem"))
	if strings.Contains(readFile(t, p("plain.bin")), "PRIVATE KEY") || !strings.Contains(readFile(t, p("k2.pem")), "BEGIN PRIVATE KEY") {
		t.Errorf("--out-key did not split the key out: %s", out)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCertFlagErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	mustCLI(t, "cert", "new", "--out-cert", cert, "--out-key", key)
	out := filepath.Join(dir, "out")
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{name: "ca-key without ca-cert", args: []string{"cert", "new", "--ca-key", key}, want: "--ca-key needs --ca-cert"},
		{name: "rsa-bits without rsa", args: []string{"cert", "new", "--rsa-bits", "4096"}, want: "--rsa-bits needs --key-type rsa"},
		{name: "negative days", args: []string{"cert", "new", "--days", "-1"}, want: "--days"},
		{name: "unknown key type", args: []string{"cert", "new", "--key-type", "dsa"}, want: "use ecdsa, rsa or ed25519"},
		{name: "same out files", args: []string{"cert", "new", "--out-cert", out, "--out-key", out}, want: "same file"},
		{name: "existing file", args: []string{"cert", "new", "--out-cert", cert, "--out-key", out}, want: "already exists"},
		{name: "CA without key", args: []string{"cert", "new", "--ca-cert", cert, "--out-cert", out + "1", "--out-key", out + "2"}, want: "has no private key"},
		{name: "show without file", args: []string{"cert", "show"}, want: "needs FILE"},
		{name: "show missing file", args: []string{"cert", "show", filepath.Join(dir, "nope.pem")}, want: "error 271"},
		{name: "show Windows store", args: []string{"cert", "show", cert, "--store-type", "0"}, want: "Windows certificate stores"},
		{name: "show unknown subject", args: []string{"cert", "show", cert, "--subject", "CN=nobody"}, want: "error 272"},
		{name: "convert unknown extension", args: []string{"cert", "convert", cert, out + ".xyz"}, want: "pass --to"},
		{name: "convert bad --to", args: []string{"cert", "convert", cert, out, "--to", "jks"}, want: "use pem, pfx or der"},
		{name: "convert out-password for pem", args: []string{"cert", "convert", cert, out + ".pem", "--out-password", "x"}, want: "--out-password only applies"},
		{name: "convert out-key for pfx", args: []string{"cert", "convert", cert, out + ".pfx", "--out-key", out}, want: "--out-key does not apply"},
		{name: "convert onto itself", args: []string{"cert", "convert", cert, cert}, want: "same file"},
		{name: "convert one argument", args: []string{"cert", "convert", cert}, want: "needs IN OUT"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runCLI(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	var e *certs.Error
	if _, err := runCLI(t, "cert", "show", filepath.Join(dir, "nope.pem")); !errors.As(err, &e) {
		t.Errorf("library errors reach main unchanged: %T", err)
	}
}

func TestFileBase(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		hosts []string
		ca    bool
		want  string
	}{
		{hosts: []string{"localhost", "127.0.0.1", "::1"}, want: "localhost+2"},
		{hosts: []string{"*.example.com"}, want: "_wildcard.example.com"},
		{hosts: []string{"::1"}, want: "__1"},
		{ca: true, want: "tlskit-ca"},
	} {
		if got := fileBase(tt.hosts, tt.ca); got != tt.want {
			t.Errorf("fileBase(%v) = %q, want %q", tt.hosts, got, tt.want)
		}
	}
}

// Certificates from cert new --key-type ed25519 (an Ed25519 CA and leaf)
// work over TLS 1.2 as over 1.3: the default signature-algorithm lists
// are crypto/tls's, which include Ed25519.
func TestEd25519CertificateTLS12(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca, caKey := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "ca-key.pem")
	leaf, key := filepath.Join(dir, "leaf.pem"), filepath.Join(dir, "leaf-key.pem")
	mustCLI(t, "cert", "new", "--ca", "--key-type", "ed25519", "--out-cert", ca, "--out-key", caKey)
	mustCLI(t, "cert", "new", "localhost", "127.0.0.1", "--key-type", "ed25519", "--ca-cert", ca, "--ca-key", caKey,
		"--out-cert", leaf, "--out-key", key)
	s := serve(t, "--proto", "tls", "--cert", leaf, "--key", key)
	for _, tt := range []struct{ max, want string }{{"1.2", "TLS1.2"}, {"1.3", "TLS1.3"}} {
		_, stderr, code := connect(t, "", s.url, "--ca", ca, "--tls-max", tt.max)
		if code != 0 || field(stderr, "Version") != tt.want {
			t.Errorf("--tls-max %s: exit %d, Version %q\n%s", tt.max, code, field(stderr, "Version"), stderr)
		}
	}
}
