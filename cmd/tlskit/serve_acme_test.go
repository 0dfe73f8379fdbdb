package main

import (
	"encoding/pem"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tlskit/tlskit/certs/acme"
	"github.com/tlskit/tlskit/internal/testpeer"
)

var acmeTestNames = []string{"a.tlskit.test", "b.tlskit.test"}

// acmeServe is a tlskit serve --acme against a Pebble of its own.
type acmeServe struct {
	pebble *testpeer.Pebble
	port   int
	cache  string
	args   []string // serve's arguments
}

// newACMEServe starts Pebble for a serve --proto proto --acme: its TLS
// validations go to serve's port unless o names another.
func newACMEServe(t *testing.T, proto string, o testpeer.PebbleOptions) *acmeServe {
	t.Helper()
	a := &acmeServe{port: testpeer.FreePort(t), cache: filepath.Join(t.TempDir(), "acme")}
	if o.TLSPort == 0 {
		o.TLSPort = a.port
	}
	o.Names = acmeTestNames
	a.pebble = testpeer.StartPebble(t, o)
	a.args = []string{"serve", "--proto", proto, "--listen", "127.0.0.1:" + strconv.Itoa(a.port),
		"--acme", strings.Join(acmeTestNames, ","), "--acme-dir", a.pebble.Directory, "--acme-ca-root", a.pebble.CAFile,
		"--acme-email", "ops@tlskit.test", "--acme-cache", a.cache}
	return a
}

// root writes the root of Pebble's certificates to a file, for connect's
// --ca.
func (a *acmeServe) root(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "root.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.pebble.Root(t).Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// start runs serve and returns it with the URL and fingerprint it printed.
func (a *acmeServe) start(t *testing.T) (p *testpeer.Proc, url, fingerprint string) {
	t.Helper()
	p = tlskit(t, a.args...)
	lines := p.StdoutLines(t, 2)
	p.WaitStderr(t, "msg=listening")
	return p, lines[0], strings.TrimPrefix(lines[1], "FingerprintSHA256: ")
}

func stop(t *testing.T, p *testpeer.Proc) {
	t.Helper()
	p.Signal(t, syscall.SIGINT)
	if code := p.Wait(t); code != 0 {
		t.Errorf("serve exited with %d after SIGINT\n%s", code, p.Output())
	}
}

// presented connects as name to url, verifying against root (none when
// root is ""), and returns the fingerprint of the certificate the server
// presented.
func presented(t *testing.T, url, name, root string) string {
	t.Helper()
	args := []string{url, "--sni", name, "--ca", root}
	if root == "" {
		args = []string{url, "--sni", name, "--insecure"}
	}
	out, stderr, code := connect(t, "ping\n", args...)
	if code != 0 || !strings.HasPrefix(out, "ping") {
		t.Fatalf("connect as %s: exit %d, %q\n%s", name, code, out, stderr)
	}
	if v := field(stderr, "Verified"); v != "yes" && root != "" {
		t.Fatalf("connect as %s: Verified %q, want yes\n%s", name, v, stderr)
	}
	return field(stderr, "FingerprintSHA256")
}

// waitCount waits until s occurs n times in p's stderr.
func waitCount(t *testing.T, p *testpeer.Proc, s string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(p.Stderr(), s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%q not %d times in serve's log:\n%s", s, n, p.Stderr())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServeACME: tlskit serve --acme, over tls and wss, gets a
// certificate for both names from Pebble with TLS-ALPN-01 on its own
// port, which connect verifies against Pebble's root for either name;
// the certificate of a 9 s lifetime is renewed while serving and new
// connections get the renewed one; with Pebble stopped the renewed one
// keeps serving and the attempts are logged with a growing retry.
func TestServeACME(t *testing.T) {
	t.Parallel()
	for _, proto := range []string{"tls", "wss"} {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			a := newACMEServe(t, proto, testpeer.PebbleOptions{Validity: 9 * time.Second})
			a.args = append(a.args, "--acme-retry", "200ms")
			p, url, first := a.start(t)
			defer stop(t, p)
			root := a.root(t)
			for _, name := range acmeTestNames {
				if got := presented(t, url, name, root); got != first {
					t.Fatalf("as %s the server presented %s, serve printed %s", name, got, first)
				}
			}
			waitCount(t, p, `msg="certificate obtained"`, 2)
			renewed := presented(t, url, acmeTestNames[0], root)
			if renewed == first {
				t.Fatalf("after the renewal new connections still get %s\n%s", first, p.Stderr())
			}
			// Logged just after new handshakes get it.
			waitCount(t, p, "FingerprintSHA256="+renewed, 1)

			a.pebble.Stop(t)
			waitCount(t, p, `msg="certificate not obtained; the one in use, if any, stays"`, 3)
			last := lastObtained(p.Stderr())
			// Not verified: it may have expired meanwhile, and still serves.
			if got := presented(t, url, acmeTestNames[1], ""); got != last {
				t.Fatalf("with the CA down the server presented %s, want the last obtained, %s", got, last)
			}
			for _, r := range []string{"retry=200ms", "retry=400ms", "retry=800ms"} {
				if !strings.Contains(p.Stderr(), r) {
					t.Fatalf("no %s: retries not logged with a doubling wait:\n%s", r, p.Stderr())
				}
			}
		})
	}
}

// lastObtained is the fingerprint of the last certificate obtained in
// serve's log.
func lastObtained(log string) string {
	i := strings.LastIndex(log, `msg="certificate obtained"`)
	if i < 0 {
		return ""
	}
	_, after, _ := strings.Cut(log[i:], "FingerprintSHA256=")
	f, _, _ := strings.Cut(after, "\n")
	return strings.TrimSpace(f)
}

// TestServeACMERestart: a restarted tlskit serve --acme serves the
// certificate it cached, with Pebble stopped: no new order.
func TestServeACMERestart(t *testing.T) {
	t.Parallel()
	a := newACMEServe(t, "tls", testpeer.PebbleOptions{})
	p, url, first := a.start(t)
	root := a.root(t)
	if got := presented(t, url, acmeTestNames[0], root); got != first {
		t.Fatalf("the server presented %s, serve printed %s", got, first)
	}
	stop(t, p)
	a.pebble.Stop(t)

	p, url, again := a.start(t)
	defer stop(t, p)
	if again != first {
		t.Fatalf("after a restart serve printed %s, want the cached %s", again, first)
	}
	if !strings.Contains(p.Stderr(), `msg="certificate from the cache"`) {
		t.Fatalf("the restart did not log the cached certificate:\n%s", p.Stderr())
	}
	if got := presented(t, url, acmeTestNames[1], root); got != first {
		t.Fatalf("after a restart the server presented %s, want %s", got, first)
	}
	if strings.Contains(p.Stderr(), "certificate not obtained") {
		t.Fatalf("the restart ordered a certificate:\n%s", p.Stderr())
	}
}

// TestServeACMEDirectories: Let's Encrypt's production directory by
// default, its staging one with --acme-staging, and the cache in the
// user's cache directory unless --acme-cache names one.
func TestServeACMEDirectories(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	for _, tc := range []struct {
		name    string
		flags   acmeFlags
		wantDir string
	}{
		{name: "default", flags: acmeFlags{dir: acme.LetsEncrypt}, wantDir: acme.LetsEncrypt},
		{name: "staging", flags: acmeFlags{dir: acme.LetsEncrypt, staging: true}, wantDir: acme.LetsEncryptStaging},
		{name: "other", flags: acmeFlags{dir: "https://ca.tlskit.test/dir"}, wantDir: "https://ca.tlskit.test/dir"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.flags.names = []string{"a.tlskit.test"}
			o, err := tc.flags.options(slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			if o.Directory != tc.wantDir {
				t.Errorf("directory %q, want %q", o.Directory, tc.wantDir)
			}
			if want := filepath.Join(os.Getenv("XDG_CACHE_HOME"), "tlskit", "acme"); o.CacheDir != want {
				t.Errorf("cache %q, want %q", o.CacheDir, want)
			}
		})
	}
}

// TestServeACMEHTTP01: with --acme-http, serve answers Pebble's HTTP-01
// validations there (Pebble's TLS-ALPN-01 port has no one listening) and
// serves the certificate obtained.
func TestServeACMEHTTP01(t *testing.T) {
	t.Parallel()
	httpPort := testpeer.FreePort(t)
	a := newACMEServe(t, "wss", testpeer.PebbleOptions{TLSPort: testpeer.FreePort(t), HTTPPort: httpPort})
	a.args = append(a.args, "--acme-http", "127.0.0.1:"+strconv.Itoa(httpPort))
	p, url, fingerprint := a.start(t)
	defer stop(t, p)
	if got := presented(t, url, acmeTestNames[1], a.root(t)); got != fingerprint {
		t.Fatalf("the server presented %s, serve printed %s", got, fingerprint)
	}
}
