package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
	"github.com/tlskit/tlskit/ws"
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
		name     string
		serve    []string
		get      string
		path     string
		mode     string
		security string // what the page says of the connection
	}{
		{name: "wss default", get: "/", path: "/", mode: "echo", security: `<dd id="security">encrypted with TLS 1.3, cipher TLS_AES_128_GCM_SHA256, key exchange X25519MLKEM768</dd>`},
		{name: "ws chat at /chat", serve: []string{"--proto", "ws", "--mode", "chat", "--path", "/chat"}, get: "/", path: "/chat", mode: "chat",
			security: `<dd id="security">not encrypted: plain ws://`},
		{name: "any GET", serve: []string{"--path", "/ws", "--mode", "broadcast"}, get: "/some/page?x=1", path: "/ws", mode: "broadcast", security: `encrypted with TLS 1.3`},
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
				tt.security,
				`<p class="intro">` + html.EscapeString(pageIntros[tt.mode]) + `</p>`,
			} {
				if !strings.Contains(string(body), want) {
					t.Errorf("the page lacks %s", want)
				}
			}
			if regexp.MustCompile(`\{\{|ZgotmplZ`).Match(body) {
				t.Errorf("the template was not filled in properly:\n%s", body)
			}
			if strings.Contains(string(body), `id="me"`) != (tt.mode == "chat") {
				t.Errorf("the page shows the chat id in mode %s", tt.mode)
			}
			resp, err = client.Get(httpURL(t, s.url, "/favicon.ico"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET /favicon.ico: %d, want 404 (the page carries its icon)", resp.StatusCode)
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

// In chat mode a new connection is told its id ("you are 2"), text is
// prefixed with the sender's id, and joins and leaves are announced to
// everyone.
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
			if code, want := b.Wait(t), "you are 2\n2 joined\n1: from a\n2: from b\n"; code != 0 || b.Stdout() != want {
				t.Errorf("b: exit %d, stdout %q, want %q\n%s", code, b.Stdout(), want, b.Stderr())
			}
			a.WaitStdout(t, "2 left\n")
			a.CloseStdin()
			if code, want := a.Wait(t), "you are 1\n1 joined\n2 joined\n1: from a\n2: from b\n2 left\n"; code != 0 || a.Stdout() != want {
				t.Errorf("a: exit %d, stdout %q, want %q\n%s", code, a.Stdout(), want, a.Stderr())
			}
		})
	}
}

// Ctrl-C closes every WebSocket with 1001 (going away), which connect takes
// as a normal end.
func TestServeWebSocketShutdown(t *testing.T) {
	t.Parallel()
	p := tlskit(t, "serve", "--proto", "ws", "--listen", "127.0.0.1:0")
	url := p.StdoutLines(t, 1)[0]
	c := tlskit(t, "connect", url) // stdin stays open
	c.WaitStderr(t, "Extensions:")
	p.WaitStderr(t, "msg=connected id=1")
	p.Signal(t, syscall.SIGINT)
	if code := p.Wait(t); code != 0 {
		t.Fatalf("serve exited %d\n%s", code, p.Output())
	}
	if code := c.Wait(t); code != 0 || field(c.Stderr(), "Closed") != `1001 "going away"` {
		t.Fatalf("connect exited %d\n%s", code, c.Stderr())
	}
}

// In broadcast mode a message too large for a connection's backlog (256
// KiB, more than twice the send queue) goes to a WebSocket whose queue is
// full once it has room; one that does not read is disconnected once its
// queue has not moved for the send timeout, and the others go on getting
// every message.
func TestServeWebSocketBroadcastSlowReader(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	svc, err := startWSServer(&serveConfig{proto: "ws", mode: "broadcast", host: "127.0.0.1", path: "/", engine: testEngine,
		handshakeTimeout: 10 * time.Second, sendWait: time.Second, log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := svc.(*ws.Server)
	defer srv.Close()

	slow, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if err := slow.(*net.TCPConn).SetReadBuffer(4096); err != nil {
		t.Fatal(err)
	}
	io.WriteString(slow, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n") // and never reads

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	fast, err := ws.Dial(ctx, "ws://"+srv.Addr().String()+"/", &ws.DialOptions{Conn: ws.ConnOptions{DisablePermessageDeflate: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Close(ws.CloseNormal, "")
	for srv.ConnectionCount() < 2 {
		time.Sleep(10 * time.Millisecond)
	}
	const n = 32 // 8 MiB: more than the kernel buffers of the slow connection
	msg := make([]byte, 256<<10)
	rand.Read(msg) // incompressible
	go func() {
		for range n {
			if fast.WriteMessage(ctx, ws.DataBinary, msg) != nil {
				return
			}
		}
	}()
	for i := range n {
		if _, got, err := fast.ReadMessage(ctx); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("message %d: %d bytes, %v", i, len(got), err)
		}
	}
	if srv.ConnectionCount() != 1 || !strings.Contains(logs.String(), "the client does not read") {
		t.Fatalf("%d connections after %d MiB; log:\n%s", srv.ConnectionCount(), n/4, logs.String())
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent use, for logs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// chatPeer runs testdata/chat_client.js (Node's ws) or chat_client.py
// (Python websockets) against url and returns what it printed. Without the
// tool the test is skipped, except in CI, where .ci/run installs them.
func chatPeer(t *testing.T, tool, url, text string) string {
	t.Helper()
	var cmd *exec.Cmd
	switch tool {
	case "node":
		node := testpeer.Tool(t, "node")
		if _, err := os.Stat(filepath.Join("..", "..", "ws", "testdata", "node", "node_modules", "ws", "package.json")); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("the ws package is missing (npm ci --prefix ws/testdata/node): %v", err)
			}
			t.Skipf("the ws package is missing: %v", err)
		}
		cmd = exec.Command(node, "testdata/chat_client.js", url, text)
	case "python":
		cmd = exec.Command(pythonWebsockets(t), "testdata/chat_client.py", url, text)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testpeer.Timeout)
	defer cancel()
	cmd = exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s chat client: %v\n%s", tool, err, out)
	}
	return string(out)
}

// Node's ws and Python websockets, used as the README's chat example is,
// offer the subprotocol "chat": serve --mode chat selects it (without it
// both refuse the handshake: "Server sent no subprotocol"), and each
// client gets its own message back with its id.
func TestServeChatSubprotocolPeers(t *testing.T) {
	t.Parallel()
	for _, proto := range []string{"ws", "wss"} {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			s := serve(t, "--proto", proto, "--mode", "chat", "--path", "/chat")
			for i, tool := range []string{"node", "python"} {
				out := chatPeer(t, tool, s.url, "hello from "+tool)
				id := strconv.Itoa(i + 1)
				for _, want := range []string{"protocol chat\n", id + ": hello from " + tool + "\n", "closed 1000\n"} {
					if !strings.Contains(out, want) {
						t.Errorf("%s: no %q in\n%s", tool, want, out)
					}
				}
			}
		})
	}
}

// --max-message-size closes a connection that sends a larger message with
// 1009, counting compressed messages after decompression, and echoes one of
// that size; --deflate=false answers a client's permessage-deflate offer
// without it, which the default accepts.
func TestServeWebSocketLimits(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		args    []string
		max     int
		deflate bool
	}{
		{name: "defaults", max: ws.DefaultMaxMessageSize, deflate: true},
		{name: "max-message-size", args: []string{"--max-message-size", "1000"}, max: 1000, deflate: true},
		{name: "no deflate", args: []string{"--max-message-size", "1000", "--deflate=false"}, max: 1000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := serve(t, append([]string{"--proto", "ws"}, tt.args...)...)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			dial := func() *ws.Conn {
				c, err := ws.Dial(ctx, s.url, &ws.DialOptions{Conn: ws.ConnOptions{MaxMessageSize: -1}})
				if err != nil {
					t.Fatal(err)
				}
				if c.Compressed() != tt.deflate {
					t.Fatalf("permessage-deflate negotiated: %v, want %v (extensions %v)", c.Compressed(), tt.deflate, c.Extensions())
				}
				return c
			}
			c := dial()
			defer c.Close(ws.CloseNormal, "")
			msg := bytes.Repeat([]byte("a"), tt.max) // compresses to a few bytes
			if err := c.WriteMessage(ctx, ws.DataText, msg); err != nil {
				t.Fatal(err)
			}
			if _, got, err := c.ReadMessage(ctx); err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("echo of %d bytes: %d bytes, %v", len(msg), len(got), err)
			}
			if tt.max > 1000 {
				return // a message over 32 MiB is tested by ws
			}
			if err := c.WriteMessage(ctx, ws.DataText, append(msg, 'a')); err != nil {
				t.Fatal(err)
			}
			_, _, err := c.ReadMessage(ctx)
			var ce *ws.CloseError
			if !errors.As(err, &ce) || ce.Code != ws.CloseMessageTooBig {
				t.Fatalf("a message of %d bytes with a limit of %d: %v, want close 1009", len(msg)+1, tt.max, err)
			}
		})
	}
}

// wss logs failed TLS handshakes as tls does, with the reason in words: a
// client without the required certificate, one that offers only TLS 1.1.
func TestServeWSSLogsFailedHandshakes(t *testing.T) {
	t.Parallel()
	tc := newTestCerts(t)
	s := serve(t, "--proto", "wss", "--cert", tc.server, "--key", tc.serverKey, "--client-auth", "require", "--client-ca", tc.ca)
	if _, _, code := connect(t, "x\n", s.url, "--ca", tc.ca); code == 0 {
		t.Fatal("a client without a certificate got in")
	}
	s.WaitStderr(t, "didn't provide a certificate")
	host := strings.TrimSuffix(strings.TrimPrefix(s.url, "wss://"), "/")
	c, err := tls.Dial("tcp", host, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11})
	if err == nil {
		c.Close()
		t.Fatal("TLS 1.1 was accepted")
	}
	s.WaitStderr(t, "client offered only unsupported versions")
	if n := strings.Count(s.Stderr(), `level=INFO msg="handshake failed"`); n != 2 {
		t.Errorf("%d handshake failed records, want 2:\n%s", n, s.Stderr())
	}
}

// serve's echo relays a message as it arrives instead of holding it whole
// (a client that sends a big message and does not read cost the server
// the whole message for as long as the echo waited): the client receives
// the echo of a message's first part before it sends the rest.
func TestServeEchoRelaysAsItArrives(t *testing.T) {
	t.Parallel()
	s := serve(t, "--proto", "ws")
	echoed := make(chan int, 1024)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, s.url, &ws.DialOptions{
		Conn: ws.ConnOptions{Fragments: true, DisablePermessageDeflate: true},
		Events: ws.Events{OnDataIn: func(c *ws.Conn, f ws.DataFormat, data []byte, eom, _ bool) {
			n := len(data)
			if eom {
				n = -n - 1 // the message's end
			}
			echoed <- n
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Disconnect(); <-c.Done() }()
	first := bytes.Repeat([]byte{'a'}, 256<<10)
	if err := c.WriteFragment(ctx, ws.DataBinary, first, false); err != nil {
		t.Fatal(err)
	}
	received := 0
	for received < len(first) {
		select {
		case n := <-echoed:
			if n < 0 {
				t.Fatal("the echo ended before the message did")
			}
			received += n
		case <-ctx.Done():
			t.Fatalf("%d of the first part's %d bytes echoed before the rest was sent: the server holds the message whole", received, len(first))
		}
	}
	if err := c.WriteFragment(ctx, ws.DataBinary, []byte("end"), true); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case n := <-echoed:
			if n < 0 {
				if received += -n - 1; received != len(first)+3 {
					t.Fatalf("echoed %d bytes, want %d", received, len(first)+3)
				}
				return
			}
			received += n
		case <-ctx.Done():
			t.Fatal("the echo did not end")
		}
	}
}
