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

	"github.com/tlskit/tlskit/internal/testpeer"
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
			s.WaitStderr(t, "page="+httpURL(t, s.url, "/"))
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

// In chat mode text is prefixed with the sender's id, and joins and leaves
// are announced to everyone.
func TestServeWebSocketChat(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		proto   string
		connect []string
	}{
		{proto: "ws"},
		{proto: "wss", connect: []string{"--insecure"}},
	} {
		t.Run(tt.proto, func(t *testing.T) {
			t.Parallel()
			s := serve(t, "--proto", tt.proto, "--mode", "chat")
			start := func(id string) *testpeer.Proc {
				c := tlskit(t, append([]string{"connect", s.url}, tt.connect...)...)
				c.WaitStderr(t, "Extensions:")
				s.WaitStderr(t, "msg=connected id="+id)
				return c
			}
			a := start("1")
			b := start("2")
			a.WaitStdout(t, "2 joined\n")
			a.Write(t, "from a\n")
			b.WaitStdout(t, "1: from a\n")
			b.Write(t, "from b\n")
			a.WaitStdout(t, "2: from b\n")
			b.CloseStdin()
			if code, want := b.Wait(t), "2 joined\n1: from a\n2: from b\n"; code != 0 || b.Stdout() != want {
				t.Errorf("b: exit %d, stdout %q, want %q\n%s", code, b.Stdout(), want, b.Stderr())
			}
			a.WaitStdout(t, "2 left\n")
			a.CloseStdin()
			if code, want := a.Wait(t), "1 joined\n2 joined\n1: from a\n2: from b\n2 left\n"; code != 0 || a.Stdout() != want {
				t.Errorf("a: exit %d, stdout %q, want %q\n%s", code, a.Stdout(), want, a.Stderr())
			}
		})
	}
}
