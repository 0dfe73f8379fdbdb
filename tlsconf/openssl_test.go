package tlsconf

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
)

// Interop with OpenSSL (Debian 12: OpenSSL 3.0). OpenSSL 3.0 has no
// ML-KEM, so the X25519MLKEM768 group is tested Go-to-Go only
// (TestHandshakeGroups).

// goServer serves TLS with cfg on 127.0.0.1:0: each connection is
// handshaken, reported on the returned channel, sent "hello\n" and
// closed.
type serverResult struct {
	info Info
	err  error
}

func goServer(t *testing.T, cfg *tls.Config) (string, <-chan serverResult) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	results := make(chan serverResult, 8)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				tc := tls.Server(c, cfg)
				err := tc.Handshake()
				if err == nil {
					_, _ = tc.Write([]byte("hello\n"))
					_ = tc.Close()
				}
				results <- serverResult{Negotiated(tc.ConnectionState()), err}
			})
		}
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String(), results
}

// sClient runs openssl s_client against addr with -brief and -ign_eof
// (the Go server closes the connection after its greeting), returning the
// combined output and whether the handshake completed.
//
// OpenSSL 3.0's -brief summary has no ALPN line, so with -alpn the full
// output is kept.
func sClient(t *testing.T, addr string, args ...string) (string, bool) {
	t.Helper()
	openssl := testpeer.Tool(t, "openssl")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	argv := []string{"s_client", "-connect", addr, "-servername", "localhost", "-ign_eof"}
	if !slices.Contains(args, "-alpn") {
		argv = append(argv, "-brief")
	}
	argv = append(argv, args...)
	out, _ := exec.CommandContext(ctx, openssl, argv...).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("openssl %v timed out:\n%s", argv, out)
	}
	s := string(out)
	return s, strings.Contains(s, "CONNECTION ESTABLISHED") || strings.Contains(s, "\nSSL-Session:")
}

func serverConfig(t *testing.T, s *Settings, cert tls.Certificate) *tls.Config {
	t.Helper()
	cfg, err := s.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Certificates = []tls.Certificate{cert}
	t.Cleanup(func() { _ = Close(cfg) })
	return cfg
}

func receive(t *testing.T, ch <-chan serverResult) serverResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("the Go server saw no connection")
	}
	return serverResult{}
}

func TestOpenSSLClientProtocols(t *testing.T) {
	t.Parallel()
	p := pki(t)
	tests := []struct {
		name     string
		settings Settings
		args     []string
		want     string // s_client's protocol line; "" = handshake must fail
		version  uint16
	}{
		{name: "default negotiates TLS 1.3", want: "Protocol version: TLSv1.3", version: tls.VersionTLS13},
		{name: "default serves TLS 1.2", args: []string{"-tls1_2"}, want: "Protocol version: TLSv1.2", version: tls.VersionTLS12},
		{name: "default refuses TLS 1.1", args: []string{"-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"}},
		{name: "default refuses TLS 1.0", args: []string{"-tls1", "-cipher", "DEFAULT@SECLEVEL=0"}},
		{name: "TLS1.2 only refuses TLS 1.3", settings: Settings{Protocols: TLS12}, args: []string{"-tls1_3"}},
		{name: "TLS1.3 only", settings: Settings{Protocols: TLS13}, args: []string{"-tls1_3"}, want: "Protocol version: TLSv1.3", version: tls.VersionTLS13},
		{name: "TLS1.0-1.2 serves TLS 1.1", settings: Settings{Protocols: TLS10 | TLS11 | TLS12}, args: []string{"-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"}, want: "Protocol version: TLSv1.1", version: tls.VersionTLS11},
		{name: "TLS1.0-1.2 serves TLS 1.0", settings: Settings{Protocols: TLS10 | TLS11 | TLS12}, args: []string{"-tls1", "-cipher", "DEFAULT@SECLEVEL=0"}, want: "Protocol version: TLSv1\n", version: tls.VersionTLS10},
		{name: "ALPN", settings: Settings{NextProtos: []string{"h2", "echo"}}, args: []string{"-alpn", "echo"}, want: "ALPN protocol: echo", version: tls.VersionTLS13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr, results := goServer(t, serverConfig(t, &tt.settings, p.ecLeaf))
			out, ok := sClient(t, addr, tt.args...)
			r := receive(t, results)
			if tt.want == "" {
				if ok || r.err == nil {
					t.Fatalf("handshake completed, want refusal:\n%s", out)
				}
				if !strings.Contains(r.err.Error(), "version") {
					t.Fatalf("refused for another reason: %v", r.err)
				}
				return
			}
			if !ok || r.err != nil || !strings.Contains(out, tt.want) {
				t.Fatalf("server error %v; want %q in:\n%s", r.err, tt.want, out)
			}
			if r.info.Version != tt.version {
				t.Fatalf("Go side negotiated %s", r.info.VersionName)
			}
			if !strings.Contains(out, "hello") {
				t.Fatalf("the server's greeting did not arrive:\n%s", out)
			}
		})
	}
}

// openSSLGroups maps our groups to OpenSSL 3.0's -groups names and the
// curve name s_client prints in "Server Temp Key".
var openSSLGroups = []struct {
	id       tls.CurveID
	arg      string
	tempKey  string
	needsTLS string
}{
	{tls.X25519, "X25519", "X25519, 253 bits", ""},
	{tls.CurveP256, "P-256", "ECDH, prime256v1, 256 bits", ""},
	{tls.CurveP384, "P-384", "ECDH, secp384r1, 384 bits", ""},
	{tls.CurveP521, "P-521", "ECDH, secp521r1, 521 bits", ""},
}

func TestOpenSSLClientGroups(t *testing.T) {
	t.Parallel()
	p := pki(t)
	tempKey := regexp.MustCompile(`Server Temp Key: .*, (\d+) bits`)
	for _, g := range openSSLGroups {
		for _, version := range []Protocols{TLS12, TLS13} {
			t.Run(g.arg+"/"+version.String(), func(t *testing.T) {
				t.Parallel()
				s := Settings{Protocols: version}
				flag := "-tls1_3"
				cert := p.ecLeaf
				if version == TLS12 {
					s.TLS12Groups, flag = []tls.CurveID{g.id}, "-tls1_2"
					// In TLS 1.2 the group list also limits the ECDSA
					// certificate's curve, so use the RSA certificate.
					cert = p.rsaLeaf
				} else {
					s.TLS13Groups = []tls.CurveID{g.id}
				}
				addr, results := goServer(t, serverConfig(t, &s, cert))
				// OpenSSL offers several groups; the Go server must pick ours.
				out, ok := sClient(t, addr, flag, "-groups", "X25519:P-256:P-384:P-521")
				r := receive(t, results)
				if !ok || r.err != nil || !strings.Contains(out, "Server Temp Key: "+g.tempKey) {
					t.Fatalf("server error %v; want %q in:\n%s", r.err, g.tempKey, out)
				}
				m := tempKey.FindStringSubmatch(out)
				if r.info.Group != g.id || m == nil || m[1] != fmt.Sprint(r.info.KeyExchangeStrength) {
					t.Fatalf("Go side: %s, %d bits; openssl: %v", r.info.GroupName, r.info.KeyExchangeStrength, m)
				}
			})
		}
	}
	t.Run("no common group", func(t *testing.T) {
		t.Parallel()
		s := Settings{TLS13Groups: []tls.CurveID{tls.CurveP521}, Protocols: TLS13}
		addr, results := goServer(t, serverConfig(t, &s, p.ecLeaf))
		out, ok := sClient(t, addr, "-groups", "X25519:P-256")
		if r := receive(t, results); ok || r.err == nil {
			t.Fatalf("handshake completed:\n%s", out)
		}
	})
}

func TestOpenSSLClientCiphers(t *testing.T) {
	t.Parallel()
	p := pki(t)
	tests := []struct {
		name     string
		settings Settings
		args     []string
		want     string // "" = must fail
		suite    uint16
	}{
		{name: "named suite", settings: Settings{Protocols: TLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}},
			want: "Ciphersuite: ECDHE-ECDSA-CHACHA20-POLY1305", suite: tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
		{name: "suite outside the list", settings: Settings{Protocols: TLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}},
			args: []string{"-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"}},
		{name: "strength 256 refuses AES-128", settings: Settings{Protocols: TLS12, MinCipherStrength: 256},
			args: []string{"-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA"}},
		{name: "strength 256 accepts AES-256", settings: Settings{Protocols: TLS12, MinCipherStrength: 256},
			args: []string{"-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384"}, want: "Ciphersuite: ECDHE-ECDSA-AES256-GCM-SHA384", suite: tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
		{name: "TLS 1.3 suite chosen by crypto/tls", settings: Settings{Protocols: TLS13},
			args: []string{"-ciphersuites", "TLS_AES_256_GCM_SHA384"}, want: "Ciphersuite: TLS_AES_256_GCM_SHA384", suite: tls.TLS_AES_256_GCM_SHA384},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr, results := goServer(t, serverConfig(t, &tt.settings, p.ecLeaf))
			args := tt.args
			if tt.settings.Protocols == TLS12 {
				args = append([]string{"-tls1_2"}, args...)
			}
			out, ok := sClient(t, addr, args...)
			r := receive(t, results)
			if tt.want == "" {
				if ok || r.err == nil {
					t.Fatalf("handshake completed with %s:\n%s", r.info.CipherSuiteName, out)
				}
				return
			}
			if !ok || r.err != nil || !strings.Contains(out, tt.want) || r.info.CipherSuite != tt.suite {
				t.Fatalf("server: %v %s; want %q in:\n%s", r.err, r.info.CipherSuiteName, tt.want, out)
			}
		})
	}
}

// sServer starts openssl s_server on 127.0.0.1:0 with the certificate
// and returns its address. The server is stopped at cleanup.
func sServer(t *testing.T, cert tls.Certificate, args ...string) string {
	t.Helper()
	openssl := testpeer.Tool(t, "openssl")
	dir := t.TempDir()
	var chain []byte
	for _, der := range cert.Certificate {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, chain, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	argv := append([]string{"s_server", "-accept", "127.0.0.1:0", "-cert", certFile, "-key", keyFile, "-naccept", "1"}, args...)
	cmd := exec.CommandContext(ctx, openssl, argv...)
	stdin, err := cmd.StdinPipe() // held open: s_server stops at stdin EOF
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "ACCEPT "); ok {
			go func() {
				for sc.Scan() { // drain so s_server never blocks on output
				}
			}()
			return addr
		}
	}
	t.Fatalf("openssl s_server did not start: %v", sc.Err())
	return ""
}

// A Go client enforces the signature allow lists against an OpenSSL
// server's chain.
func TestOpenSSLServerSignatureAlgorithms(t *testing.T) {
	t.Parallel()
	p := pki(t)
	tests := []struct {
		name   string
		cert   tls.Certificate
		client Settings
		reject bool
	}{
		{name: "RSA chain, ECDSA-only TLS 1.3 list", cert: p.rsaLeaf, client: Settings{TLS13SignatureAlgorithms: []SignatureAlgorithm{{Key: "ecdsa", Hash: "sha256", Curve: "secp256r1"}}}, reject: true},
		{name: "RSA chain, RSA TLS 1.2 list", cert: p.rsaLeaf, client: Settings{Protocols: TLS12, TLS12SignatureAlgorithms: []SignatureAlgorithm{{Key: "rsa", Hash: "sha256"}}}},
		{name: "ECDSA chain, RSA-only TLS 1.2 list", cert: p.ecLeaf, client: Settings{Protocols: TLS12, TLS12SignatureAlgorithms: []SignatureAlgorithm{{Key: "rsa", Hash: "sha256"}}}, reject: true},
		{name: "PSS chain, default TLS 1.3 list", cert: p.pssLeaf, client: Settings{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := sServer(t, tt.cert)
			tt.client.ServerName = "localhost"
			tt.client.ServerCAs = []*x509.Certificate{p.ecCA, p.rsaCA}
			cfg, err := tt.client.ClientConfig()
			if err != nil {
				t.Fatal(err)
			}
			d := tls.Dialer{Config: cfg, NetDialer: &net.Dialer{Timeout: 10 * time.Second}}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := d.DialContext(ctx, "tcp", addr)
			if tt.reject {
				var e *Error
				if !errors.As(err, &e) || ipworksCode(e) != 280 || !errors.Is(err, ErrSignatureAlgorithm) {
					t.Fatalf("dial error = %v, want code 280", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c.Close()
		})
	}
}

// The key log written by a Go server decrypts the same session that
// OpenSSL logs from the client side: both files carry identical lines.
func TestOpenSSLKeyLogAgrees(t *testing.T) {
	t.Parallel()
	p := pki(t)
	dir := t.TempDir()
	ours, theirs := filepath.Join(dir, "go.log"), filepath.Join(dir, "openssl.log")
	for _, proto := range []struct {
		p    Protocols
		flag string
	}{{TLS12, "-tls1_2"}, {TLS13, "-tls1_3"}} {
		s := Settings{Protocols: proto.p, KeyLogFile: ours}
		addr, results := goServer(t, serverConfig(t, &s, p.ecLeaf))
		if _, ok := sClient(t, addr, proto.flag, "-keylogfile", theirs); !ok {
			t.Fatal("handshake failed")
		}
		if r := receive(t, results); r.err != nil {
			t.Fatal(r.err)
		}
	}
	goLines := keyLogLines(t, ours)
	sslLines := keyLogLines(t, theirs)
	// TLS 1.2: CLIENT_RANDOM; TLS 1.3: four traffic secrets. (OpenSSL
	// also logs EXPORTER_SECRET, which crypto/tls does not write.)
	if len(goLines) != 5 {
		t.Fatalf("go key log has %d lines, want 5: %v", len(goLines), goLines)
	}
	for l := range goLines {
		if !sslLines[l] {
			t.Errorf("line %q is not in OpenSSL's key log", l)
		}
	}
}

func keyLogLines(t *testing.T, path string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			lines[l] = true
		}
	}
	return lines
}
