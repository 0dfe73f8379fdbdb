package testpeer

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// PebbleOptions configures StartPebble.
type PebbleOptions struct {
	// TLSPort is the port Pebble connects to for TLS-ALPN-01 validations
	// (the server under test's).
	TLSPort int
	// HTTPPort is the port of HTTP-01 validations (default: a free one,
	// where no one listens).
	HTTPPort int
	// Validity is the issued certificates' lifetime (default 90 days).
	Validity time.Duration
	// Names resolve to 127.0.0.1 for Pebble's validations, through a DNS
	// responder the test runs; no other name resolves.
	Names []string
}

// Pebble is Let's Encrypt's test ACME server (github.com/letsencrypt/pebble,
// installed by .ci/run) running on 127.0.0.1. Its validations never sleep,
// every challenge is checked for real, no nonce is rejected on purpose and
// no authorization is reused, so each order validates its names.
type Pebble struct {
	// Directory is the URL of its ACME directory.
	Directory string
	// CAFile is the PEM file of the CA of its HTTPS certificate (not of
	// the certificates it issues: see Root).
	CAFile string
	// CAs holds the same CA, for clients.
	CAs *x509.CertPool

	path, config string
	mgmt, dns    string // the management interface's and the DNS responder's addresses
	proc         *Proc
}

// StartPebble runs Pebble until the test ends; it skips the test when
// Pebble is not installed, except in CI.
func StartPebble(t testing.TB, o PebbleOptions) *Pebble {
	t.Helper()
	path := Tool(t, "pebble")
	dir := t.TempDir()
	p := &Pebble{path: path, config: filepath.Join(dir, "pebble.json"), CAFile: filepath.Join(dir, "ca.pem")}
	keyFile := filepath.Join(dir, "key.pem")
	p.CAs = writeSelfSigned(t, p.CAFile, keyFile)
	if o.Validity == 0 {
		o.Validity = 90 * 24 * time.Hour
	}
	if o.HTTPPort == 0 {
		o.HTTPPort = FreePort(t)
	}
	listen := net.JoinHostPort("127.0.0.1", strconv.Itoa(FreePort(t)))
	p.mgmt = net.JoinHostPort("127.0.0.1", strconv.Itoa(FreePort(t)))
	p.Directory = "https://" + listen + "/dir"
	cfg := map[string]any{"pebble": map[string]any{
		"listenAddress":                  listen,
		"managementListenAddress":        p.mgmt,
		"certificate":                    p.CAFile,
		"privateKey":                     keyFile,
		"httpPort":                       o.HTTPPort,
		"tlsPort":                        o.TLSPort,
		"ocspResponderURL":               "",
		"externalAccountBindingRequired": false,
		"retryAfter":                     map[string]int{"authz": 1, "order": 1},
		"keyAlgorithm":                   "ecdsa",
		"profiles": map[string]any{"default": map[string]any{
			"description": "tlskit test", "validityPeriod": int(o.Validity / time.Second),
		}},
	}}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.config, b, 0o600); err != nil {
		t.Fatal(err)
	}
	p.dns = StartDNS(t, o.Names...)
	p.Start(t)
	return p
}

// Start runs Pebble again after Stop, on the same ports, with a new CA and
// no accounts (it keeps nothing).
func (p *Pebble) Start(t testing.TB) {
	t.Helper()
	env := []string{"PEBBLE_VA_NOSLEEP=1", "PEBBLE_VA_ALWAYS_VALID=0", "PEBBLE_WFE_NONCEREJECT=0", "PEBBLE_AUTHZREUSE=0"}
	p.proc = Start(t, env, p.path, "-config", p.config, "-dnsserver", p.dns)
	p.proc.WaitStdout(t, "ACME directory available at")
	// The line comes just before Pebble listens.
	host := p.Directory[len("https://"):]
	host = host[:len(host)-len("/dir")]
	deadline := time.Now().Add(Timeout)
	for {
		c, err := net.Dial("tcp", host)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pebble does not listen on %s: %v\n%s", host, err, p.proc.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop ends Pebble and waits for it.
func (p *Pebble) Stop(t testing.TB) {
	t.Helper()
	p.proc.Signal(t, syscall.SIGKILL)
	p.proc.Wait(t)
}

// Output is what Pebble logged.
func (p *Pebble) Output() string { return p.proc.Output() }

// Root returns the root of the certificates Pebble issues (new at each
// Start), from its management interface.
func (p *Pebble) Root(t testing.TB) *x509.Certificate {
	t.Helper()
	hc := &http.Client{Timeout: Timeout, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.CAs}}}
	var res *http.Response
	var err error
	deadline := time.Now().Add(Timeout)
	for { // the management interface starts in a goroutine of its own
		if res, err = hc.Get("https://" + p.mgmt + "/roots/0"); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("pebble's /roots/0 (%s): no PEM: %q", res.Status, b)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// writeSelfSigned writes a self-signed certificate for 127.0.0.1 and
// localhost, Pebble's HTTPS certificate and its own CA, and its key.
func writeSelfSigned(t testing.TB, certFile, keyFile string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "pebble test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return pool
}
