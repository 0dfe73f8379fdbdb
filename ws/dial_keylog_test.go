package ws

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tlskit/tlskit/tlsconf"
)

// A failed Dial releases only what it opened itself: a key log the caller
// gave (as TLS.Config's or TLS.Settings' KeyLogWriter), shared with its
// other connections, stays open whether the TCP connection or the opening
// handshake failed.
func TestDialFailureKeepsCallersKeyLog(t *testing.T) {
	t.Parallel()
	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "wss://" + ln.Addr().String() + "/"
	ln.Close()
	// A TLS server that refuses the upgrade.
	hs := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no", http.StatusNotFound)
	}))
	t.Cleanup(hs.Close)
	refusedURL := "wss" + strings.TrimPrefix(hs.URL, "https") + "/"
	roots := hs.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	srvCert := hs.Certificate()

	for _, where := range []string{"connect", "handshake"} {
		for _, how := range []string{"Config", "Settings"} {
			t.Run(where+"/"+how, func(t *testing.T) {
				kl, err := tlsconf.OpenKeyLog(filepath.Join(t.TempDir(), "keys"))
				if err != nil {
					t.Fatal(err)
				}
				defer kl.Close()
				opts := &DialOptions{}
				if how == "Config" {
					opts.TLS.Config = &tls.Config{RootCAs: roots, KeyLogWriter: kl}
				} else {
					opts.TLS.Settings.KeyLogWriter = kl
					opts.TLS.Settings.ServerCAs = []*x509.Certificate{srvCert}
				}
				url := closedURL
				if where == "handshake" {
					url = refusedURL
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if c, err := Dial(ctx, url, opts); err == nil {
					c.Disconnect()
					t.Fatal("Dial succeeded")
				}
				if _, err := kl.Write([]byte("# still open\n")); err != nil {
					t.Fatalf("the caller's key log was closed by the failed Dial: %v", err)
				}
			})
		}
	}
}
