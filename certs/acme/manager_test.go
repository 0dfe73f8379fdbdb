package acme

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
)

const testName = "a.tlskit.test"

// listen reserves a port of 127.0.0.1 for the server under test, which
// Pebble validates on.
func listen(t *testing.T) (net.Listener, int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, ln.Addr().(*net.TCPAddr).Port
}

// serveTLS accepts TLS connections with cfg on ln until the test ends,
// completing each handshake.
func serveTLS(ln net.Listener, cfg *tls.Config) {
	ln = tls.NewListener(ln, cfg)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				if c.(*tls.Conn).Handshake() == nil {
					_, _ = io.Copy(io.Discard, c)
				}
			}()
		}
	}()
}

// served returns the leaf the server on port sends for name, verified
// against root at the leaf's own start (so that an expired one verifies).
func served(t *testing.T, port int, name string, root *x509.Certificate) *x509.Certificate {
	t.Helper()
	c, err := tls.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), &tls.Config{ServerName: name, InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	chain := c.ConnectionState().PeerCertificates
	pool, inter := x509.NewCertPool(), x509.NewCertPool()
	pool.AddCert(root)
	for _, ic := range chain[1:] {
		inter.AddCert(ic)
	}
	if _, err := chain[0].Verify(x509.VerifyOptions{DNSName: name, Roots: pool, Intermediates: inter, CurrentTime: chain[0].NotBefore.Add(time.Second)}); err != nil {
		t.Fatalf("the served certificate does not verify against Pebble's root: %v", err)
	}
	return chain[0]
}

type events struct {
	certs chan *tls.Certificate
	errs  chan time.Duration
}

func newEvents(t *testing.T, o *Options) *events {
	e := &events{certs: make(chan *tls.Certificate, 16), errs: make(chan time.Duration, 64)}
	o.OnCertificate = func(c *tls.Certificate) { e.certs <- c }
	o.OnError = func(err error, retry time.Duration) {
		t.Logf("retry in %v: %v", retry, err)
		select {
		case e.errs <- retry:
		default:
		}
	}
	return e
}

func (e *events) cert(t *testing.T, within time.Duration) *tls.Certificate {
	t.Helper()
	select {
	case c := <-e.certs:
		return c
	case <-time.After(within):
		t.Fatalf("no certificate obtained within %v", within)
		return nil
	}
}

// TestObtainRenewAndRetry runs a Manager against Pebble: a certificate
// obtained with TLS-ALPN-01 on loopback, which verifies against Pebble's
// root; a renewal, due at a third of a 9 s lifetime, that new handshakes
// get; Pebble stopped before the next renewal, which keeps that
// certificate serving while the attempts are retried after 100, 200,
// 400, 400 ms; and Pebble back (a new CA), whose certificate then serves.
func TestObtainRenewAndRetry(t *testing.T) {
	opts := Options{Names: []string{testName}, Email: "ops@tlskit.test", CacheDir: filepath.Join(t.TempDir(), "cache"),
		RetryMin: 100 * time.Millisecond, RetryMax: 400 * time.Millisecond}
	ev := newEvents(t, &opts)
	ln, port := listen(t)
	pb := testpeer.StartPebble(t, testpeer.PebbleOptions{TLSPort: port, Names: []string{testName}, Validity: 9 * time.Second})
	opts.Directory, opts.RootCAs = pb.Directory, pb.CAs
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	serveTLS(ln, m.TLSConfig(nil))
	if m.Certificate() != nil {
		t.Fatal("a certificate before the first order")
	}
	if _, err := m.GetCertificate(&tls.ClientHelloInfo{ServerName: testName}); err == nil {
		t.Fatal("GetCertificate without a certificate: no error")
	}
	m.Start()
	root := pb.Root(t)
	first := ev.cert(t, 20*time.Second)
	if got := served(t, port, testName, root); !got.Equal(first.Leaf) {
		t.Fatalf("served %v, want the certificate obtained, %v", got.SerialNumber, first.Leaf.SerialNumber)
	}
	second := ev.cert(t, 20*time.Second)
	if second.Leaf.Equal(first.Leaf) {
		t.Fatal("the renewal gave the same certificate")
	}
	if at := second.Leaf.NotBefore.Sub(first.Leaf.NotBefore); at < 3*time.Second {
		t.Errorf("renewed %v after the first was issued, before a third of its life was left", at)
	}
	if got := served(t, port, testName, root); !got.Equal(second.Leaf) {
		t.Fatalf("new handshakes get %v, want the renewed %v", got.SerialNumber, second.Leaf.SerialNumber)
	}

	pb.Stop(t)
	var retries []time.Duration
	for len(retries) < 4 {
		select {
		case r := <-ev.errs:
			retries = append(retries, r)
		case <-time.After(20 * time.Second):
			t.Fatalf("no retry after Pebble stopped (retries %v)", retries)
		}
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 400 * time.Millisecond}
	for i := range want {
		if retries[i] != want[i] {
			t.Fatalf("retries %v, want %v", retries, want)
		}
	}
	if got := served(t, port, testName, root); !got.Equal(second.Leaf) {
		t.Fatalf("with the CA down, new handshakes get %v, want the certificate in use, %v", got.SerialNumber, second.Leaf.SerialNumber)
	}

	pb.Start(t)
	third := ev.cert(t, 20*time.Second)
	if got := served(t, port, testName, pb.Root(t)); !got.Equal(third.Leaf) {
		t.Fatalf("after Pebble came back, new handshakes get %v, want %v", got.SerialNumber, third.Leaf.SerialNumber)
	}
}

// TestCacheReusedAfterRestart: a Manager made again on the same cache
// serves the certificate obtained before, at once, and orders nothing
// (Pebble is stopped: an order would fail and be reported); the cache is
// 0700 and its files, keys included, 0600.
func TestCacheReusedAfterRestart(t *testing.T) {
	ln, port := listen(t)
	pb := testpeer.StartPebble(t, testpeer.PebbleOptions{TLSPort: port, Names: []string{testName}})
	opts := Options{Names: []string{testName}, Directory: pb.Directory, RootCAs: pb.CAs, CacheDir: filepath.Join(t.TempDir(), "cache")}
	ev := newEvents(t, &opts)
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	serveTLS(ln, m.TLSConfig(nil))
	m.Start()
	first := ev.cert(t, 20*time.Second)
	m.Close()
	pb.Stop(t)

	m, err = New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if c := m.Certificate(); c == nil || !c.Leaf.Equal(first.Leaf) {
		t.Fatal("a new Manager on the cache does not hold the certificate obtained before")
	}
	m.Start()
	select {
	case <-ev.errs:
		t.Fatal("the new Manager tried to order a certificate")
	case <-ev.certs:
		t.Fatal("the new Manager obtained another certificate")
	case <-time.After(300 * time.Millisecond):
	}

	if fi, err := os.Stat(opts.CacheDir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("cache directory: %v, %v; want mode 0700", fi.Mode(), err)
	}
	files, err := os.ReadDir(opts.CacheDir)
	if err != nil || len(files) != 2 {
		t.Fatalf("cache holds %v (%v); want the account key and the certificate", files, err)
	}
	for _, f := range files {
		fi, err := f.Info()
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", f.Name(), fi.Mode())
		}
	}
}

// TestCachedCertificateForOtherNames: a cached certificate that does not
// cover the names is not used.
func TestCachedCertificateForOtherNames(t *testing.T) {
	dir := t.TempDir()
	m, err := New(Options{Names: []string{testName}, Directory: "https://ca.tlskit.test/dir", CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	// A certificate of other names where m's would be.
	c := selfSigned(t, "b.tlskit.test")
	if err := m.storeCert(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	if c, err := m.loadCert(t.Context()); err != nil || c != nil {
		t.Fatalf("loadCert = %v, %v; want nothing for a certificate of other names", c, err)
	}
}

func TestOptionsErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{name: "no names", opts: Options{CacheDir: "c"}, want: "Names is empty"},
		{name: "ip", opts: Options{Names: []string{"127.0.0.1"}, CacheDir: "c"}, want: "IP address"},
		{name: "wildcard", opts: Options{Names: []string{"*.tlskit.test"}, CacheDir: "c"}, want: "DNS-01"},
		{name: "twice", opts: Options{Names: []string{"a.tlskit.test", "A.tlskit.test."}, CacheDir: "c"}, want: "named twice"},
		{name: "http directory", opts: Options{Names: []string{"a.tlskit.test"}, Directory: "http://ca/dir", CacheDir: "c"}, want: "https://"},
		{name: "no cache", opts: Options{Names: []string{"a.tlskit.test"}}, want: "CacheDir is empty"},
		{name: "retry order", opts: Options{Names: []string{"a.tlskit.test"}, CacheDir: "c", RetryMin: time.Hour, RetryMax: time.Minute}, want: "RetryMax"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			names := slices.Clone(tc.opts.Names)
			_, err := New(tc.opts)
			if !slices.Equal(names, tc.opts.Names) {
				t.Errorf("New changed the caller's Names: %q, was %q", tc.opts.Names, names)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v; want an error with %q", err, tc.want)
			}
		})
	}
}

// TestTLSConfigChallengeOnly: only a hello offering "acme-tls/1" alone is
// a validation; others go to the base's GetConfigForClient.
func TestTLSConfigChallengeOnly(t *testing.T) {
	m, err := New(Options{Names: []string{testName}, Directory: "https://ca.tlskit.test/dir", CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	baseCalls := 0
	cfg := m.TLSConfig(&tls.Config{
		Certificates:       []tls.Certificate{*selfSigned(t, testName)},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) { baseCalls++; return nil, nil },
	})
	if len(cfg.Certificates) != 0 || cfg.GetCertificate == nil {
		t.Fatal("TLSConfig keeps the base's certificates")
	}
	if _, err := cfg.GetConfigForClient(&tls.ClientHelloInfo{ServerName: testName, SupportedProtos: []string{ALPNProto}}); err == nil {
		t.Fatal("a validation hello without a pending challenge: no error")
	}
	m.tokens[testName] = selfSigned(t, testName)
	vc, err := cfg.GetConfigForClient(&tls.ClientHelloInfo{ServerName: strings.ToUpper(testName), SupportedProtos: []string{ALPNProto}})
	if err != nil || vc == nil || len(vc.NextProtos) != 1 || vc.NextProtos[0] != ALPNProto {
		t.Fatalf("validation hello: %v, %v", vc, err)
	}
	for _, protos := range [][]string{nil, {"http/1.1"}, {"h2", ALPNProto}} {
		if c, err := cfg.GetConfigForClient(&tls.ClientHelloInfo{ServerName: testName, SupportedProtos: protos}); c != nil || err != nil {
			t.Fatalf("hello with ALPN %q: %v, %v; want the base's", protos, c, err)
		}
	}
	if baseCalls != 3 {
		t.Fatalf("the base's GetConfigForClient ran %d times, want 3", baseCalls)
	}
}

func selfSigned(t *testing.T, name string) *tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), DNSNames: []string{name}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// TestHTTP01: with Options.HTTP01 the certificate is obtained through
// HTTPHandler on Pebble's HTTP port (its TLS-ALPN-01 port has no one
// listening); other requests to the handler are redirected to https://.
func TestHTTP01(t *testing.T) {
	ln, port := listen(t)
	pb := testpeer.StartPebble(t, testpeer.PebbleOptions{HTTPPort: port, TLSPort: testpeer.FreePort(t), Names: []string{testName}})
	opts := Options{Names: []string{testName}, Directory: pb.Directory, RootCAs: pb.CAs, CacheDir: t.TempDir(), HTTP01: true}
	ev := newEvents(t, &opts)
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	hs := &http.Server{Handler: m.HTTPHandler(nil), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	m.Start()
	c := ev.cert(t, 20*time.Second)
	roots := x509.NewCertPool()
	roots.AddCert(pb.Root(t))
	inter := x509.NewCertPool()
	for _, der := range c.Certificate[1:] {
		ic, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		inter.AddCert(ic)
	}
	if _, err := c.Leaf.Verify(x509.VerifyOptions{DNSName: testName, Roots: roots, Intermediates: inter}); err != nil {
		t.Fatalf("the certificate obtained with HTTP-01 does not verify: %v", err)
	}

	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.Get("http://" + ln.Addr().String() + "/page?x=1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if want := "https://127.0.0.1/page?x=1"; res.StatusCode != http.StatusFound || res.Header.Get("Location") != want {
		t.Fatalf("GET /page: %s to %q, want 302 to %q", res.Status, res.Header.Get("Location"), want)
	}
	res, err = noRedirect.Get("http://" + ln.Addr().String() + "/.well-known/acme-challenge/unknown")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("an unknown challenge: %s, want 404", res.Status)
	}
}
