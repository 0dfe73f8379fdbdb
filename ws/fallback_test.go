package ws

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlskit/tlskit/server"
)

// fallbackServer serves page at "/" (and other paths through h) next to an
// echo WebSocket.
func fallbackServer(t *testing.T, h http.Handler, opts Options) (*Server, *http.Client) {
	t.Helper()
	opts.Events.OnDataIn = echoEvents().OnDataIn
	opts.HTTP = h
	s := startServer(t, opts)
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	t.Cleanup(c.CloseIdleConnections)
	return s, c
}

func get(t *testing.T, c *http.Client, method, url string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return resp, body
}

const fallbackPage = "<!doctype html><title>page</title>"

func pageHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, fallbackPage)
	})
	mux.HandleFunc("GET /remote", func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		if r.Context().Err() == nil && r.TLS == nil {
			io.WriteString(w, host)
		}
	})
	mux.HandleFunc("GET /empty", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("GET /panic", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Before", "1")
		panic("handler bug")
	})
	return mux
}

// A plain GET is answered by Options.HTTP, an upgrade on the same port
// still opens a WebSocket.
func TestServerHTTPFallback(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var errs []error
	opts := Options{Events: Events{OnError: func(_ *Conn, err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }}}
	s, c := fallbackServer(t, pageHandler(), opts)
	base := "http://" + s.Addr().String()

	for _, tt := range []struct {
		name, method, path string
		status             int
		body, length       string
	}{
		{name: "page", method: "GET", path: "/", status: 200, body: fallbackPage, length: "34"},
		{name: "HEAD has no body", method: "HEAD", path: "/", status: 200, body: "", length: "34"},
		{name: "not found", method: "GET", path: "/nothing", status: 404, body: "404 page not found\n", length: "19"},
		{name: "request fields", method: "GET", path: "/remote", status: 200, body: "127.0.0.1", length: "9"},
		{name: "204", method: "GET", path: "/empty", status: 204, body: "", length: ""},
		{name: "panic is a 500", method: "GET", path: "/panic", status: 500, body: "500 internal server error\n", length: "26"},
		{name: "method not allowed", method: "POST", path: "/", status: 405},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, c, tt.method, base+tt.path)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.method == "POST" {
				return
			}
			if string(body) != tt.body || resp.Header.Get("Content-Length") != tt.length {
				t.Errorf("body %q Content-Length %q, want %q %q", body, resp.Header.Get("Content-Length"), tt.body, tt.length)
			}
			if !resp.Close || resp.Header.Get("X-Before") != "" {
				t.Errorf("Close %v, headers %v", resp.Close, resp.Header)
			}
		})
	}
	mu.Lock()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "handler bug") {
		t.Errorf("OnError got %v, want the panic", errs)
	}
	mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	wc, err := Dial(ctx, "ws://"+s.Addr().String()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer wc.Close(CloseNormal, "")
	if _, err := wc.SendText("after the page"); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := wc.ReadMessage(ctx); err != nil || string(msg) != "after the page" {
		t.Fatalf("echo %q, %v", msg, err)
	}
}

// Without Options.HTTP a plain GET still gets 426, and a broken upgrade
// request still gets its WebSocket refusal, not the page.
func TestServerHTTPFallbackRefusals(t *testing.T) {
	t.Parallel()
	plain := startServer(t, Options{})
	resp, _ := get(t, http.DefaultClient, "GET", "http://"+plain.Addr().String()+"/")
	if resp.StatusCode != http.StatusUpgradeRequired {
		t.Errorf("no handler: status %d, want 426", resp.StatusCode)
	}

	s, _ := fallbackServer(t, pageHandler(), Options{})
	r := dialRaw(t, s.Addr().String())
	got := r.request("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\n\r\n")
	if got.Status != http.StatusUpgradeRequired {
		t.Errorf("bad upgrade: status %d, want 426", got.Status)
	}

	r = dialRaw(t, s.Addr().String())
	got = r.request("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
	if got.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("request body: status %d, want 413", got.Status)
	}
}

// A body far larger than the send queue streams through it whole; a client
// that stops reading makes the handler's Write fail after the stall limit
// instead of blocking it for ever, and the server goes on serving.
func TestServerHTTPFallbackLargeBody(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<19) // 8 MiB
	writeErr := make(chan error, 4)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var err error
		for p := big; len(p) > 0 && err == nil; p = p[min(len(p), 10000):] {
			_, err = w.Write(p[:min(len(p), 10000)])
		}
		writeErr <- err
	})
	s, c := fallbackServer(t, h, Options{
		Server:           server.Options{OutBufferSize: 32 << 10},
		HandshakeTimeout: 500 * time.Millisecond,
	})
	resp, body := get(t, c, "GET", "http://"+s.Addr().String()+"/big")
	if resp.StatusCode != 200 || !bytes.Equal(body, big) || resp.ContentLength != -1 {
		t.Fatalf("status %d, %d bytes (Content-Length %d), want 200 and %d bytes to the close", resp.StatusCode, len(body), resp.ContentLength, len(big))
	}
	if err := <-writeErr; err != nil {
		t.Fatalf("Write: %v", err)
	}

	stuck, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	if err := stuck.(*net.TCPConn).SetReadBuffer(4096); err != nil {
		t.Fatal(err)
	}
	io.WriteString(stuck, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
	select {
	case err := <-writeErr:
		if !errors.Is(err, ErrTimedOut) {
			t.Fatalf("Write to a client that does not read: %v, want ErrTimedOut", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the handler is still blocked on a client that does not read")
	}
	resp, body = get(t, c, "GET", "http://"+s.Addr().String()+"/big")
	if resp.StatusCode != 200 || len(body) != len(big) {
		t.Fatalf("after the stuck client: status %d, %d bytes", resp.StatusCode, len(body))
	}
	<-writeErr
}

// TestServerMalformedRequests: over a real TCP connection, each malformed
// request gets its 4xx (or 505) answer and the connection closes, with and
// without Options.HTTP: bare LF line ends are 400 (they once got nothing
// and a reset at the handshake timeout), a space before a header's colon
// is 400 (net/http's leniency once made it the page), the HTTP/2 preface
// 505 (once 413), and a request with Sec-WebSocket headers that is not a
// valid upgrade 426, never the page. A valid GET still gets the page.
func TestServerMalformedRequests(t *testing.T) {
	t.Parallel()
	const key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
	upgrade := "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + key + "\r\n"
	for _, handler := range []bool{true, false} {
		opts := Options{HandshakeTimeout: 5 * time.Second}
		if handler {
			opts.HTTP = pageHandler()
		}
		s := startServer(t, opts)
		for _, tt := range []struct {
			name   string
			req    string
			status int // with the handler; 426 without it where this is 200
		}{
			{"GET", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 200},
			{"bare LF GET", "GET / HTTP/1.1\nHost: x\n\n", 400},
			{"bare LF HTTP/1.0 GET", "GET / HTTP/1.0\n\n", 400},
			{"bare LF upgrade", strings.ReplaceAll(upgrade, "\r\n", "\n"), 400},
			{"CRLF and LF upgrade", strings.Replace(upgrade, "\r\n", "\n", 2), 400},
			{"bare LF blank line", strings.TrimSuffix(upgrade, "\r\n") + "\n", 400},
			{"space before colon", strings.Replace(upgrade, "Upgrade: websocket", "Upgrade : websocket", 1), 400},
			{"space before colon, no key", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade : websocket\r\nConnection: Upgrade\r\n\r\n", 400},
			{"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505},
			{"handshake headers without Upgrade", "GET / HTTP/1.1\r\nHost: x\r\n" + key + "\r\n", 426},
			{"Sec-WebSocket-Version alone", "GET / HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Version: 13\r\n\r\n", 426},
			{"Upgrade h2c with a key", "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n" + key + "\r\n", 426},
			{"bare CR", "GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400},
		} {
			want := tt.status
			if !handler && want == 200 {
				want = http.StatusUpgradeRequired
			}
			t.Run(fmt.Sprintf("handler=%v/%s", handler, tt.name), func(t *testing.T) {
				conn, err := net.Dial("tcp", s.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(20 * time.Second)) // a failure bound: the old code reset after the 5 s handshake timeout
				if _, err := io.WriteString(conn, tt.req); err != nil {
					t.Fatal(err)
				}
				br := bufio.NewReader(conn)
				resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
				if err != nil {
					t.Fatalf("no answer to %q: %v", tt.req, err)
				}
				if resp.StatusCode != want {
					t.Fatalf("%q: status %d, want %d", tt.req, resp.StatusCode, want)
				}
				body, err := io.ReadAll(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				if (want == 200) != (string(body) == fallbackPage) {
					t.Fatalf("%q: status %d with body %q", tt.req, want, body)
				}
				if n, err := br.Read(make([]byte, 1)); err != io.EOF {
					t.Fatalf("%q: after the answer %d bytes, %v; want the connection closed", tt.req, n, err)
				}
			})
		}
	}
}

// namesWebSocket reports whether a request head has a header line of a
// WebSocket handshake: Sec-WebSocket-Key, Sec-WebSocket-Version or an
// Upgrade with the websocket token, whatever the line ends and the spaces
// around the name.
func namesWebSocket(req string) bool {
	head, _, _ := strings.Cut(strings.ReplaceAll(req, "\r", ""), "\n\n")
	lines := strings.Split(head, "\n")
	for _, line := range lines[1:] {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.Trim(name, " \t")) {
		case "sec-websocket-key", "sec-websocket-version":
			return true
		case "upgrade":
			for tok := range strings.SplitSeq(value, ",") {
				if strings.EqualFold(strings.Trim(tok, " \t"), "websocket") {
					return true
				}
			}
		}
	}
	return false
}

// FuzzServerHTTPFallback sends arbitrary bytes to a Server with
// Options.HTTP: whatever it answers must be one HTTP response (the page, a
// refusal or a 101), after which the connection closes; the server keeps
// serving.
func FuzzServerHTTPFallback(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /panic HTTP/1.0\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
		"GET / HTTP/2.0\r\nHost: x\r\n\r\n",
		"GET\r\n\r\n",
		"GET / HTTP/1.1\nHost: x\n\n",
		"GET / HTTP/1.1\r\nHost: x\r\nUpgrade : websocket\r\nConnection: Upgrade\r\n\r\n",
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
		"\x16\x03\x01\x00\x05hello",
	} {
		f.Add([]byte(s))
	}
	s, err := NewServer(Options{
		Server:           server.Options{LocalHost: "127.0.0.1"},
		HTTP:             pageHandler(),
		HandshakeTimeout: 500 * time.Millisecond,
	})
	if err != nil {
		f.Fatal(err)
	}
	if err := s.StartListening(); err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	f.Fuzz(func(t *testing.T, data []byte) {
		conn, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := conn.Write(data); err != nil {
			return // the server refused the bytes already
		}
		_ = conn.(*net.TCPConn).CloseWrite()
		out, err := io.ReadAll(conn)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("the connection is still open after %q", data)
		}
		if len(out) == 0 {
			return
		}
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), &http.Request{Method: http.MethodHead})
		if err != nil {
			t.Fatalf("answer to %q is not an HTTP response: %v\n%q", data, err, out)
		}
		resp.Body.Close()
		// The page is never the answer to a request whose head names a
		// WebSocket header, however it is spelled or spaced.
		if resp.StatusCode == http.StatusOK && namesWebSocket(string(data)) {
			t.Fatalf("the page answered %q", data)
		}
	})
}
