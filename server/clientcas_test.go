package server

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// systemRootsEnv marks the child process TestClientCAsNeverSystemRoots
// starts: its system pool (read once per process) is the test CA.
const systemRootsEnv = "SERVER_TEST_SYSTEM_ROOTS"

// A client certificate is verified against exactly the configured CAs:
// with ClientCAs nil, a certificate from a CA in the system pool (as a
// public CA would be) is refused, on both engines, with and without the
// OnSSLClientAuthentication hook (crypto/tls alone would accept it).
func TestClientCAsNeverSystemRoots(t *testing.T) {
	if os.Getenv(systemRootsEnv) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestClientCAsNeverSystemRoots$", "-test.v")
		cmd.Env = append(os.Environ(), systemRootsEnv+"=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		return
	}
	p := getPKI(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "roots.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.ca.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Setenv("SSL_CERT_FILE", file) // before anything reads the system pool
	os.Setenv("SSL_CERT_DIR", filepath.Join(dir, "none"))
	client := p.leaf(t, "client of a public CA", true, "ecdsa")
	sys, err := x509.SystemCertPool()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Leaf.Verify(x509.VerifyOptions{Roots: sys, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Fatalf("the test CA is not in the system pool: %v", err)
	}
	forEachEngine(t, func(t *testing.T, engine string) {
		for _, tc := range []struct {
			name string
			o    Options
		}{
			{"RequireAndVerifyClientCert", Options{TLSConfig: &tls.Config{Certificates: []tls.Certificate{p.server}, ClientAuth: tls.RequireAndVerifyClientCert}}},
			{"SSLAuthenticateClients", Options{TLSConfig: &tls.Config{Certificates: []tls.Certificate{p.server}}, SSLAuthenticateClients: true}},
			{"OnSSLClientAuthentication", Options{TLSConfig: &tls.Config{Certificates: []tls.Certificate{p.server}}, SSLAuthenticateClients: true,
				Events: Events{OnSSLClientAuthentication: func(c *Conn, a *SSLClientAuthentication) {}}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				connected := make(chan struct{}, 1)
				tc.o.Events.OnConnected = func(c *Conn) { connected <- struct{}{} }
				tc.o.Events.OnDataIn = func(c *Conn, text []byte, eol bool) { c.Send(text) }
				s := start(t, engine, tc.o)
				cfg := p.clientConfig()
				cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &client, nil }
				c, err := tls.Dial("tcp", s.Addr().String(), cfg)
				if err == nil {
					defer c.Close()
					_ = c.SetDeadline(time.Now().Add(5 * time.Second))
					c.Write([]byte("x"))
					_, err = io.ReadFull(c, make([]byte, 1)) // TLS 1.3: the refusal comes after the handshake
				}
				if err == nil {
					t.Fatal("a client certificate from a system root was accepted with no ClientCAs")
				}
				select {
				case <-connected:
					t.Fatal("OnConnected fired for the refused client")
				default:
				}
			})
		}
	})
}
