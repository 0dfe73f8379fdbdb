package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/ws"
)

// wsPeer is an in-process ws.Server that records the opening handshake,
// picks the subprotocol "chat" when offered, refuses /private with 401
// and closes with 4000 "bye" when it receives "bye".
type wsPeer struct {
	url    string
	mu     sync.Mutex
	header http.Header
}

func startWSPeer(t *testing.T) *wsPeer {
	t.Helper()
	p := &wsPeer{}
	srv, err := ws.NewServer(ws.Options{
		Server: server.Options{LocalHost: "127.0.0.1"},
		Conn:   ws.ConnOptions{},
		Events: ws.Events{
			OnWebSocketOpenRequest: func(r *ws.OpenRequest) {
				p.mu.Lock()
				p.header = r.Header.Clone()
				p.mu.Unlock()
				if r.URI == "/private" {
					r.StatusCode = http.StatusUnauthorized
					r.ResponseHeader = http.Header{"Www-Authenticate": {"Bearer"}}
					return
				}
				if slices.Contains(r.Protocols, "chat") {
					r.Protocol = "chat"
				}
			},
			OnDataIn: func(c *ws.Conn, f ws.DataFormat, data []byte, _, _ bool) {
				if string(data) == "bye" {
					c.Close(4000, "bye")
					return
				}
				c.SendMessage(ws.SendFormatOf(f), data)
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.StartListening(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		srv.Close()
	})
	p.url = "ws://127.0.0.1:" + strconv.Itoa(srv.LocalPort())
	return p
}

// --subprotocol and --header reach the server; the negotiated subprotocol
// is printed; a refused handshake and an abnormal close code exit 1 with
// the status or code.
func TestConnectWebSocketPeer(t *testing.T) {
	t.Parallel()
	p := startWSPeer(t)

	stdout, stderr, code := connect(t, "one\n", p.url+"/room?x=1", "--subprotocol", "v2", "--subprotocol", "chat",
		"--header", "Authorization: Bearer t0ken", "--header", "x-trace:  a b ")
	if code != 0 || stdout != "one\n" || field(stderr, "Subprotocol") != "chat" {
		t.Fatalf("exit %d, stdout %q, Subprotocol %q\n%s", code, stdout, field(stderr, "Subprotocol"), stderr)
	}
	p.mu.Lock()
	h := p.header
	p.mu.Unlock()
	if h.Get("Authorization") != "Bearer t0ken" || h.Get("X-Trace") != "a b" || h.Get("Sec-Websocket-Protocol") != "v2, chat" {
		t.Errorf("the server got headers %v", h)
	}

	stdout, stderr, code = connect(t, "x\n", p.url+"/private")
	if code != 1 || stdout != "" || !strings.Contains(stderr, "refused the WebSocket handshake with HTTP 401 Unauthorized") {
		t.Errorf("refused: exit %d, stdout %q\n%s", code, stdout, stderr)
	}

	stdout, stderr, code = connect(t, "first\nbye\n", p.url+"/")
	if code != 1 || stdout != "first\n" || !strings.Contains(stderr, `the server closed the connection with 4000 "bye"`) {
		t.Errorf("closed with 4000: exit %d, stdout %q\n%s", code, stdout, stderr)
	}

	stdout, stderr, code = connect(t, "ok\n\xff\n", p.url+"/")
	if code != 1 || stdout != "ok\n" || !strings.Contains(stderr, "line 2 of stdin is not UTF-8") {
		t.Errorf("invalid UTF-8: exit %d, stdout %q\n%s", code, stdout, stderr)
	}
}

// pythonWebsockets returns Debian's python3, which has the websockets
// package (python3-websockets); without it the test is skipped, except in
// CI, where .ci/run installs it.
func pythonWebsockets(t *testing.T) string {
	t.Helper()
	py := testpeer.Tool(t, "/usr/bin/python3")
	if out, err := exec.Command(py, "-c", "import websockets").CombinedOutput(); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("python3-websockets not installed: %s", out)
		}
		t.Fatalf("python3-websockets not installed (CI must install it): %s", out)
	}
	return py
}

// startDelayedEcho starts a Python websockets echo server (Debian's
// python3-websockets) that answers each message after delay.
func startDelayedEcho(t *testing.T, delay time.Duration) string {
	t.Helper()
	py := pythonWebsockets(t)
	p := testpeer.Start(t, nil, py, "testdata/delayed_echo.py", strconv.FormatFloat(delay.Seconds(), 'f', -1, 64))
	port, ok := strings.CutPrefix(p.StdoutLines(t, 1)[0], "listening ")
	if !ok {
		t.Fatalf("delayed_echo.py printed %q", p.Output())
	}
	t.Cleanup(func() { p.Signal(t, syscall.SIGTERM); p.Wait(t) })
	return "ws://127.0.0.1:" + port + "/"
}

// After stdin ends, connect waits for replies (--wait, counted from the
// last message) before it closes: a server that answers after 200 ms
// gets its echo printed; with --wait 0 connect closes at once.
func TestConnectWaitsForReplies(t *testing.T) {
	t.Parallel()
	url := startDelayedEcho(t, 200*time.Millisecond)

	stdout, stderr, code := connect(t, "hello\n", url)
	if code != 0 || stdout != "hello\n" {
		t.Errorf("default --wait: exit %d, stdout %q\n%s", code, stdout, stderr)
	}
	// Three replies 200 ms apart each: the wait counts from the last one.
	stdout, stderr, code = connect(t, "a\nb\nc\n", url, "--wait", "700ms")
	if code != 0 || stdout != "a\nb\nc\n" {
		t.Errorf("--wait 700ms: exit %d, stdout %q\n%s", code, stdout, stderr)
	}
	// A server that answers after 3 s, far beyond the close handshake.
	slow := startDelayedEcho(t, 3*time.Second)
	stdout, stderr, code = connect(t, "hello\n", slow, "--wait", "0")
	if code != 0 || stdout != "" {
		t.Errorf("--wait 0: exit %d, stdout %q (the echo comes after the close)\n%s", code, stdout, stderr)
	}
	_, stderr, code = connect(t, "x\n", "tcp://127.0.0.1:1", "--wait", "1s")
	if code != 1 || !strings.Contains(stderr, "--wait") {
		t.Errorf("--wait with tcp://: exit %d\n%s", code, stderr)
	}
}
