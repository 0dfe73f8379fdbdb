package acme

import (
	"context"
	"crypto/tls"
	"path/filepath"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
	"github.com/tlskit/tlskit/server"
)

// TestServerHookStaysInCharge: on a server.Server of either engine, an
// OnSSLConnectionRequest that picks a certificate for some hellos keeps
// doing so with the Manager's configuration, while the CA's validation
// handshakes reach the Manager and the other hellos get its certificate.
func TestServerHookStaysInCharge(t *testing.T) {
	for _, engine := range []server.Engine{"epoll", "portable"} {
		t.Run(string(engine), func(t *testing.T) {
			const hookName = "hook.tlskit.test"
			port := testpeer.FreePort(t)
			pb := testpeer.StartPebble(t, testpeer.PebbleOptions{TLSPort: port, Names: []string{testName}})
			opts := Options{Names: []string{testName}, Directory: pb.Directory, RootCAs: pb.CAs, CacheDir: filepath.Join(t.TempDir(), "cache")}
			ev := newEvents(t, &opts)
			m, err := New(opts)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			hookCert := selfSigned(t, hookName)
			s, err := server.New(server.Options{
				LocalHost: "127.0.0.1", LocalPort: port, Engine: engine,
				TLSConfig: m.TLSConfig(&tls.Config{MinVersion: tls.VersionTLS12}),
				Events: server.Events{
					OnSSLConnectionRequest: func(_ *server.Conn, r *server.SSLConnectionRequest) {
						if r.ServerName == hookName {
							r.Certificate = hookCert
						}
					},
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.StartListening(); err != nil {
				t.Fatal(err)
			}
			defer s.Shutdown(context.Background())
			m.Start()
			c := ev.cert(t, 20*time.Second)
			if got := served(t, port, testName, pb.Root(t)); !got.Equal(c.Leaf) {
				t.Fatalf("as %s the server presented %v, want the certificate obtained", testName, got.Subject)
			}
			conn, err := tls.Dial("tcp", s.Addr().String(), &tls.Config{ServerName: hookName, InsecureSkipVerify: true})
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if got := conn.ConnectionState().PeerCertificates[0]; !got.Equal(hookCert.Leaf) {
				t.Fatalf("as %s the server presented %v, want the hook's certificate", hookName, got.DNSNames)
			}
		})
	}
}
