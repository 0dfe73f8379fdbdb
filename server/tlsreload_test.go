package server

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tlskit/tlskit/certs"
)

// TestSetCertificate: a certificate replaced while the server runs is what
// new handshakes get; a connection opened before keeps working with the
// old one; Reset keeps the new one; bad replacements are refused.
func TestSetCertificate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		p := getPKI(t)
		first := p.leaf(t, "first", false, "ecdsa", "localhost")
		second := p.leaf(t, "second", false, "rsa", "localhost")
		s := start(t, engine, Options{TLSConfig: &tls.Config{Certificates: []tls.Certificate{first}}, Events: echoEvents()})
		peer := func(c *tls.Conn) string {
			t.Helper()
			if err := c.Handshake(); err != nil {
				t.Fatal(err)
			}
			return c.ConnectionState().PeerCertificates[0].Subject.CommonName
		}
		echo := func(c *tls.Conn, msg string) {
			t.Helper()
			if _, err := c.Write([]byte(msg)); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, len(msg))
			if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, []byte(msg)) {
				t.Fatalf("echo %q: %q, %v", msg, got, err)
			}
		}
		old := dialTLS(t, s, p.clientConfig())
		if cn := peer(old); cn != "first" {
			t.Fatalf("before: server presented %q", cn)
		}
		if err := s.SetCertificate(second); err != nil {
			t.Fatal(err)
		}
		if got := s.TLSConfig().Certificates[0].Leaf.Subject.CommonName; got != "second" {
			t.Fatalf("TLSConfig holds %q", got)
		}
		renewed := dialTLS(t, s, p.clientConfig())
		if cn := peer(renewed); cn != "second" {
			t.Fatalf("after: server presented %q", cn)
		}
		echo(old, "old connection still served")
		echo(renewed, "new connection served")
		if old.ConnectionState().PeerCertificates[0].Subject.CommonName != "first" {
			t.Fatal("the open connection's certificate changed")
		}

		for name, err := range map[string]error{
			"nil config":       s.SetTLSConfig(nil),
			"no certificate":   s.SetTLSConfig(&tls.Config{}),
			"none given":       s.SetCertificate(),
			"no key":           s.SetCertificate(tls.Certificate{Certificate: first.Certificate}),
			"plain server":     start(t, engine, Options{}).SetCertificate(second),
			"plain server cfg": start(t, engine, Options{}).SetTLSConfig(&tls.Config{Certificates: []tls.Certificate{second}}),
		} {
			if !errors.Is(err, ErrInvalidValue) {
				t.Errorf("%s: %v, want ErrInvalidValue", name, err)
			}
		}

		if err := s.Reset(); err != nil {
			t.Fatal(err)
		}
		if err := s.StartListening(); err != nil {
			t.Fatal(err)
		}
		if cn := peer(dialTLS(t, s, p.clientConfig())); cn != "second" {
			t.Fatalf("after Reset: server presented %q", cn)
		}
		s.Close()
		if err := s.SetCertificate(first); !errors.Is(err, ErrServerClosed) {
			t.Fatalf("after Close: %v, want ErrServerClosed", err)
		}
	})
}

// TestWatchedCertificate: a server whose GetCertificate is a certs.Watcher
// follows its certificate file as it is renewed.
func TestWatchedCertificate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		dir := t.TempDir()
		path := filepath.Join(dir, "server.pem")
		write := func(cn string) {
			c, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"localhost"}, CommonName: cn})
			if err != nil {
				t.Fatal(err)
			}
			certPEM, keyPEM, err := c.EncodePEM()
			if err != nil {
				t.Fatal(err)
			}
			tmp := path + ".tmp" // renamed into place, as renewal tools do
			if err := os.WriteFile(tmp, append(certPEM, keyPEM...), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, path); err != nil {
				t.Fatal(err)
			}
		}
		write("before renewal")
		reloaded := make(chan struct{}, 1)
		w, err := certs.Watch(path, "", certs.WatchOptions{Interval: 5 * time.Millisecond,
			OnReload: func(*tls.Certificate) { reloaded <- struct{}{} }})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		s := start(t, engine, Options{TLSConfig: &tls.Config{GetCertificate: w.GetCertificate}, Events: echoEvents()})
		presented := func() string {
			c := dialTLS(t, s, &tls.Config{InsecureSkipVerify: true})
			if err := c.Handshake(); err != nil {
				t.Fatal(err)
			}
			return c.ConnectionState().PeerCertificates[0].Subject.CommonName
		}
		if cn := presented(); cn != "before renewal" {
			t.Fatalf("server presented %q", cn)
		}
		write("after renewal")
		select {
		case <-reloaded:
		case <-time.After(10 * time.Second):
			t.Fatal("the renewed file was not loaded")
		}
		if cn := presented(); cn != "after renewal" {
			t.Fatalf("after renewal the server presented %q", cn)
		}
	})
}
