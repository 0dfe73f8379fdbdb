package tlsconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// systemCAEnv carries, to the child process TestClientCAsExactly starts,
// the directory with its certificates; the child's system pool is the
// "public" CA (SSL_CERT_FILE), which is read once per process.
const systemCAEnv = "TLSCONF_TEST_SYSTEM_CA_DIR"

// ClientCAs are exactly the CAs given: a client certificate from a CA
// that is in the system pool (as a public CA would be) but not in
// ClientCAs is refused, unless InsecureTrustSystemRootsForClients is set.
func TestClientCAsExactly(t *testing.T) {
	dir := os.Getenv(systemCAEnv)
	if dir == "" {
		dir = t.TempDir()
		writeClientCAFixtures(t, dir)
		cmd := exec.Command(os.Args[0], "-test.run=^TestClientCAsExactly$", "-test.v")
		cmd.Env = append(os.Environ(), systemCAEnv+"="+dir,
			"SSL_CERT_FILE="+filepath.Join(dir, "public-ca.pem"), "SSL_CERT_DIR="+filepath.Join(dir, "none"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}

	p := pki(t)
	privateCA := readCert(t, filepath.Join(dir, "private-ca.pem"))
	publicClient := readPair(t, dir, "public-client")
	privateClient := readPair(t, dir, "private-client")
	sys, err := x509.SystemCertPool()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := publicClient.Leaf.Verify(x509.VerifyOptions{Roots: sys, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Fatalf("the public CA is not in the system pool (SSL_CERT_FILE): %v", err)
	}
	for _, tt := range []struct {
		name   string
		srv    Settings
		client tls.Certificate
		ok     bool
	}{
		{"configured CA", Settings{ClientCAs: []*x509.Certificate{privateCA}}, privateClient, true},
		{"system CA not in ClientCAs", Settings{ClientCAs: []*x509.Certificate{privateCA}}, publicClient, false},
		{"system CA, InsecureTrustSystemRootsForClients", Settings{ClientCAs: []*x509.Certificate{privateCA}, InsecureTrustSystemRootsForClients: true}, publicClient, true},
		{"system CA, no ClientCAs at all", Settings{}, publicClient, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sc, cc := mustConfigs(t, &tt.srv, &Settings{}, p.ecLeaf)
			sc.ClientAuth = tls.RequireAndVerifyClientCert
			cc.Certificates = []tls.Certificate{tt.client}
			r := handshake(t, sc, cc)
			if tt.ok != (r.serverErr == nil) {
				t.Fatalf("server error = %v, want accepted=%v", r.serverErr, tt.ok)
			}
		})
	}
}

// writeClientCAFixtures writes a "public" and a "private" CA and a client
// certificate from each, as PEM.
func writeClientCAFixtures(t *testing.T, dir string) {
	t.Helper()
	write := func(name, typ string, der []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"public", "private"} {
		caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		ca, err := makeCert("Example "+name+" Root CA", nil, nil, caKey, caKey, x509.ECDSAWithSHA256, true)
		if err != nil {
			t.Fatal(err)
		}
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		leaf, err := makeCert(name+" client", ca, caKey, key, key, x509.ECDSAWithSHA256, false)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		write(name+"-ca.pem", "CERTIFICATE", ca.Raw)
		write(name+"-client.pem", "CERTIFICATE", leaf.Raw)
		write(name+"-client-key.pem", "PRIVATE KEY", keyDER)
	}
}

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM", path)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readPair(t *testing.T, dir, name string) tls.Certificate {
	t.Helper()
	c, err := tls.LoadX509KeyPair(filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
