package tlsconf

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"
)

// testPKI holds certificates generated once for the package's tests.
type testPKI struct {
	ecCA, ecCA384, rsaCA, edCA *x509.Certificate
	// Leaves for "localhost" and 127.0.0.1, each with its CA in the chain.
	ecLeaf     tls.Certificate // P-256 key, signed by ecCA (ecdsa_secp256r1_sha256)
	ec384Leaf  tls.Certificate // P-256 key, signed by ecCA384 with SHA-384
	rsaLeaf    tls.Certificate // RSA key, signed by rsaCA (sha256-rsa)
	pssLeaf    tls.Certificate // P-256 key, signed by rsaCA with RSA-PSS
	edLeaf     tls.Certificate // P-256 key, signed by edCA (ed25519)
	selfSigned tls.Certificate // P-256, self-signed, trusted by nobody
	ecClient   tls.Certificate // client certificate signed by ecCA
}

var pkiOnce = sync.OnceValues(func() (*testPKI, error) {
	p := new(testPKI)
	var err error
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384Key, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

	if p.ecCA, err = makeCert("EC CA", nil, nil, ecKey, ecKey, x509.ECDSAWithSHA256, true); err != nil {
		return nil, err
	}
	if p.ecCA384, err = makeCert("EC384 CA", nil, nil, ec384Key, ec384Key, x509.ECDSAWithSHA384, true); err != nil {
		return nil, err
	}
	if p.rsaCA, err = makeCert("RSA CA", nil, nil, rsaKey, rsaKey, x509.SHA256WithRSA, true); err != nil {
		return nil, err
	}
	if p.edCA, err = makeCert("Ed25519 CA", nil, nil, edKey, edKey, x509.PureEd25519, true); err != nil {
		return nil, err
	}
	leaf := func(name string, ca *x509.Certificate, caKey crypto.Signer, key crypto.Signer, alg x509.SignatureAlgorithm) (tls.Certificate, error) {
		c, err := makeCert(name, ca, caKey, key, key, alg, false)
		if err != nil {
			return tls.Certificate{}, err
		}
		chain := [][]byte{c.Raw}
		if ca != nil {
			chain = append(chain, ca.Raw)
		}
		return tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: c}, nil
	}
	if p.ecLeaf, err = leaf("ec leaf", p.ecCA, ecKey, leafKey, x509.ECDSAWithSHA256); err != nil {
		return nil, err
	}
	if p.ec384Leaf, err = leaf("ec384 leaf", p.ecCA384, ec384Key, leafKey, x509.ECDSAWithSHA384); err != nil {
		return nil, err
	}
	if p.rsaLeaf, err = leaf("rsa leaf", p.rsaCA, rsaKey, rsaKey, x509.SHA256WithRSA); err != nil {
		return nil, err
	}
	if p.pssLeaf, err = leaf("pss leaf", p.rsaCA, rsaKey, leafKey, x509.SHA256WithRSAPSS); err != nil {
		return nil, err
	}
	if p.edLeaf, err = leaf("ed leaf", p.edCA, edKey, leafKey, x509.PureEd25519); err != nil {
		return nil, err
	}
	if p.selfSigned, err = leaf("self", nil, nil, leafKey, x509.ECDSAWithSHA256); err != nil {
		return nil, err
	}
	if p.ecClient, err = leaf("client", p.ecCA, ecKey, leafKey, x509.ECDSAWithSHA256); err != nil {
		return nil, err
	}
	return p, nil
})

// makeCert creates a certificate for pub (the public half of key) signed
// by caKey as ca; ca == nil means self-signed with signer.
func makeCert(cn string, ca *x509.Certificate, caKey crypto.Signer, key, signer crypto.Signer, alg x509.SignatureAlgorithm, isCA bool) (*x509.Certificate, error) {
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber:       serial,
		Subject:            pkix.Name{CommonName: cn},
		NotBefore:          time.Now().Add(-time.Hour),
		NotAfter:           time.Now().Add(24 * time.Hour),
		SignatureAlgorithm: alg,
		KeyUsage:           x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:        []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		DNSNames:           []string{"localhost"},
		IPAddresses:        []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	if isCA {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
		tmpl.DNSNames, tmpl.IPAddresses = nil, nil
	}
	parent := tmpl
	if ca != nil {
		parent, signer = ca, caKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func pki(t testing.TB) *testPKI {
	t.Helper()
	p, err := pkiOnce()
	if err != nil {
		t.Fatalf("generating test certificates: %v", err)
	}
	return p
}

// handshakeResult is the outcome of one in-memory handshake.
type handshakeResult struct {
	server, client       tls.ConnectionState
	serverErr, clientErr error
}

// tcpPair returns the two ends of a loopback TCP connection. (net.Pipe
// has no buffering, which can deadlock a TLS 1.3 handshake whose first
// server flight carries session tickets.)
func tcpPair(t testing.TB) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.Accept()
		ch <- res{c, err}
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		client.Close()
		t.Fatal(r.err)
	}
	return r.c, client
}

// handshake runs a TLS handshake between the two configs over loopback
// TCP and returns both sides' states and errors.
func handshake(t testing.TB, serverCfg, clientCfg *tls.Config) handshakeResult {
	t.Helper()
	c1, c2 := tcpPair(t)
	deadline := time.Now().Add(10 * time.Second)
	_ = c1.SetDeadline(deadline)
	_ = c2.SetDeadline(deadline)
	srv := tls.Server(c1, serverCfg)
	cli := tls.Client(c2, clientCfg)
	var r handshakeResult
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.serverErr = srv.Handshake()
		if r.serverErr != nil {
			_ = c1.Close() // unblock the client
		}
	}()
	r.clientErr = cli.Handshake()
	if r.clientErr != nil {
		_ = c2.Close()
	}
	<-done
	if r.serverErr == nil && r.clientErr == nil {
		// Exchange one byte each way so that TLS 1.3 session tickets
		// (sent after the handshake) reach the client.
		exchanged := make(chan struct{})
		go func() {
			defer close(exchanged)
			_, _ = srv.Write([]byte{1})
			_, _ = srv.Read(make([]byte, 1))
		}()
		_, _ = cli.Read(make([]byte, 1))
		_, _ = cli.Write([]byte{2})
		<-exchanged
	}
	r.server = srv.ConnectionState()
	r.client = cli.ConnectionState()
	_ = c1.Close()
	_ = c2.Close()
	return r
}

// mustConfigs builds a server config (with cert) and a client config
// trusting the test CAs, failing the test on error.
func mustConfigs(t testing.TB, srv, cli *Settings, cert tls.Certificate) (*tls.Config, *tls.Config) {
	t.Helper()
	p := pki(t)
	sc, err := srv.ServerConfig()
	if err != nil {
		t.Fatalf("ServerConfig: %v", err)
	}
	sc.Certificates = []tls.Certificate{cert}
	if cli.ServerName == "" {
		cli.ServerName = "localhost"
	}
	if cli.ServerCAs == nil {
		cli.ServerCAs = []*x509.Certificate{p.ecCA, p.ecCA384, p.rsaCA, p.edCA}
	}
	cc, err := cli.ClientConfig()
	if err != nil {
		t.Fatalf("ClientConfig: %v", err)
	}
	t.Cleanup(func() { _ = Close(sc); _ = Close(cc) })
	return sc, cc
}
