package socket

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// testPKI is a throw-away CA with an intermediate, for the TLS tests.
type testPKI struct {
	root, inter       *x509.Certificate
	rootKey, interKey crypto.Signer
	pool              *x509.CertPool
}

var certSerial atomic.Int64

func newKey(t testing.TB) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustCert(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newPKI(t testing.TB) *testPKI { return newPKIWithURLs(t, "", "") }

// newPKIWithURLs makes a PKI whose intermediate names a CRL distribution
// point and an OCSP responder ("" for none).
func newPKIWithURLs(t testing.TB, interCRL, interOCSP string) *testPKI {
	t.Helper()
	p := &testPKI{rootKey: newKey(t), interKey: newKey(t)}
	now := time.Now()
	rootTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(certSerial.Add(1)), Subject: pkix.Name{CommonName: "tlskit test root"},
		NotBefore: now.Add(-72 * time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	p.root = mustCert(t, rootTmpl, rootTmpl, p.rootKey.Public(), p.rootKey)
	interTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(certSerial.Add(1)), Subject: pkix.Name{CommonName: "tlskit test intermediate"},
		NotBefore: now.Add(-72 * time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	if interCRL != "" {
		interTmpl.CRLDistributionPoints = []string{interCRL}
	}
	if interOCSP != "" {
		interTmpl.OCSPServer = []string{interOCSP}
	}
	p.inter = mustCert(t, interTmpl, p.root, p.interKey.Public(), p.rootKey)
	p.pool = x509.NewCertPool()
	p.pool.AddCert(p.root)
	return p
}

// leafOpts shapes a leaf certificate.
type leafOpts struct {
	cn        string
	dns       []string
	ips       []net.IP
	usage     []x509.ExtKeyUsage
	notBefore time.Time
	notAfter  time.Time
	crlURL    string
	ocspURL   string
	serial    int64 // 0: the next of a process-wide counter
}

// leaf issues a certificate from the intermediate; the chain includes the
// intermediate.
func (p *testPKI) leaf(t testing.TB, o leafOpts) tls.Certificate {
	t.Helper()
	key := newKey(t)
	now := time.Now()
	if o.notBefore.IsZero() {
		o.notBefore = now.Add(-time.Hour)
	}
	if o.notAfter.IsZero() {
		o.notAfter = now.Add(12 * time.Hour)
	}
	if o.usage == nil {
		o.usage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	}
	if o.cn == "" {
		o.cn = "localhost"
	}
	if o.dns == nil && o.ips == nil {
		o.dns = []string{"localhost"}
		o.ips = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	}
	if o.serial == 0 {
		o.serial = certSerial.Add(1)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(o.serial), Subject: pkix.Name{CommonName: o.cn},
		NotBefore: o.notBefore, NotAfter: o.notAfter,
		DNSNames: o.dns, IPAddresses: o.ips, ExtKeyUsage: o.usage,
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	if o.crlURL != "" {
		tmpl.CRLDistributionPoints = []string{o.crlURL}
	}
	if o.ocspURL != "" {
		tmpl.OCSPServer = []string{o.ocspURL}
	}
	c := mustCert(t, tmpl, p.inter, key.Public(), p.interKey)
	return tls.Certificate{Certificate: [][]byte{c.Raw, p.inter.Raw}, PrivateKey: key, Leaf: c}
}

// serverConfig is a TLS server configuration with a localhost certificate.
func (p *testPKI) serverConfig(t testing.TB) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{p.leaf(t, leafOpts{})}}
}

// writePEM writes the certificate chain and key of c to dir and returns
// the two paths.
func writePEM(t testing.TB, dir, name string, c tls.Certificate) (certPath, keyPath string) {
	t.Helper()
	var certPEM []byte
	for _, der := range c.Certificate {
		certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certPath = filepath.Join(dir, name+".crt")
	keyPath = filepath.Join(dir, name+".key")
	if err := os.WriteFile(certPath, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}

// writeRootPEM writes the root certificate and returns its path.
func (p *testPKI) writeRootPEM(t testing.TB, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "root.crt")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.root.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
