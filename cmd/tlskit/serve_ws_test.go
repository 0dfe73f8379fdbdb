package main

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// httpURL turns a served ws:// or wss:// URL into the page's http(s) URL.
func httpURL(t *testing.T, wsURL, path string) string {
	t.Helper()
	u, err := url.Parse(wsURL)
	if err != nil {
		t.Fatal(err)
	}
	scheme := map[string]string{"ws": "http", "wss": "https"}[u.Scheme]
	return scheme + "://" + u.Host + path
}

// Every non-upgrade GET on a ws or wss port is the page, with the
// WebSocket's path and the mode filled in; other methods get 405.
func TestServeWSPage(t *testing.T) {
	t.Parallel()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableKeepAlives: true}}
	for _, tt := range []struct {
		name  string
		serve []string
		get   string
		path  string
		mode  string
	}{
		{name: "wss default", get: "/", path: "/", mode: "echo"},
		{name: "ws chat at /chat", serve: []string{"--proto", "ws", "--mode", "chat", "--path", "/chat"}, get: "/", path: "/chat", mode: "chat"},
		{name: "any GET", serve: []string{"--path", "/ws", "--mode", "broadcast"}, get: "/some/page?x=1", path: "/ws", mode: "broadcast"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := serve(t, tt.serve...)
			if !strings.HasSuffix(s.url, tt.path) {
				t.Errorf("URL %s does not end with the path %s", s.url, tt.path)
			}
			resp, err := client.Get(httpURL(t, s.url, tt.get))
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
				t.Fatalf("GET: %d %v, %v", resp.StatusCode, resp.Header, err)
			}
			for _, want := range []string{
				`<meta name="ws-path" content="` + tt.path + `">`,
				`<meta name="ws-mode" content="` + tt.mode + `">`,
				`<title>tlskit ` + tt.mode + `</title>`,
			} {
				if !strings.Contains(string(body), want) {
					t.Errorf("the page lacks %s", want)
				}
			}
			if regexp.MustCompile(`\{\{|ZgotmplZ`).Match(body) {
				t.Errorf("the template was not filled in properly:\n%s", body)
			}
			resp, err = client.Post(httpURL(t, s.url, "/"), "text/plain", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("POST: %d, want 405", resp.StatusCode)
			}
		})
	}
}

// tlskit connect against tlskit serve over ws and wss: echo keeps the
// opcode (binary comes back as binary, printed in hex), the close handshake
// at the end of stdin exits 0.
func TestServeConnectWebSocket(t *testing.T) {
	t.Parallel()
	tc := newTestCerts(t)
	for _, tt := range []struct {
		name        string
		serve       []string
		connect     []string
		input, want string
		verified    string // "" for ws://
	}{
		{name: "ws echo text", serve: []string{"--proto", "ws", "--path", "/echo"},
			input: "hello\nwörld\r\n\nlast", want: "hello\nwörld\n\nlast\n"},
		{name: "ws echo binary", serve: []string{"--proto", "ws"}, connect: []string{"--binary"},
			input: "hi\n\xff\x00\n", want: "6869\nff00\n"},
		{name: "wss echo, generated certificate", connect: []string{"--insecure"},
			input: "secret\n", want: "secret\n", verified: "NO: --insecure accepts any certificate; this connection is NOT secure"},
		{name: "wss echo, CA-signed certificate, TLS 1.2 and ALPN", serve: []string{"--cert", tc.server, "--key", tc.serverKey, "--alpn", "http/1.1", "--tls-max", "1.2"},
			connect: []string{"--ca", tc.ca, "--alpn", "http/1.1", "--binary"}, input: "x\n", want: "78\n", verified: "yes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := serve(t, tt.serve...)
			stdout, stderr, code := connect(t, tt.input, append([]string{s.url}, tt.connect...)...)
			if code != 0 || stdout != tt.want {
				t.Fatalf("connect exited %d with stdout %q, want 0 and %q\n%s", code, stdout, tt.want, stderr)
			}
			for name, want := range map[string]string{
				"Status": "101 Switching Protocols", "Subprotocol": "none", "Closed": "1000",
				"Extensions": "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
			} {
				if got := field(stderr, name); got != want {
					t.Errorf("%s: %q, want %q\n%s", name, got, want, stderr)
				}
			}
			if tt.verified == "" {
				if strings.Contains(stderr, "Version:") {
					t.Errorf("a plain connection printed TLS details:\n%s", stderr)
				}
				return
			}
			if got := field(stderr, "Verified"); got != tt.verified {
				t.Errorf("Verified: %q, want %q", got, tt.verified)
			}
			if got := field(stderr, "FingerprintSHA256"); got != s.fingerprint || got == "" {
				t.Errorf("connect saw certificate %q, serve printed %q", got, s.fingerprint)
			}
			if strings.Contains(tt.name, "TLS 1.2") {
				if v, a := field(stderr, "Version"), field(stderr, "ALPN"); v != "TLS1.2" || a != "http/1.1" {
					t.Errorf("Version %q ALPN %q, want TLS1.2 and http/1.1\n%s", v, a, stderr)
				}
			}
		})
	}
}

// In broadcast mode every message reaches every client; in chat mode text
// is prefixed with the sender's id and joins and leaves are announced.
func TestServeWebSocketBroadcastChat(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		mode, proto string
		connect     []string
		aWant       string // everything a prints
		bWant       string
	}{
		{mode: "broadcast", proto: "ws", aWant: "from a\nfrom b\n", bWant: "from a\nfrom b\n"},
		{mode: "broadcast", proto: "wss", connect: []string{"--insecure"}, aWant: "from a\nfrom b\n", bWant: "from a\nfrom b\n"},
		{mode: "chat", proto: "ws", aWant: "1 joined\n2 joined\n1: from a\n2: from b\n2 left\n", bWant: "2 joined\n1: from a\n2: from b\n"},
		{mode: "chat", proto: "wss", connect: []string{"--insecure"}, aWant: "1 joined\n2 joined\n1: from a\n2: from b\n2 left\n", bWant: "2 joined\n1: from a\n2: from b\n"},
	} {
		t.Run(tt.mode+" "+tt.proto, func(t *testing.T) {
			t.Parallel()
			s := serve(t, "--proto", tt.proto, "--mode", tt.mode)
			a := tlskit(t, append([]string{"connect", s.url}, tt.connect...)...)
			a.WaitStderr(t, "Extensions:")
			s.WaitStderr(t, "msg=connected id=1")
			b := tlskit(t, append([]string{"connect", s.url}, tt.connect...)...)
			b.WaitStderr(t, "Extensions:")
			s.WaitStderr(t, "msg=connected id=2")
			if tt.mode == "chat" {
				a.WaitStdout(t, "2 joined\n")
			}
			a.Write(t, "from a\n")
			b.WaitStdout(t, "from a\n")
			a.WaitStdout(t, "from a\n")
			b.Write(t, "from b\n")
			a.WaitStdout(t, "from b\n")
			b.WaitStdout(t, "from b\n")
			b.CloseStdin()
			if code := b.Wait(t); code != 0 || b.Stdout() != tt.bWant {
				t.Errorf("b: exit %d, stdout %q, want %q\n%s", code, b.Stdout(), tt.bWant, b.Stderr())
			}
			if tt.mode == "chat" {
				a.WaitStdout(t, "2 left\n")
			}
			a.CloseStdin()
			if code := a.Wait(t); code != 0 || a.Stdout() != tt.aWant {
				t.Errorf("a: exit %d, stdout %q, want %q\n%s", code, a.Stdout(), tt.aWant, a.Stderr())
			}
		})
	}
}
