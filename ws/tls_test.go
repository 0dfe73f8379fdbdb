package ws

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/tlsconf"
)

// testCert is a self-signed server certificate for 127.0.0.1.
func testCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestWSSEcho(t *testing.T) {
	t.Parallel()
	cert := testCert(t)
	s := startServer(t, Options{
		Server: server.Options{TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}},
		Conn:   ConnOptions{},
		Events: echoEvents(),
	})
	if s.URL()[:6] != "wss://" {
		t.Fatalf("URL %q", s.URL())
	}
	c := dialT(t, s.URL(), &DialOptions{TLS: tlsconf.Options{CA: [][]byte{cert.Certificate[0]}}})
	st, ok := c.ConnectionState()
	if !ok || !st.HandshakeComplete {
		t.Fatal("no TLS state on a wss:// client")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WriteMessage(ctx, DataText, []byte("secure")); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.ReadMessage(ctx); err != nil || string(got) != "secure" {
		t.Fatalf("echo %q %v", got, err)
	}
	srvConn, _ := s.Conn(1)
	if _, ok := srvConn.ConnectionState(); !ok {
		t.Fatal("no TLS state on the server connection")
	}
}

func TestWSSUntrustedFails(t *testing.T) {
	t.Parallel()
	cert := testCert(t)
	s := startServer(t, Options{Server: server.Options{TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if c, err := Dial(ctx, s.URL(), nil); err == nil {
		_ = c.Disconnect()
		<-c.Done()
		t.Fatal("untrusted certificate accepted")
	}
}

// A wss connection whose TLS handshake fails never becomes a WebSocket:
// its error goes to Options.Server.Events.OnError (it was dropped), with
// crypto/tls's reason, and Events.OnError gets nothing.
func TestWSSHandshakeFailureReported(t *testing.T) {
	t.Parallel()
	cert := testCert(t)
	pool := x509.NewCertPool()
	pool.AddCert(mustParse(t, cert.Certificate[0]))
	tcpErrs := make(chan error, 4)
	wsErrs := make(chan error, 4)
	s := startServer(t, Options{
		Server: server.Options{
			TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool},
			Events:    server.Events{OnError: func(c *server.Conn, err error) { tcpErrs <- err }},
		},
		Events: Events{OnError: func(c *Conn, err error) { wsErrs <- err }},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if c, err := Dial(ctx, s.URL(), &DialOptions{TLS: tlsconf.Options{CA: [][]byte{cert.Certificate[0]}}}); err == nil {
		c.Disconnect()
		t.Fatal("a client without a certificate was accepted")
	}
	select {
	case err := <-tcpErrs:
		if server.Code(err) != 281 || !errors.Is(err, server.ErrClientCertNotPresent) || !errors.Is(err, server.ErrHandshake) ||
			!strings.Contains(err.Error(), "certificate") {
			t.Fatalf("server OnError: %v, want 281 naming the missing certificate", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the failed handshake was not reported to Options.Server.Events.OnError")
	}
	select {
	case err := <-wsErrs:
		t.Fatalf("Events.OnError got %v for a connection that never was a WebSocket", err)
	default:
	}
}

func mustParse(t *testing.T, der []byte) *x509.Certificate {
	t.Helper()
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A wss:// client presents its DER certificate (DialOptions.TLS) and dials
// with DialOptions.Dialer.
func TestWSSClientCertificateAndDialer(t *testing.T) {
	t.Parallel()
	cert := testCert(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(8), Subject: pkix.Name{CommonName: "ws client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	clientDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(mustParse(t, clientDER))
	s := startServer(t, Options{
		Server: server.Options{TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}},
		Events: echoEvents(),
	})
	var dialed atomic.Bool
	c := dialT(t, s.URL(), &DialOptions{
		Dialer: &net.Dialer{Control: func(string, string, syscall.RawConn) error { dialed.Store(true); return nil }},
		TLS:    tlsconf.Options{CA: [][]byte{cert.Certificate[0]}, ClientCertificate: [][]byte{clientDER}, ClientKey: keyDER},
	})
	if !dialed.Load() {
		t.Fatal("DialOptions.Dialer was not used")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WriteMessage(ctx, DataText, []byte("mtls")); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.ReadMessage(ctx); err != nil || string(got) != "mtls" {
		t.Fatalf("echo %q %v", got, err)
	}
	srvConn, _ := s.Conn(1)
	st, ok := srvConn.ConnectionState()
	if !ok || len(st.PeerCertificates) != 1 || st.PeerCertificates[0].Subject.CommonName != "ws client" {
		t.Fatalf("the server saw client certificates %v", st.PeerCertificates)
	}
}
