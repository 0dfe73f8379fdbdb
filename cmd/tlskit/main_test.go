package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tlskit/tlskit/certs"
	"github.com/tlskit/tlskit/internal/testpeer"
)

// runMainEnv makes the test binary run main instead of the tests, so that
// the tests run the real command as a child process (signals included).
const runMainEnv = "TLSKIT_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if port := os.Getenv(cdpEnv); port != "" {
		if err := cdpSelftest(port, 60*time.Second); err != nil {
			fmt.Fprintln(os.Stderr, "cdp:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	code := m.Run()
	if code == 0 && testEngine == "" && runtime.GOOS == "linux" {
		var only []string // the TestServe tests, unless -test.run was given
		if !slices.ContainsFunc(os.Args, func(a string) bool { return strings.HasPrefix(a, "-test.run") }) {
			only = []string{"-test.run=^TestServe"}
		}
		code = testpeer.Rerun(serveEngineEnv, "portable", only...)
	}
	os.Exit(code)
}

// serveEngineEnv names the environment variable that chooses the engine
// of the servers the tests start (serve adds --engine). TestMain runs the
// tests with the default engine (epoll on Linux), then runs the TestServe
// ones again with the portable engine, so that each server test runs on
// both engines.
const serveEngineEnv = "TLSKIT_SERVE_TEST_ENGINE"

var testEngine = os.Getenv(serveEngineEnv)

// tlskit starts the command with args as a child process.
func tlskit(t *testing.T, args ...string) *testpeer.Proc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if len(args) > 0 && args[0] == "serve" && testEngine != "" && !slices.Contains(args, "--engine") {
		args = append(args, "--engine", testEngine) // see TestMain
	}
	p := testpeer.Start(t, []string{runMainEnv + "=1"}, exe, args...)
	p.Name = "tlskit " + strings.Join(args, " ")
	return p
}

// served is a running tlskit serve.
type served struct {
	*testpeer.Proc
	url         string
	fingerprint string // "" for plain servers
}

// serve starts tlskit serve on a port of 127.0.0.1 that the system picks and
// reads the URL (and fingerprint) it prints. It is stopped with SIGINT, and
// must exit 0, when the test ends.
func serve(t *testing.T, args ...string) *served {
	t.Helper()
	p := tlskit(t, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	s := &served{Proc: p, url: p.StdoutLines(t, 1)[0]}
	if strings.HasPrefix(s.url, "tls://") || strings.HasPrefix(s.url, "wss://") {
		s.fingerprint = strings.TrimPrefix(p.StdoutLines(t, 2)[1], "FingerprintSHA256: ")
	}
	p.WaitStderr(t, "msg=listening")
	t.Cleanup(func() {
		p.Signal(t, syscall.SIGINT)
		if code := p.Wait(t); code != 0 {
			t.Errorf("serve exited with %d after SIGINT\n%s", code, p.Output())
		}
	})
	return s
}

// checkTLSDetails checks what connect printed about TLS: nothing for a
// plain connection (verified ""), otherwise the Verified line, this
// server's fingerprint and, when tls12ALPN is set, TLS 1.2 with that ALPN
// protocol.
func (s *served) checkTLSDetails(t *testing.T, stderr, verified, tls12ALPN string) {
	t.Helper()
	if verified == "" {
		if strings.Contains(stderr, "Version:") {
			t.Errorf("a plain connection printed TLS details:\n%s", stderr)
		}
		return
	}
	if got := field(stderr, "Verified"); got != verified {
		t.Errorf("Verified: %q, want %q", got, verified)
	}
	if got := field(stderr, "FingerprintSHA256"); got != s.fingerprint || got == "" {
		t.Errorf("connect saw certificate %q, serve printed %q", got, s.fingerprint)
	}
	if tls12ALPN == "" {
		return
	}
	if v, a := field(stderr, "Version"), field(stderr, "ALPN"); v != "TLS1.2" || a != tls12ALPN {
		t.Errorf("Version %q ALPN %q, want TLS1.2 and %s\n%s", v, a, tls12ALPN, stderr)
	}
}

// connect runs tlskit connect with input on stdin until it ends. The input
// is in the pipe before the command starts: a connect that fails at once
// exits before a later write could reach it (a broken pipe).
func connect(t *testing.T, input string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	args = append([]string{"connect"}, args...)
	p := testpeer.StartInput(t, []string{runMainEnv + "=1"}, input, exe, args...)
	p.Name = "tlskit " + strings.Join(args, " ")
	code = p.Wait(t)
	return p.Stdout(), p.Stderr(), code
}

// field returns the value of the "Name: value" line of out, "" if none.
func field(out, name string) string {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+": "); ok {
			return v
		}
	}
	return ""
}

// testCerts is a CA with a server and a client certificate, as PEM files.
type testCerts struct {
	ca, caKey           string
	server, serverKey   string
	client, clientKey   string
	serverCert          *certs.Certificate
	other, otherKey     string // a self-signed localhost certificate nobody trusts
	otherFingerprint256 string
}

func newTestCerts(t *testing.T) *testCerts {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, o certs.GenerateOptions) (certPath, keyPath string, c *certs.Certificate) {
		c, err := certs.Generate(o)
		if err != nil {
			t.Fatal(err)
		}
		certPEM, keyPEM, err := c.EncodePEM()
		if err != nil {
			t.Fatal(err)
		}
		certPath, keyPath = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
		if err := os.WriteFile(certPath, certPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		return certPath, keyPath, c
	}
	var tc testCerts
	var ca, other *certs.Certificate
	tc.ca, tc.caKey, ca = write("ca", certs.GenerateOptions{IsCA: true, CommonName: "tlskit test CA"})
	tc.server, tc.serverKey, tc.serverCert = write("server", certs.GenerateOptions{Hosts: []string{"localhost", "127.0.0.1"}, Issuer: ca})
	tc.client, tc.clientKey, _ = write("client", certs.GenerateOptions{CommonName: "test client", Issuer: ca})
	tc.other, tc.otherKey, other = write("other", certs.GenerateOptions{Hosts: []string{"localhost", "127.0.0.1"}})
	tc.otherFingerprint256 = other.FingerprintSHA256
	return &tc
}
