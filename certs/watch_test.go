package certs

import (
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// writeFile replaces path with data at once (a rename), so that a
// watcher never reads a half-written file.
func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// writePair writes a fresh self-signed certificate for cn and its key.
func writePair(t *testing.T, certPath, keyPath, cn string) {
	t.Helper()
	c, err := Generate(GenerateOptions{Hosts: []string{"localhost"}, CommonName: cn})
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := c.EncodePEM()
	if err != nil {
		t.Fatal(err)
	}
	if keyPath == "" {
		certPEM = append(certPEM, keyPEM...)
	} else {
		writeFile(t, keyPath, keyPEM)
	}
	writeFile(t, certPath, certPEM)
}

func leafCN(t *testing.T, c *tls.Certificate) string {
	t.Helper()
	if c == nil || c.Leaf == nil {
		t.Fatalf("no leaf in %v", c)
	}
	return c.Leaf.Subject.CommonName
}

// TestWatcher: a renewed pair is picked up, a broken one is reported and
// the last good certificate stays, Close ends the goroutine.
func TestWatcher(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePair(t, certPath, keyPath, "first")
	base := runtime.NumGoroutine()
	reloads := make(chan string, 10)
	errs := make(chan error, 10)
	w, err := Watch(certPath, keyPath, WatchOptions{
		Interval: 5 * time.Millisecond,
		OnReload: func(c *tls.Certificate) { reloads <- c.Leaf.Subject.CommonName },
		OnError:  func(err error) { errs <- err },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	got, _ := w.GetCertificate(&tls.ClientHelloInfo{})
	if cn := leafCN(t, got); cn != "first" {
		t.Fatalf("first load: %q", cn)
	}

	writePair(t, certPath, keyPath, "second")
	select {
	case cn := <-reloads:
		if cn != "second" {
			t.Fatalf("reloaded %q", cn)
		}
	case err := <-errs:
		// The certificate may be read before its new key was written:
		// that pair does not match, and the key's change loads it.
		if cn := <-reloads; cn != "second" {
			t.Fatalf("after %v, reloaded %q", err, cn)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("renewed certificate not picked up")
	}
	if cn := leafCN(t, w.Certificate()); cn != "second" {
		t.Fatalf("Certificate() after reload: %q", cn)
	}
	// A mismatched pair seen between the key's and the certificate's
	// change was reported before the reload: drop it, so that the next
	// error is the broken file's.
	for len(errs) > 0 {
		<-errs
	}

	writeFile(t, certPath, []byte("not a certificate"))
	select {
	case err := <-errs:
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("error %v is not a *certs.Error", err)
		}
	case cn := <-reloads:
		t.Fatalf("garbage reloaded as %q", cn)
	case <-time.After(10 * time.Second):
		t.Fatal("broken file not reported")
	}
	if cn := leafCN(t, w.Certificate()); cn != "second" {
		t.Fatalf("after a broken file the certificate is %q, want the last good one", cn)
	}
	select {
	case err := <-errs:
		t.Fatalf("an unchanged broken file was reported again: %v", err)
	case <-time.After(50 * time.Millisecond):
	}

	// One file holding both, as Load reads it.
	single := filepath.Join(dir, "both.pem")
	writePair(t, single, "", "both")
	w2, err := Watch(single, "", WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cn := leafCN(t, w2.Certificate()); cn != "both" {
		t.Fatalf("single file: %q", cn)
	}
	w2.Close()

	w.Close()
	w.Close() // twice is fine
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after Close, %d before Watch", runtime.NumGoroutine(), base)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWatchErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := Watch(filepath.Join(dir, "missing.pem"), "", WatchOptions{}); !errors.Is(err, ErrCannotOpenStore) {
		t.Errorf("missing file: %v, want ErrCannotOpenStore", err)
	}
	certPath := filepath.Join(dir, "cert.pem")
	writePair(t, certPath, filepath.Join(dir, "key.pem"), "x")
	if _, err := Watch(certPath, "", WatchOptions{}); err == nil {
		t.Error("a certificate without its key was accepted")
	}
	if _, err := Watch(certPath, filepath.Join(dir, "key.pem"), WatchOptions{Interval: -time.Second}); err == nil {
		t.Error("a negative interval was accepted")
	}
}
