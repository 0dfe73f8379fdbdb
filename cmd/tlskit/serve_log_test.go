package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/logsafe"
	"github.com/tlskit/tlskit/internal/testpeer"
	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/ws"
)

// A 16,000-byte server name with a line break in it is logged escaped and
// cut, on one line of bounded length.
func TestServeLogLongServerName(t *testing.T) {
	t.Parallel()
	s := serve(t, "--proto", "tls")
	const forged = "x\nlevel=ERROR msg=forged."
	name := forged + strings.Repeat("a", 16000-len(forged))
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", strings.TrimPrefix(s.url, "tls://"),
		&tls.Config{ServerName: name, InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	s.WaitStderr(t, "msg=disconnected id=1 ")
	stderr := s.Stderr()
	if !strings.Contains(stderr, `sni="x\\nlevel=ERROR msg=forged.aaaa`) || !strings.Contains(stderr, "...(16000 bytes)") {
		t.Errorf("the server name is not there, escaped and cut:\n%.1000s", stderr)
	}
	for _, l := range strings.Split(stderr, "\n") {
		if len(l) > 1024 {
			t.Errorf("a %d-byte line: %.200s...", len(l), l)
		}
		if strings.HasPrefix(l, "level=ERROR") {
			t.Errorf("a forged line: %q", l)
		}
	}
}

// A flood of failed handshakes writes at most the limiter's burst and
// rate of records (one per connection: no disconnected record follows a
// failed handshake), and records of the count of the others.
func TestServeLogHandshakeFlood(t *testing.T) {
	t.Parallel()
	s := serve(t, "--proto", "tls", "--metrics", "127.0.0.1:0")
	addr := strings.TrimPrefix(s.url, "tls://")
	metricsURL := regexp.MustCompile(`msg=metrics url=(http://\S+/metrics)`).FindStringSubmatch(s.Stderr())
	if metricsURL == nil {
		t.Fatalf("no metrics URL logged:\n%s", s.Stderr())
	}
	const n = 300
	began := time.Now()
	for range n {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		// Not a ClientHello: the handshake fails at once.
		_, _ = io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, _ = io.Copy(io.Discard, c)
		c.Close()
	}
	// Every drop is counted by a summary within a second of it.
	deadline := time.Now().Add(testpeer.Timeout)
	var lines, dropped int
	for {
		stderr := s.Stderr()
		lines, dropped = len(connRecordRE.FindAllString(stderr, -1)), suppressed(t, stderr)
		if lines+dropped >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(began)
	stderr := s.Stderr()
	if lines+dropped != n {
		t.Fatalf("%d connection records and %d suppressed, want %d in all\n%.3000s", lines, dropped, n, stderr)
	}
	if h := strings.Count(stderr, `level=INFO msg="handshake failed"`); h != lines {
		t.Errorf("%d of the %d connection records are Info handshake failures", h, lines)
	}
	if most := logsafe.DefaultBurst + int(elapsed.Seconds()*logsafe.DefaultRate) + 1; lines > most {
		t.Errorf("%d connection records in %v, want at most %d", lines, elapsed, most)
	}
	if d := strings.Count(stderr, "msg=disconnected"); d != 0 {
		t.Errorf("%d disconnected records for connections whose failed handshake was logged", d)
	}
	resp, err := http.Get(metricsURL[1])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := fmt.Sprintf("tlskit_log_records_suppressed_total %d\n", dropped); !strings.Contains(string(body), want) {
		t.Errorf("metrics: no %q", want)
	}
}

// connRecordRE matches a record about one connection.
var connRecordRE = regexp.MustCompile(`(?m)^time=.* id=\d+ `)

var suppressedRE = regexp.MustCompile(`msg="log records suppressed" suppressed=(\d+)`)

func suppressed(t *testing.T, stderr string) int {
	sum := 0
	for _, m := range suppressedRE.FindAllStringSubmatch(stderr, -1) {
		n, err := strconv.Atoi(m[1])
		if err != nil {
			t.Fatal(err)
		}
		sum += n
	}
	return sum
}

// A client that resets the connection while the echo waits for room is
// not logged as a client that does not read, and its disconnected record
// comes at once (not after the 30 s send timeout) with the peer's reset as
// its cause.
func TestServeLogPeerReset(t *testing.T) {
	t.Parallel()
	for _, proto := range []string{"tcp", "tls"} {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			s := serve(t, "--proto", proto)
			raw, err := net.DialTimeout("tcp", strings.TrimPrefix(s.url, proto+"://"), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			var c net.Conn = raw
			if proto == "tls" {
				tc := tls.Client(raw, &tls.Config{InsecureSkipVerify: true})
				if err := tc.Handshake(); err != nil {
					t.Fatal(err)
				}
				c = tc
			}
			// Send without reading until the server stops taking data: its
			// echo then waits for room.
			buf := make([]byte, 64<<10)
			for {
				_ = c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
				if _, err := c.Write(buf); err != nil {
					var ne net.Error
					if !errors.As(err, &ne) || !ne.Timeout() {
						t.Fatal(err)
					}
					break
				}
			}
			if err := raw.(*net.TCPConn).SetLinger(0); err != nil {
				t.Fatal(err)
			}
			raw.Close() // an RST
			// Reset (10054), or broken pipe (10053) when a send met the
			// reset first: never a local reset (status 0).
			s.WaitStderr(t, "msg=disconnected id=1 status=1005")
			if strings.Contains(s.Stderr(), "does not read") {
				t.Errorf("a peer reset was logged as a client that does not read:\n%s", s.Stderr())
			}
		})
	}
}

// sendFailed tells a client that does not read from one that is gone.
func TestSendFailed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       error
		reset     bool
		wantLevel string // "" for no record
	}{
		{name: "not connected", err: server.ErrNotConnected},
		{name: "ws not connected", err: fmt.Errorf("send: %w", ws.ErrNotConnected)},
		{name: "timed out", err: &server.Error{Op: "send", Err: fmt.Errorf("%w: i/o timeout", server.ErrTimedOut)}, reset: true, wantLevel: "WARN"},
		{name: "would block", err: server.ErrWouldBlock, reset: true, wantLevel: "WARN"},
		{name: "ws deadline", err: fmt.Errorf("ws: %w", errors.Join(ws.ErrWouldBlock)), reset: true, wantLevel: "WARN"},
		// The peer is gone: the engine ends the connection with that cause.
		{name: "peer reset", err: &server.Error{Op: "send", Err: syscall.ECONNRESET}, wantLevel: "DEBUG"},
		{name: "broken pipe", err: &server.Error{Op: "send", Err: syscall.EPIPE}, wantLevel: "DEBUG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &testpeer.SlogRecorder{}
			if got := sendFailed(slog.New(h), 7, tt.err); got != tt.reset {
				t.Errorf("reset %v, want %v", got, tt.reset)
			}
			text := h.Text()
			switch {
			case tt.wantLevel == "" && text != "":
				t.Errorf("logged %q", text)
			case tt.wantLevel != "" && !strings.HasPrefix(text, tt.wantLevel+" "):
				t.Errorf("logged %q, want one %s record", text, tt.wantLevel)
			case tt.wantLevel == "DEBUG" && strings.Contains(text, "does not read"):
				t.Errorf("a connection that is gone logged as one that does not read: %q", text)
			}
		})
	}
}

// Each cause is logged once, at its level, whatever the flags (the server's
// Logger is set with --proxy-protocol and without): a failed TLS
// handshake is one Info "handshake failed" record (not also the server's
// Warn "connection error"), a connection refused over --max-conns one
// "connection refused".
func TestServeLogOncePerCause(t *testing.T) {
	t.Parallel()
	for _, flags := range [][]string{nil, {"--proxy-protocol"}, {"--blocked-clients", "192.0.2.1"}} {
		t.Run(strings.Join(append([]string{"flags"}, flags...), " "), func(t *testing.T) {
			t.Parallel()
			proxy := len(flags) > 0 && flags[0] == "--proxy-protocol"
			// dial connects to s, sending a PROXY header naming src with
			// the socket's own port under --proxy-protocol; it returns the
			// address the server sees.
			dial := func(s *served, src string) (net.Conn, string, error) {
				c, err := net.DialTimeout("tcp", strings.TrimPrefix(s.url, "tls://"), 5*time.Second)
				if err != nil {
					return nil, "", err
				}
				_ = c.SetDeadline(time.Now().Add(testpeer.Timeout))
				remote := c.LocalAddr().String()
				if proxy {
					port := c.LocalAddr().(*net.TCPAddr).Port
					_, _ = fmt.Fprintf(c, "PROXY TCP4 %s 127.0.0.1 %d 443\r\n", src, port)
					remote = net.JoinHostPort(src, strconv.Itoa(port))
				}
				return c, remote, nil
			}

			// Not a ClientHello: the handshake fails.
			s := serve(t, append([]string{"--proto", "tls"}, flags...)...)
			c, remote, err := dial(s, "198.51.100.7")
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
			_, _ = io.Copy(io.Discard, c)
			c.Close()
			s.WaitStderr(t, `msg="handshake failed"`)
			// A connection that ends well after it: every record of the
			// first is written.
			ok, _, err := dial(s, "198.51.100.8")
			if err != nil {
				t.Fatal(err)
			}
			if err := tls.Client(ok, &tls.Config{InsecureSkipVerify: true}).Handshake(); err != nil {
				t.Fatal(err)
			}
			ok.Close()
			s.WaitStderr(t, "msg=disconnected")
			stderr := s.Stderr()
			var lines []string
			for _, l := range strings.Split(stderr, "\n") {
				if strings.Contains(l, "remote="+remote+" ") {
					lines = append(lines, l)
				}
			}
			if len(lines) != 1 || !strings.Contains(lines[0], `level=INFO msg="handshake failed"`) {
				t.Errorf("the failed handshake's records, want one Info \"handshake failed\":\n%s\n\nall:\n%s", strings.Join(lines, "\n"), stderr)
			}
			if n := strings.Count(stderr, `msg="connection error"`); n != 0 {
				t.Errorf("%d connection error records, want none:\n%s", n, stderr)
			}

			// The one connection --max-conns allows, then one refused.
			s = serve(t, append([]string{"--proto", "tls", "--max-conns", "1"}, flags...)...)
			held, _, err := dial(s, "198.51.100.9")
			if err != nil {
				t.Fatal(err)
			}
			defer held.Close()
			if err := tls.Client(held, &tls.Config{InsecureSkipVerify: true}).Handshake(); err != nil {
				t.Fatal(err)
			}
			s.WaitStderr(t, "msg=connected")
			if refused, _, err := dial(s, "198.51.100.10"); err == nil { // the reset may come before connect returns
				_, _ = io.Copy(io.Discard, refused)
				refused.Close()
			}
			s.WaitStderr(t, `msg="connection refused"`)
			held.Close()
			s.WaitStderr(t, "msg=disconnected")
			if n := strings.Count(s.Stderr(), `msg="connection refused"`); n != 1 {
				t.Errorf("%d connection refused records, want 1:\n%s", n, s.Stderr())
			}
		})
	}
}
