package natsbus

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"

	"github.com/tlskit/tlskit/tlsconf"
)

// runNATS runs an embedded NATS server with o on 127.0.0.1 (o.Port 0: a
// random port) until the test ends.
func runNATS(t *testing.T, o *natsserver.Options) *natsserver.Server {
	t.Helper()
	o.Host, o.NoLog, o.NoSigs = "127.0.0.1", true, true
	if o.Port == 0 {
		o.Port = -1
	}
	ns, err := natsserver.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS server not ready")
	}
	t.Cleanup(ns.Shutdown)
	return ns
}

// NkeyFile authenticates with an nkey seed; without it the server refuses.
func TestNkeyFile(t *testing.T) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	seed, _ := kp.Seed()
	file := filepath.Join(t.TempDir(), "user.nk")
	if err := os.WriteFile(file, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	ns := runNATS(t, &natsserver.Options{Nkeys: []*natsserver.NkeyUser{{Nkey: pub}}})
	if _, err := Connect(Options{URLs: []string{ns.ClientURL()}, Logger: quiet}); err == nil {
		t.Fatal("connected without the nkey")
	}
	b := connect(t, ns.ClientURL(), Options{NkeyFile: file})
	if !b.Conn().IsConnected() {
		t.Fatal("not connected with the nkey")
	}
}

// Credentials options that cannot work are errors, before or at connect.
func TestCredentialOptionErrors(t *testing.T) {
	ns := runNATS(t, &natsserver.Options{})
	dir := t.TempDir()
	for _, o := range []Options{
		{CredsFile: filepath.Join(dir, "missing.creds")},
		{CredsFile: "a", JWTFile: "b"},
		{JWTFile: "b"},
		{NkeyFile: filepath.Join(dir, "missing.nk")},
		{CredsFile: "a", NkeyFile: "b"},
	} {
		o.URLs, o.Logger = []string{ns.ClientURL()}, quiet
		if b, err := Connect(o); err == nil {
			b.Close()
			t.Errorf("Connect(%+v) succeeded", o)
		}
	}
}

// TLS to NATS with a config from tlsconf: the server's certificate is
// verified against ServerCAs.
func TestTLSWithTLSConf(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "nats test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ns := runNATS(t, &natsserver.Options{TLS: true, TLSConfig: &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}})
	url := strings.Replace(ns.ClientURL(), "nats://", "tls://", 1)

	untrusted, _ := (&tlsconf.Settings{}).ClientConfig()
	if b, err := Connect(Options{URLs: []string{url}, TLS: untrusted, Logger: quiet}); err == nil {
		b.Close()
		t.Fatal("connected to a server whose certificate is not trusted")
	}
	trusted, err := (&tlsconf.Settings{ServerCAs: []*x509.Certificate{cert}, ServerName: "127.0.0.1"}).ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	b := connect(t, url, Options{TLS: trusted})
	if st, err := b.Conn().TLSConnectionState(); err != nil || !st.HandshakeComplete {
		t.Fatalf("TLS state %v, %v", st.HandshakeComplete, err)
	}
}
