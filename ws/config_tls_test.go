package ws

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/tlsconf"
)

// TestServerConfigTLSNames: a standalone Server's Config takes every TLS
// setting a server has use for (and new handshakes get it), and refuses
// the others with ErrUnsupported naming them; a Handler refuses them all,
// saying where to set them.
func TestServerConfigTLSNames(t *testing.T) {
	t.Parallel()
	cert := testCert(t)
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}))
	values := map[string]string{
		"SSLEnabledProtocols": "3072", "SSLAllowInsecureCipherSuites": "True",
		"SSLEnabledCipherSuites": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "SSLCipherStrength": "128",
		"TLS12SupportedGroups": "ecdhe_secp256r1", "TLS13SupportedGroups": "ecdhe_x25519",
		"TLS12SignatureAlgorithms": "ecdsa_secp256r1_sha256", "TLS13SignatureAlgorithms": "ecdsa_secp256r1_sha256",
		"SSLKeyLogFile": filepath.Join(t.TempDir(), "keys.log"), "SSLClientCACerts": caPEM,
	}
	s := startServer(t, Options{Server: server.Options{TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}, Events: echoEvents()})
	h, err := NewHandler(HandlerOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(mustParse(t, cert.Certificate[0]))
	version := func() uint16 {
		t.Helper()
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", s.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.ConnectionState().Version
	}
	if v := version(); v != tls.VersionTLS13 {
		t.Fatalf("before: %s", tls.VersionName(v))
	}
	names := append(tlsconf.SettingNames(), "OpenSSLCipherList", "SSLCACerts", "SSLIncludeCertChain", "SSLSecurityFlags")
	taken := 0
	for _, name := range names {
		v, ok := values[name]
		if !ok {
			v = "1"
		}
		_, err := s.Config(name + "=" + v)
		switch {
		case ok && err != nil:
			t.Errorf("Server.Config(%s=%.30s): %v", name, v, err)
		case ok:
			taken++
			if got, err := s.Config(name); err != nil || got != v {
				t.Errorf("Server.Config(%s) = %.40q, %v; want %.40q", name, got, err, v)
			}
		case !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), name):
			t.Errorf("Server.Config(%s=1) = %v, want ErrUnsupported naming it", name, err)
		}
		_, err = h.Config(name + "=" + v)
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), name) {
			t.Errorf("Handler.Config(%s) = %v, want ErrUnsupported naming it", name, err)
		}
		if ok && !strings.Contains(err.Error(), "http.Server") {
			t.Errorf("Handler.Config(%s) = %v: does not say where to set it", name, err)
		}
	}
	if taken != len(values) {
		t.Errorf("%d of the %d server settings are tlsconf names", taken, len(values))
	}
	if v := version(); v != tls.VersionTLS12 {
		t.Fatalf("after SSLEnabledProtocols=3072: %s", tls.VersionName(v))
	}
}
