package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
)

// tlskit connect against tlskit serve: what goes in comes back; over tcp
// and tls the client half-closes at the end of stdin and exits 0 when the
// server closes, over ws and wss it sends a Close and exits 0 on the answer.
func TestServeConnect(t *testing.T) {
	t.Parallel()
	tc := newTestCerts(t)
	for _, tt := range []struct {
		name        string
		serve       []string
		connect     []string
		input, want string
		verified    string // the Verified line connect prints; "" for plain
		tls12ALPN   string // TLS 1.2 with this ALPN protocol
	}{
		{name: "tcp echo", serve: []string{"--proto", "tcp", "--engine", "portable"},
			input: "hello\nworld", want: "hello\nworld"},
		{name: "tcp line", serve: []string{"--proto", "tcp", "--mode", "line"},
			input: "one\r\ntwo\nlast", want: "one\r\ntwo\nlast"},
		{name: "tls echo, generated certificate", serve: []string{"--proto", "tls"}, connect: []string{"--insecure"},
			input: "secret\n", want: "secret\n", verified: "NO: --insecure accepts any certificate; this connection is NOT secure"},
		{name: "tls line, CA-signed certificate", serve: []string{"--proto", "tls", "--mode", "line", "--cert", tc.server, "--key", tc.serverKey},
			connect: []string{"--ca", tc.ca}, input: "a\nb\n", want: "a\nb\n", verified: "yes"},
		{name: "tls ALPN and TLS 1.2", serve: []string{"--proto", "tls", "--cert", tc.server, "--key", tc.serverKey, "--alpn", "x-test,h2", "--tls-max", "1.2"},
			connect: []string{"--ca", tc.ca, "--alpn", "h2"}, input: "x", want: "x", verified: "yes", tls12ALPN: "h2"},
		// WebSocket: echo keeps the opcode (binary comes back as binary,
		// printed in hex); the close handshake at the end of stdin exits 0.
		{name: "ws echo text", serve: []string{"--proto", "ws", "--path", "/echo"},
			input: "hello\nwörld\r\n\nlast", want: "hello\nwörld\n\nlast\n"},
		{name: "ws echo binary", serve: []string{"--proto", "ws"}, connect: []string{"--binary"},
			input: "hi\n\xff\x00\n", want: "6869\nff00\n"},
		{name: "wss echo, generated certificate", connect: []string{"--insecure"},
			input: "secret\n", want: "secret\n", verified: "NO: --insecure accepts any certificate; this connection is NOT secure"},
		{name: "wss echo, CA-signed certificate, TLS 1.2 and ALPN", serve: []string{"--cert", tc.server, "--key", tc.serverKey, "--alpn", "http/1.1", "--tls-max", "1.2"},
			connect: []string{"--ca", tc.ca, "--alpn", "http/1.1", "--binary"}, input: "x\n", want: "78\n", verified: "yes", tls12ALPN: "http/1.1"},
		{name: "wss client certificate required", serve: []string{"--cert", tc.server, "--key", tc.serverKey, "--client-auth", "require", "--client-ca", tc.ca},
			connect: []string{"--ca", tc.ca, "--cert", tc.client, "--key", tc.clientKey}, input: "mutual\n", want: "mutual\n", verified: "yes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := serve(t, tt.serve...)
			stdout, stderr, code := connect(t, tt.input, append([]string{s.url}, tt.connect...)...)
			if code != 0 || stdout != tt.want {
				t.Fatalf("connect exited %d with stdout %q, want 0 and %q\n%s", code, stdout, tt.want, stderr)
			}
			if strings.HasPrefix(s.url, "ws") {
				for name, want := range map[string]string{
					"Status": "101 Switching Protocols", "Subprotocol": "none", "Closed": "1000",
					"Extensions": "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
				} {
					if got := field(stderr, name); got != want {
						t.Errorf("%s: %q, want %q\n%s", name, got, want, stderr)
					}
				}
			} else if !strings.Contains(stderr, "Closed by the server") {
				t.Errorf("connect did not report the server's close:\n%s", stderr)
			}
			s.checkTLSDetails(t, stderr, tt.verified, tt.tls12ALPN)
			if tt.tls12ALPN != "" {
				s.WaitStderr(t, "alpn="+tt.tls12ALPN)
			}
		})
	}
}

// In line mode nothing comes back before the end of the line; in echo
// mode every byte comes back as it arrives.
func TestServeLineVersusEcho(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"echo", "line"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			s := serve(t, "--proto", "tcp", "--mode", mode)
			c := tlskit(t, "connect", s.url)
			c.WaitStderr(t, "Connected to")
			c.Write(t, "ab")
			if mode == "echo" {
				c.WaitStdout(t, "ab")
			} else {
				time.Sleep(300 * time.Millisecond)
				if out := c.Stdout(); out != "" {
					t.Fatalf("line mode answered %q before the end of the line", out)
				}
			}
			c.Write(t, "c\n")
			c.WaitStdout(t, "abc\n")
			c.CloseStdin()
			if code := c.Wait(t); code != 0 || c.Stdout() != "abc\n" {
				t.Fatalf("exit %d, stdout %q\n%s", code, c.Stdout(), c.Output())
			}
		})
	}
}

// In broadcast mode every line (over ws and wss: every message) reaches
// every client, the sender included.
func TestServeBroadcast(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		proto   string
		connect []string
	}{
		{proto: "tcp"},
		{proto: "tls", connect: []string{"--insecure"}},
		{proto: "ws"},
		{proto: "wss", connect: []string{"--insecure"}},
	} {
		t.Run(tt.proto, func(t *testing.T) {
			t.Parallel()
			s := serve(t, "--proto", tt.proto, "--mode", "broadcast")
			a := tlskit(t, append([]string{"connect", s.url}, tt.connect...)...)
			b := tlskit(t, append([]string{"connect", s.url}, tt.connect...)...)
			a.WaitStderr(t, "Connected to")
			b.WaitStderr(t, "Connected to")
			// Both, whichever was accepted first: over TLS a client may say
			// "Connected" before the server has its Finished, and a line
			// broadcast then would miss the connection still handshaking.
			s.WaitStderr(t, "msg=connected id=1 ")
			s.WaitStderr(t, "msg=connected id=2 ")
			a.Write(t, "from a\n")
			b.WaitStdout(t, "from a\n")
			a.WaitStdout(t, "from a\n")
			b.Write(t, "from b\n")
			a.WaitStdout(t, "from b\n")
			b.WaitStdout(t, "from b\n")
			for _, c := range []*testpeer.Proc{a, b} {
				c.CloseStdin()
				if code := c.Wait(t); code != 0 || c.Stdout() != "from a\nfrom b\n" {
					t.Errorf("%s: exit %d, stdout %q", c.Name, code, c.Stdout())
				}
			}
		})
	}
}

// openssl s_client against tlskit serve with --client-auth require.
func TestServeClientAuthOpenSSL(t *testing.T) {
	t.Parallel()
	openssl := testpeer.Tool(t, "openssl")
	tc := newTestCerts(t)
	s := serve(t, "--proto", "tls", "--cert", tc.server, "--key", tc.serverKey,
		"--client-auth", "require", "--client-ca", tc.ca)
	addr := strings.TrimPrefix(s.url, "tls://")
	sClientArgs := func(args ...string) []string {
		return append([]string{"s_client", "-connect", addr,
			"-servername", "localhost", "-CAfile", tc.ca, "-verify_return_error", "-brief"}, args...)
	}

	t.Run("presented", func(t *testing.T) {
		c := testpeer.Start(t, nil, openssl, sClientArgs("-cert", tc.client, "-key", tc.clientKey)...)
		c.Write(t, "ping\n")
		c.WaitStdout(t, "ping\n")
		c.CloseStdin()
		c.Wait(t)
		s.WaitStderr(t, `client="CN=test client,O=tlskit"`)
	})
	for _, tt := range []struct {
		name      string
		args      []string
		serverLog string
	}{
		{name: "missing", serverLog: "client didn't provide a certificate"},
		{name: "untrusted", args: []string{"-cert", tc.other, "-key", tc.otherKey}, serverLog: "certificate signed by unknown authority"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// The server rejects the client, which may exit before a
			// Write to its stdin: "ping" is its stdin from the start.
			c := testpeer.StartInput(t, nil, "ping\n", openssl, sClientArgs(tt.args...)...)
			c.Wait(t)
			if strings.Contains(c.Stdout(), "ping") {
				t.Fatalf("the server answered a client whose certificate is %s:\n%s", tt.name, c.Output())
			}
			s.WaitStderr(t, tt.serverLog)
		})
	}
}

// SIGINT and SIGTERM shut the server down gracefully: open connections are
// closed, the process exits 0.
func TestServeSignals(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			p := tlskit(t, "serve", "--proto", "tcp", "--listen", "127.0.0.1:0")
			url := p.StdoutLines(t, 1)[0]
			c, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "tcp://"), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			client := tlskit(t, "connect", url) // stdin stays open
			client.WaitStderr(t, "Connected to")
			// Both connections must be admitted before the signal: one the
			// server accepted but had not yet admitted when it stopped
			// listening is reset, as one still in the listen backlog is,
			// and admissions run in parallel, so id=2 may come first.
			p.WaitStderr(t, "msg=connected id=1 ")
			p.WaitStderr(t, "msg=connected id=2 ")
			p.Signal(t, sig)
			if code := p.Wait(t); code != 0 {
				t.Fatalf("exit %d after %v\n%s", code, sig, p.Output())
			}
			if code := client.Wait(t); code != 0 || !strings.Contains(client.Stderr(), "Closed by the server") {
				t.Errorf("connect exited %d when the server stopped\n%s", code, client.Output())
			}
			if !strings.Contains(p.Stderr(), "msg=stopped") {
				t.Errorf("no stop message:\n%s", p.Stderr())
			}
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if n, err := c.Read(make([]byte, 1)); err != io.EOF {
				t.Fatalf("the open connection got %d bytes, %v; want EOF", n, err)
			}
		})
	}
}

// README's first command: with no flags serve is a wss echo server on
// 127.0.0.1:8443 with a generated certificate (the port is not bound here).
func TestServeDefaults(t *testing.T) {
	t.Parallel()
	cmd := newServeCmd()
	for name, want := range map[string]string{
		"proto": "wss", "mode": "echo", "listen": "127.0.0.1:8443", "cert": "", "path": "/",
		"client-auth": "none", "handshake-timeout": "10s", "tls-min": "1.2", "tls-max": "1.3",
		"deflate": "true", "max-message-size": "33554432",
		"idle-timeout": "5m0s", "max-conns-per-addr": "100", "max-conns": "0", "send-timeout": "30s",
	} {
		if got := cmd.Flags().Lookup(name).DefValue; got != want {
			t.Errorf("--%s defaults to %q, want %q", name, got, want)
		}
	}
}

func TestServeFlagErrors(t *testing.T) {
	t.Parallel()
	tc := newTestCerts(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--proto", "udp"}, `--proto "udp": use tcp, tls, ws, wss`},
		{[]string{"--proto", "tls", "--mode", "chat"}, `--mode "chat": --proto tls takes echo, line, broadcast`},
		{[]string{"--mode", "line"}, `--mode "line": --proto wss takes echo, broadcast, chat`},
		{[]string{"--proto", "ws", "--cert", tc.server}, "--cert needs TLS, but --proto ws is plain: use --proto wss"},
		{[]string{"--proto", "ws", "--keylog", "k.log"}, "--keylog needs TLS"},
		{[]string{"--proto", "tls", "--path", "/ws"}, "--path is for WebSocket"},
		{[]string{"--path", "ws"}, `--path "ws": want an absolute path`},
		{[]string{"--path", "/a?b=1"}, `--path "/a?b=1"`},
		{[]string{"--proto", "ws", "--idle-timeout", "-1s"}, "timeouts must not be negative"},
		{[]string{"--proto", "tcp", "--send-timeout", "0"}, "--send-timeout must be positive"},
		{[]string{"--send-timeout", "-1s"}, "--send-timeout must be positive"},
		{[]string{"--proto", "ws", "--max-message-size", "0"}, "--max-message-size 0: want 1 to 1073741824 bytes"},
		{[]string{"--max-message-size", "-1"}, "--max-message-size -1: want 1 to 1073741824 bytes"},
		{[]string{"--max-message-size", "1073741825"}, "--max-message-size 1073741825: want 1 to"},
		{[]string{"--max-message-size", "1MiB"}, `invalid argument "1MiB" for "--max-message-size"`},
		{[]string{"--deflate=maybe"}, `invalid argument "maybe" for "--deflate"`},
		{[]string{"--proto", "tcp", "--proxy-from", "10.0.0.1"}, "--proxy-from needs --proxy-protocol"},
		{[]string{"--proto", "tcp", "--proxy-protocol", "--proxy-from", "10.0.0.0/8,10.0.0.300"}, `--proxy-from: "10.0.0.300" is not an IP address or CIDR prefix`},
		{[]string{"--proto", "tcp", "--max-message-size", "1000"}, "--max-message-size is for WebSocket: --proto tcp"},
		{[]string{"--proto", "tls", "--deflate=false"}, "--deflate is for WebSocket: --proto tls"},
		{[]string{"--proto", "tcp", "--cert", tc.server}, "--cert needs TLS, but --proto tcp is plain"},
		{[]string{"--proto", "tcp", "--alpn", "h2"}, "--alpn needs TLS"},
		{[]string{"--proto", "tcp", "--client-auth", "require"}, "--client-auth needs TLS"},
		{[]string{"--client-ca", tc.ca}, "--client-ca has no effect with --client-auth none"},
		{[]string{"--client-auth", "require"}, "--client-auth require needs --client-ca FILE"},
		{[]string{"--client-auth", "maybe"}, `--client-auth "maybe": use none, request or require`},
		{[]string{"--key", tc.serverKey}, "--key needs --cert"},
		{[]string{"--reload-cert", "1m"}, "--reload-cert needs --cert"},
		{[]string{"--cert", tc.server, "--key", tc.serverKey, "--reload-cert", "-1s"}, "--reload-cert must not be negative"},
		{[]string{"--listen", "8443"}, `--listen "8443": want HOST:PORT`},
		{[]string{"--listen", "127.0.0.1:99999"}, "port must be a number from 0 to 65535"},
		{[]string{"--tls-min", "1.3", "--tls-max", "1.2"}, "--tls-min 1.3 is above --tls-max 1.2"},
		{[]string{"--tls-min", "ssl3"}, `--tls-min "ssl3"`},
		{[]string{"--engine", "io_uring", "--listen", "127.0.0.1:0"}, "io_uring"},
		{[]string{"--cert", tc.ca}, "private key"},
		{[]string{"--proto", "ws", "--acme", "a.tlskit.test"}, "--acme needs TLS, but --proto ws is plain: use --proto wss"},
		{[]string{"--acme", "a.tlskit.test", "--cert", tc.server}, "--acme and --cert both choose the certificate"},
		{[]string{"--acme", "a.tlskit.test", "--reload-cert", "1m"}, "--acme and --reload-cert both choose the certificate"},
		{[]string{"--acme-dir", "https://ca.tlskit.test/dir"}, "--acme-dir needs --acme NAME"},
		{[]string{"--acme-email", "ops@tlskit.test"}, "--acme-email needs --acme NAME"},
		{[]string{"--acme-http", ":80"}, "--acme-http needs --acme NAME"},
		{[]string{"--acme", ""}, "--acme needs at least one DNS name"},
		{[]string{"--acme", "a.tlskit.test", "--acme-staging", "--acme-dir", "https://ca.tlskit.test/dir"}, "--acme-staging and --acme-dir both choose the directory"},
		{[]string{"--acme", "a.tlskit.test", "--acme-retry", "0s"}, "--acme-retry must be positive"},
		{[]string{"--acme", "127.0.0.1", "--acme-cache", t.TempDir()}, "is an IP address"},
		{[]string{"--acme", "*.tlskit.test", "--acme-cache", t.TempDir()}, "DNS-01"},
		{[]string{"--acme", "a.tlskit.test", "--acme-dir", "http://ca.tlskit.test/dir", "--acme-cache", t.TempDir()}, "want an https:// URL"},
		{[]string{"--acme", "a.tlskit.test", "--acme-ca-root", filepath.Join(t.TempDir(), "none.pem"), "--acme-cache", t.TempDir()}, "--acme-ca-root"},
		{[]string{"extra"}, "unknown command"},
	} {
		_, err := runCLI(t, append([]string{"serve"}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("serve %v: %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
}

// --client-auth request asks for a certificate but lets clients without one
// in; with --client-ca the certificate given must verify.
func TestServeClientAuthRequest(t *testing.T) {
	t.Parallel()
	tc := newTestCerts(t)
	s := serve(t, "--proto", "tls", "--cert", tc.server, "--key", tc.serverKey, "--client-auth", "request", "--client-ca", tc.ca)
	if out, _, code := connect(t, "anonymous", s.url, "--ca", tc.ca); code != 0 || out != "anonymous" {
		t.Fatalf("a client without a certificate: exit %d, %q", code, out)
	}
	if out, _, code := connect(t, "known", s.url, "--ca", tc.ca, "--cert", tc.client, "--key", tc.clientKey); code != 0 || out != "known" {
		t.Fatalf("a client with a certificate: exit %d, %q", code, out)
	}
	s.WaitStderr(t, `client="CN=test client,O=tlskit"`)
	// Go clients send no certificate the server's CA list does not name;
	// openssl sends it anyway, and the server must refuse it.
	c := testpeer.Start(t, nil, testpeer.Tool(t, "openssl"), "s_client", "-brief", "-connect", strings.TrimPrefix(s.url, "tls://"),
		"-CAfile", tc.ca, "-cert", tc.other, "-key", tc.otherKey)
	c.Write(t, "stranger\n")
	c.CloseStdin()
	c.Wait(t)
	if strings.Contains(c.Stdout(), "stranger") {
		t.Fatalf("a client with an untrusted certificate was answered:\n%s", c.Output())
	}
	s.WaitStderr(t, "certificate signed by unknown authority")

	// Without --client-ca any certificate is taken, unverified, and logged.
	s = serve(t, "--proto", "tls", "--cert", tc.server, "--key", tc.serverKey, "--client-auth", "request")
	if out, _, code := connect(t, "self-signed", s.url, "--ca", tc.ca, "--cert", tc.other, "--key", tc.otherKey); code != 0 || out != "self-signed" {
		t.Fatalf("request without --client-ca: exit %d, %q", code, out)
	}
	s.WaitStderr(t, `client="CN=localhost,O=tlskit"`)
}

// --keylog on both sides writes the same NSS key log lines.
func TestServeConnectKeyLog(t *testing.T) {
	t.Parallel()
	tc := newTestCerts(t)
	for _, tt := range []struct{ proto, input, want string }{
		{proto: "tls", input: "x", want: "x"},
		{proto: "wss", input: "x\n", want: "x\n"},
	} {
		t.Run(tt.proto, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			serverLog, clientLog := filepath.Join(dir, "server.keys"), filepath.Join(dir, "client.keys")
			s := serve(t, "--proto", tt.proto, "--cert", tc.server, "--key", tc.serverKey, "--keylog", serverLog)
			s.WaitStderr(t, "anyone who reads it can decrypt the traffic")
			if out, _, code := connect(t, tt.input, s.url, "--ca", tc.ca, "--keylog", clientLog); code != 0 || out != tt.want {
				t.Fatalf("exit %d, %q", code, out)
			}
			read := func(path string) string {
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				return string(data)
			}
			server, client := read(serverLog), read(clientLog)
			if !regexp.MustCompile(`(?m)^CLIENT_TRAFFIC_SECRET_0 [0-9a-f]{64} [0-9a-f]{64,96}$`).MatchString(server) || server != client {
				t.Fatalf("key logs differ or are not in the NSS format:\nserver:\n%s\nclient:\n%s", server, client)
			}
		})
	}
}

// --cert takes any format: PEM certificate and key in one file, PFX with
// its password.
func TestServeCertificateFiles(t *testing.T) {
	t.Parallel()
	tc := newTestCerts(t)
	both := filepath.Join(t.TempDir(), "both.pem")
	certPEM, keyPEM, err := tc.serverCert.EncodePEM()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(both, append(certPEM, keyPEM...), 0o600); err != nil {
		t.Fatal(err)
	}
	if s := serve(t, "--cert", both); s.fingerprint != tc.serverCert.FingerprintSHA256 {
		t.Fatalf("serve uses %s, the PEM file holds %s", s.fingerprint, tc.serverCert.FingerprintSHA256)
	}

	pfx := filepath.Join(t.TempDir(), "server.pfx")
	pfxData, err := tc.serverCert.EncodePFX("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pfx, pfxData, 0o600); err != nil {
		t.Fatal(err)
	}
	s := serve(t, "--cert", pfx, "--password", "s3cret")
	if s.fingerprint != tc.serverCert.FingerprintSHA256 {
		t.Fatalf("serve uses %s, the PFX holds %s", s.fingerprint, tc.serverCert.FingerprintSHA256)
	}
	if _, err := runCLI(t, "serve", "--cert", pfx, "--password", "wrong", "--listen", "127.0.0.1:0"); err == nil {
		t.Fatal("a wrong PFX password was accepted")
	}
}

func TestServeIPv6(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ln.Close()
	p := tlskit(t, "serve", "--proto", "tcp", "--listen", "[::1]:0")
	url := p.StdoutLines(t, 1)[0]
	if !strings.HasPrefix(url, "tcp://[::1]:") {
		t.Fatalf("URL %q, want tcp://[::1]:PORT", url)
	}
	if out, _, code := connect(t, "v6", url); code != 0 || out != "v6" {
		t.Fatalf("over IPv6: exit %d, %q", code, out)
	}
	p.Signal(t, syscall.SIGINT)
	p.Wait(t)
}

// --max-conns, --idle-timeout and --handshake-timeout close connections,
// over WebSocket too (where the handshake timeout bounds the upgrade).
func TestServeLimits(t *testing.T) {
	t.Parallel()
	dialServe := func(t *testing.T, s *served) net.Conn {
		t.Helper()
		addr, _, _ := strings.Cut(s.url[strings.Index(s.url, "://")+3:], "/") // ws URLs have a path
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	closedWithin := func(t *testing.T, c net.Conn, d time.Duration) {
		t.Helper()
		c.SetReadDeadline(time.Now().Add(d))
		if _, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("connection still open after %v: %v", d, err)
		}
	}

	t.Run("max-conns", func(t *testing.T) {
		t.Parallel()
		s := serve(t, "--proto", "tcp", "--max-conns", "1")
		first := dialServe(t, s)
		s.WaitStderr(t, "msg=connected id=1")
		// The second is reset at once, sometimes before connect returns.
		if second, err := net.DialTimeout("tcp", strings.TrimPrefix(s.url, "tcp://"), 5*time.Second); err == nil {
			defer second.Close()
			closedWithin(t, second, 5*time.Second)
		}
		first.Write([]byte("still served"))
		first.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(first, make([]byte, len("still served"))); err != nil {
			t.Fatalf("the first connection: %v", err)
		}
	})
	t.Run("idle-timeout", func(t *testing.T) {
		t.Parallel()
		s := serve(t, "--proto", "tcp", "--idle-timeout", "300ms")
		closedWithin(t, dialServe(t, s), 5*time.Second)
		s.WaitStderr(t, "status=10060")
	})
	t.Run("handshake-timeout", func(t *testing.T) {
		t.Parallel()
		s := serve(t, "--proto", "tls", "--handshake-timeout", "300ms")
		closedWithin(t, dialServe(t, s), 5*time.Second) // never sends a ClientHello
		s.WaitStderr(t, "status=10060")
	})
	t.Run("ws max-conns", func(t *testing.T) {
		t.Parallel()
		s := serve(t, "--proto", "ws", "--max-conns", "1")
		first := tlskit(t, "connect", s.url) // stdin stays open
		first.WaitStderr(t, "Extensions:")
		if out, stderr, code := connect(t, "x\n", s.url); code != 1 || out != "" {
			t.Fatalf("a second connection: exit %d, stdout %q\n%s", code, out, stderr)
		}
		first.Write(t, "still served\n")
		first.WaitStdout(t, "still served\n")
		first.CloseStdin()
		if code := first.Wait(t); code != 0 {
			t.Fatalf("the first connection: exit %d\n%s", code, first.Stderr())
		}
	})
	t.Run("ws idle-timeout", func(t *testing.T) {
		t.Parallel()
		s := serve(t, "--proto", "ws", "--idle-timeout", "300ms")
		c := tlskit(t, "connect", s.url) // stdin stays open: the WebSocket is idle
		c.WaitStderr(t, "Extensions:")
		// Closed with a Close frame (1001, going away), which connect takes
		// as a normal end, not dropped (1006).
		if code := c.Wait(t); code != 0 || field(c.Stderr(), "Closed") != `1001 "idle timeout"` {
			t.Fatalf("an idle WebSocket: exit %d\n%s", code, c.Stderr())
		}
		s.WaitStderr(t, "status=1001")
	})
	t.Run("ws handshake-timeout", func(t *testing.T) {
		t.Parallel()
		s := serve(t, "--proto", "ws", "--handshake-timeout", "300ms")
		closedWithin(t, dialServe(t, s), 5*time.Second) // never sends the upgrade request
	})
}

func TestServeListenAddress(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		listen  string
		host    string
		port    int
		useIPv6 int
	}{
		{listen: "127.0.0.1:8443", host: "127.0.0.1", port: 8443},
		{listen: ":0", host: "", port: 0},
		{listen: "[::1]:9", host: "::1", port: 9, useIPv6: 1},
		{listen: "[::]:9", host: "::", port: 9, useIPv6: 1},
		{listen: "localhost:9", host: "localhost", port: 9},
	} {
		host, port, useIPv6, err := parseListen(tt.listen)
		if err != nil || host != tt.host || port != tt.port || useIPv6 != tt.useIPv6 {
			t.Errorf("parseListen(%q) = %q, %d, %d, %v; want %q, %d, %d", tt.listen, host, port, useIPv6, err, tt.host, tt.port, tt.useIPv6)
		}
	}
	for addr, want := range map[string]string{
		"0.0.0.0:5": "tls://127.0.0.1:5", "[::]:5": "tls://[::1]:5", "[::ffff:127.0.0.1]:5": "tls://127.0.0.1:5", "10.1.2.3:5": "tls://10.1.2.3:5",
	} {
		if got := serveURL("tls", net.TCPAddrFromAddrPort(netip.MustParseAddrPort(addr))); got != want {
			t.Errorf("serveURL(%s) = %s, want %s", addr, got, want)
		}
	}
}

// --reload-cert follows --cert as it is renewed: new connections get the
// new certificate, a file that does not load is reported and the last good
// certificate stays.
func TestServeReloadCert(t *testing.T) {
	t.Parallel()
	tc := newTestCerts(t)
	live := filepath.Join(t.TempDir(), "live.pem")
	// Certificate and key in one file, renamed into place: no moment where
	// a new certificate meets the old key.
	install := func(parts ...string) {
		t.Helper()
		var b []byte
		for _, p := range parts {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, data...)
		}
		if err := os.WriteFile(live+".tmp", b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(live+".tmp", live); err != nil {
			t.Fatal(err)
		}
	}
	install(tc.server, tc.serverKey)
	s := serve(t, "--proto", "tls", "--cert", live, "--reload-cert", "20ms")
	if s.fingerprint != tc.serverCert.FingerprintSHA256 {
		t.Fatalf("serving %s, want %s", s.fingerprint, tc.serverCert.FingerprintSHA256)
	}
	presented := func() string {
		t.Helper()
		out, stderr, code := connect(t, "ping", s.url, "--insecure")
		if code != 0 || out != "ping" {
			t.Fatalf("connect: exit %d, %q\n%s", code, out, stderr)
		}
		return field(stderr, "FingerprintSHA256")
	}
	if got := presented(); got != tc.serverCert.FingerprintSHA256 {
		t.Fatalf("before renewal the server presented %s", got)
	}
	install(tc.other, tc.otherKey)
	s.WaitStderr(t, "FingerprintSHA256="+tc.otherFingerprint256)
	if got := presented(); got != tc.otherFingerprint256 {
		t.Fatalf("after renewal the server presented %s, want %s", got, tc.otherFingerprint256)
	}
	if strings.Contains(s.Stderr(), "certificate not reloaded") {
		t.Fatalf("a good renewal was reported as failed:\n%s", s.Stderr())
	}
	if err := os.WriteFile(live, []byte("half-written"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.WaitStderr(t, "certificate not reloaded")
	if got := presented(); got != tc.otherFingerprint256 {
		t.Fatalf("after a broken file the server presented %s", got)
	}
}

// --metrics serves Prometheus metrics of the server's traffic.
func TestServeMetrics(t *testing.T) {
	t.Parallel()
	for _, proto := range []string{"ws", "tls"} {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			s := serve(t, "--proto", proto, "--metrics", "127.0.0.1:0")
			url := metricsURL(t, s)
			args := []string{s.url}
			if proto == "tls" {
				args = append(args, "--insecure")
			}
			if out, stderr, code := connect(t, "hello\n", args...); code != 0 || strings.TrimSpace(out) != "hello" {
				t.Fatalf("connect: exit %d, %q\n%s", code, out, stderr)
			}
			want := []string{"tlskit_connections_opened_total 1", "tlskit_connections_closed_total 1", "go_goroutines"}
			if proto == "ws" {
				want = append(want, `tlskit_websocket_messages_total{direction="received"} 1`, `tlskit_websocket_messages_total{direction="sent"} 1`)
			} else {
				want = append(want, `tlskit_tls_handshakes_total{result="ok"} 1`, `tlskit_bytes_total{direction="received"} 6`)
			}
			scrapeFor(t, url, want...)
		})
	}
}

// metricsURL returns the metrics URL s logged.
func metricsURL(t *testing.T, s *served) string {
	t.Helper()
	m := regexp.MustCompile(`msg=metrics url=(http://\S+/metrics)`).FindStringSubmatch(s.Stderr())
	if m == nil {
		t.Fatalf("no metrics URL logged:\n%s", s.Stderr())
	}
	return m[1]
}

// scrapeFor scrapes url until its exposition holds every line of want.
func scrapeFor(t *testing.T, url string, want ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		missing := ""
		for _, w := range want {
			if !strings.Contains(string(body), w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics lack %q:\n%s", missing, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServeErrorMetrics: the error counters and the message size histogram
// of `tlskit serve --metrics`, scraped over HTTP, move on real events: a
// TLS 1.1 handshake from openssl (reason protocol_version), a connection
// over --max-conns-per-addr (cause per_address_limit), an unmasked client
// frame (closed with 1002) and an echoed message (its size both ways).
func TestServeErrorMetrics(t *testing.T) {
	t.Parallel()
	t.Run("tls", func(t *testing.T) {
		t.Parallel()
		s := serve(t, "--proto", "tls", "--metrics", "127.0.0.1:0", "--max-conns-per-addr", "1")
		url := metricsURL(t, s)
		addr := strings.TrimPrefix(s.url, "tls://")
		out, _ := exec.Command("openssl", "s_client", "-connect", addr, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0").CombinedOutput()
		scrapeFor(t, url, `tlskit_tls_handshake_failures_total{reason="protocol_version"} 1`, `tlskit_tls_handshakes_total{result="failed"} 1`)
		if !strings.Contains(string(out), "alert protocol version") {
			t.Logf("openssl s_client:\n%s", out)
		}
		scrapeFor(t, url, "tlskit_connections_closed_total 1")
		hold, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer hold.Close()
		scrapeFor(t, url, "tlskit_connections_opened_total 2")
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, _ = io.Copy(io.Discard, c)
			c.Close()
		}
		scrapeFor(t, url, `tlskit_connections_refused_total{cause="per_address_limit"} 1`, `tlskit_connections_refused_total{cause="access_list"} 0`)
	})
	t.Run("ws", func(t *testing.T) {
		t.Parallel()
		s := serve(t, "--proto", "ws", "--metrics", "127.0.0.1:0")
		url := metricsURL(t, s)
		if out, stderr, code := connect(t, "hello\n", s.url); code != 0 || strings.TrimSpace(out) != "hello" {
			t.Fatalf("connect: exit %d, %q\n%s", code, out, stderr)
		}
		scrapeFor(t, url, `tlskit_websocket_message_size_bytes_bucket{direction="received",le="64"} 1`,
			`tlskit_websocket_message_size_bytes_count{direction="sent"} 1`)
		c, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(s.url, "ws://"), "/"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		_, _ = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("upgrade: %v %v", resp, err)
		}
		_, _ = c.Write([]byte{0x81, 0x02, 'h', 'i'}) // unmasked: a protocol error
		scrapeFor(t, url, `tlskit_websocket_protocol_errors_total{code="1002"} 1`)
	})
}
