package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/tlskit/tlskit/internal/testpeer"
)

// tlskit connect against openssl s_server (-rev answers each line reversed).
func TestConnectOpenSSLServer(t *testing.T) {
	t.Parallel()
	tc := newTestCerts(t)
	sServer := func(t *testing.T, extra ...string) string {
		_, port := testpeer.StartServer(t, "openssl", "ACCEPT", func(port int) []string {
			return append([]string{"s_server", "-accept", "127.0.0.1:" + strconv.Itoa(port),
				"-cert", tc.server, "-key", tc.serverKey, "-rev"}, extra...)
		})
		return "tls://127.0.0.1:" + strconv.Itoa(port)
	}
	ca := newTestCertsCA(t, tc)

	for _, tt := range []struct {
		name     string
		server   []string
		connect  []string
		version  string
		alpn     string
		verified string
	}{
		{name: "TLS 1.3 trusted with --ca", connect: []string{"--ca", tc.ca},
			version: "TLS1.3", alpn: "none", verified: "yes"},
		{name: "TLS 1.2 with ALPN", server: []string{"-tls1_2", "-alpn", "h2"}, connect: []string{"--ca", tc.ca, "--alpn", "h2"},
			version: "TLS1.2", alpn: "h2", verified: "yes"},
		{name: "insecure", connect: []string{"--insecure"},
			version: "TLS1.3", alpn: "none", verified: "NO: --insecure accepts any certificate; this connection is NOT secure"},
		{name: "client certificate", server: []string{"-Verify", "1", "-CAfile", tc.ca},
			connect: []string{"--ca", tc.ca, "--cert", tc.client, "--key", tc.clientKey}, version: "TLS1.3", alpn: "none", verified: "yes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url := sServer(t, tt.server...)
			stdout, stderr, code := connect(t, "hello\nabc\n", append([]string{url}, tt.connect...)...)
			if code != 0 || stdout != "olleh\ncba\n" {
				t.Fatalf("exit %d, stdout %q; want 0 and the reversed lines\n%s", code, stdout, stderr)
			}
			for name, want := range map[string]string{
				"Version": tt.version, "ALPN": tt.alpn, "Verified": tt.verified, "Resumed": "false",
				"Subject": tc.serverCert.Subject, "Issuer": ca,
				"FingerprintSHA256": tc.serverCert.FingerprintSHA256,
			} {
				if got := field(stderr, name); got != want {
					t.Errorf("%s: %q, want %q", name, got, want)
				}
			}
			if field(stderr, "CipherSuite") == "" || field(stderr, "ExpirationDate") == "" || field(stderr, "Group") == "" {
				t.Errorf("details missing:\n%s", stderr)
			}
			if insecure := strings.Contains(stderr, "WARNING: --insecure"); insecure != (tt.name == "insecure") {
				t.Errorf("--insecure warning printed: %v\n%s", insecure, stderr)
			}
		})
	}

	t.Run("untrusted", func(t *testing.T) {
		t.Parallel()
		url := sServer(t)
		stdout, stderr, code := connect(t, "hello\n", url)
		if code != 1 || stdout != "" || !strings.Contains(stderr, "pass --ca FILE") {
			t.Fatalf("exit %d, stdout %q; want 1 and advice\n%s", code, stdout, stderr)
		}
	})
	t.Run("wrong name", func(t *testing.T) {
		t.Parallel()
		url := sServer(t)
		_, stderr, code := connect(t, "hello\n", url, "--ca", tc.ca, "--sni", "other.test")
		if code != 1 || !strings.Contains(stderr, "certificate is for another name") {
			t.Fatalf("exit %d; want 1 and advice\n%s", code, stderr)
		}
	})
	t.Run("client certificate required but missing", func(t *testing.T) {
		t.Parallel()
		url := sServer(t, "-Verify", "1", "-CAfile", tc.ca, "-verify_return_error")
		_, stderr, code := connect(t, "hello\n", url, "--ca", tc.ca)
		if code != 1 || !strings.Contains(stderr, "the server wants a client certificate: pass --cert FILE") {
			t.Fatalf("exit %d; want 1 and a certificate error\n%s", code, stderr)
		}
	})
}

// newTestCertsCA returns the CA's subject as connect prints it.
func newTestCertsCA(t *testing.T, tc *testCerts) string {
	t.Helper()
	out := mustCLI(t, "cert", "show", tc.ca)
	return lineValue(t, out, "Subject")
}

func TestConnectFailures(t *testing.T) {
	t.Parallel()
	port := testpeer.FreePort(t)
	for _, tt := range []struct {
		url  string
		want string
	}{
		{url: "tcp://127.0.0.1:" + strconv.Itoa(port), want: "connection refused"},
		{url: "tls://host.invalid:443", want: "cannot resolve"},
	} {
		stdout, stderr, code := connect(t, "", tt.url)
		if code != 1 || stdout != "" || !strings.Contains(stderr, tt.want) {
			t.Errorf("connect %s: exit %d, stdout %q, stderr %q; want 1 and %q", tt.url, code, stdout, stderr, tt.want)
		}
	}
}

func TestConnectFlagErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{}, "needs URL"},
		{[]string{"127.0.0.1:8443"}, "is not a URL such as wss://127.0.0.1:8443/ or tls://127.0.0.1:8443"},
		{[]string{"udp://127.0.0.1:53"}, `unknown scheme "udp"; use tcp, tls, ws, wss`},
		{[]string{"ws://127.0.0.1:7/#frag"}, "no user name or #fragment"},
		{[]string{"ws://127.0.0.1:7/", "--insecure"}, "--insecure needs TLS, but ws:// is plain: use wss://"},
		{[]string{"tls://127.0.0.1:7", "--binary"}, "--binary is for WebSocket"},
		{[]string{"tcp://127.0.0.1:7", "--header", "A: b"}, "--header is for WebSocket"},
		{[]string{"ws://127.0.0.1:7/", "--header", "no colon"}, `--header "no colon": want "Name: value"`},
		{[]string{"tls://127.0.0.1"}, "the URL needs a port"},
		{[]string{"tcp://127.0.0.1:80/path"}, "HOST:PORT only"},
		{[]string{"tcp://127.0.0.1:7", "--insecure"}, "--insecure needs TLS, but tcp:// is plain"},
		{[]string{"tcp://127.0.0.1:7", "--sni", "x"}, "--sni needs TLS"},
		{[]string{"tls://127.0.0.1:7", "--insecure", "--ca", "ca.pem"}, "--ca has no effect"},
		{[]string{"tls://127.0.0.1:7", "--key", "k.pem"}, "need --cert"},
		{[]string{"tls://127.0.0.1:7", "--tls-max", "2.0"}, `--tls-max "2.0"`},
		{[]string{"tls://127.0.0.1:7", "--ca", "/nonexistent.pem"}, "--ca"},
	} {
		_, err := runCLI(t, append([]string{"connect"}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("connect %v: %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
}

// A URL with the wrong scheme is recognized at once and the error says
// which to use; errno numbers give way to words.
func TestConnectWrongScheme(t *testing.T) {
	t.Parallel()
	wss := serve(t, "--proto", "wss")
	tcp := serve(t, "--proto", "tcp")
	page := httptest.NewServer(http.NotFoundHandler()) // answers a ClientHello with HTTP 400
	t.Cleanup(page.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()

	for _, tt := range []struct {
		name, url string
		args      []string
		want      string
	}{
		{"ws to a TLS server", "ws://" + strings.TrimPrefix(wss.url, "wss://"), nil, "if it is a TLS server, use wss://"},
		{"wss to an HTTP server", "wss://" + strings.TrimPrefix(page.URL, "http://") + "/", []string{"--insecure"},
			"this looks like a plain WebSocket server: use ws://"},
		{"tls to a TCP echo server", "tls://" + strings.TrimPrefix(tcp.url, "tcp://"), []string{"--insecure"},
			"this looks like a plain TCP echo server: use tcp://"},
		{"nothing listening", "tcp://" + closed, nil, "socket: connect: connection refused (" + closed + ")"},
	} {
		_, stderr, code := connect(t, "x\n", append([]string{tt.url}, tt.args...)...)
		if code != 1 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%s: exit %d, want %q in\n%s", tt.name, code, tt.want, stderr)
		}
		if strings.Contains(stderr, "errno") {
			t.Errorf("%s: a number instead of words:\n%s", tt.name, stderr)
		}
	}
}
