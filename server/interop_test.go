package server

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
	"github.com/tlskit/tlskit/tlsconf"
)

// Interop with real TLS clients: openssl s_client and gnutls-cli talk to
// an echo server on every engine.

// peerFiles are PEM files of the test PKI for the external tools.
type peerFiles struct {
	ca                string
	client, clientKey string
}

func writePeerFiles(t *testing.T) peerFiles {
	t.Helper()
	p := getPKI(t)
	dir := t.TempDir()
	f := peerFiles{ca: filepath.Join(dir, "ca.pem")}
	writePEMFile(t, f.ca, "CERTIFICATE", p.ca.Raw)
	cc := p.leaf(t, "interop client", true, "ecdsa")
	f.client, f.clientKey = filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem")
	writePEMFile(t, f.client, "CERTIFICATE", cc.Certificate[0])
	key, err := x509.MarshalPKCS8PrivateKey(cc.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	writePEMFile(t, f.clientKey, "PRIVATE KEY", key)
	return f
}

func writePEMFile(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// connLog records what OnConnected and OnError saw, for the checks made
// from the server's side.
type connLog struct {
	mu     sync.Mutex
	infos  []SSLInfo
	errors []string
}

func (l *connLog) events() Events {
	ev := echoEvents()
	ev.OnConnected = func(c *Conn) {
		info, _ := c.TLS()
		l.mu.Lock()
		l.infos = append(l.infos, info)
		l.mu.Unlock()
	}
	ev.OnError = func(_ *Conn, err error) {
		l.mu.Lock()
		l.errors = append(l.errors, err.Error())
		l.mu.Unlock()
	}
	return ev
}

func (l *connLog) last(t *testing.T) SSLInfo {
	t.Helper()
	waitFor(t, "a connection", func() bool { l.mu.Lock(); defer l.mu.Unlock(); return len(l.infos) > 0 })
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.infos[len(l.infos)-1]
}

func (l *connLog) waitError(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		l.mu.Lock()
		errs := slices.Clone(l.errors)
		l.mu.Unlock()
		if slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, want) }) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no error containing %q; the server reported %q", want, errs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sClient starts openssl s_client against s; -brief ends it at stdin's EOF.
func sClient(t *testing.T, s *Server, f peerFiles, args ...string) *testpeer.Proc {
	t.Helper()
	return testpeer.Start(t, nil, testpeer.Tool(t, "openssl"), append([]string{"s_client",
		"-connect", s.Addr().String(), "-CAfile", f.ca, "-verify_return_error"}, args...)...)
}

// echoOnce sends a line through a client process, waits for the echo and
// lets the client end.
func echoOnce(t *testing.T, c *testpeer.Proc, line string) {
	t.Helper()
	c.Write(t, line)
	c.WaitStdout(t, line)
	c.CloseStdin()
	c.Wait(t)
}

// refused runs an s_client the server must refuse, with a line on its
// stdin from the start (it may exit before a later write could reach
// it: a broken pipe), and checks that no echo came back.
func refused(t *testing.T, s *Server, f peerFiles, args ...string) {
	t.Helper()
	c := testpeer.StartInput(t, nil, "ping\n", testpeer.Tool(t, "openssl"), append([]string{"s_client",
		"-connect", s.Addr().String(), "-CAfile", f.ca, "-verify_return_error"}, args...)...)
	c.Wait(t)
	if strings.Contains(c.Stdout(), "ping") {
		t.Fatalf("the server answered:\n%s", c.Output())
	}
}

func TestOpenSSLClientEcho(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := writePeerFiles(t)
		for _, tt := range []struct {
			flag, want string
		}{
			{flag: "-tls1_2", want: "TLS1.2"},
			{flag: "-tls1_3", want: "TLS1.3"},
		} {
			t.Run(tt.want, func(t *testing.T) {
				var log connLog
				s := start(t, engine, Options{DefaultEOL: []byte("\n"), TLSConfig: getPKI(t).serverConfig(), Events: log.events()})
				c := sClient(t, s, f, "-brief", "-servername", "localhost", "-verify_hostname", "localhost", tt.flag)
				echoOnce(t, c, "hello over "+tt.want+"\n")
				if got := log.last(t).VersionName; got != tt.want {
					t.Errorf("server negotiated %q, want %q", got, tt.want)
				}
				if !strings.Contains(c.Stderr(), "Verification: OK") {
					t.Errorf("s_client did not verify the server:\n%s", c.Stderr())
				}
			})
		}
	})
}

// TLS 1.1 is refused by default; the same client gets through a server that
// enables it, so the refusal is the server's.
func TestOpenSSLClientTLS11(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := writePeerFiles(t)
		tls11 := []string{"-brief", "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"}

		var log connLog
		s := start(t, engine, Options{DefaultEOL: []byte("\n"), TLSConfig: getPKI(t).serverConfig(), Events: log.events()})
		refused(t, s, f, tls11...)
		log.waitError(t, "client offered only unsupported versions")

		cfg := getPKI(t).serverConfig()
		cfg.MinVersion = tls.VersionTLS11
		s = start(t, engine, Options{DefaultEOL: []byte("\n"), TLSConfig: cfg, Events: log.events()})
		echoOnce(t, sClient(t, s, f, tls11...), "old\n")
		if got := log.last(t).VersionName; got != "TLS1.1" {
			t.Fatalf("explicitly enabled TLS 1.1 negotiated %q", got)
		}
	})
}

func TestOpenSSLClientCertificate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := writePeerFiles(t)
		var log connLog
		cfg := getPKI(t).serverConfig()
		cfg.ClientCAs = getPKI(t).pool
		s := start(t, engine, Options{DefaultEOL: []byte("\n"), TLSConfig: cfg, SSLAuthenticateClients: true, Events: log.events()})

		echoOnce(t, sClient(t, s, f, "-brief", "-cert", f.client, "-key", f.clientKey), "with certificate\n")
		info := log.last(t)
		if len(info.PeerCertificates) == 0 || info.PeerCertificates[0].Subject.CommonName != "interop client" {
			t.Fatalf("the server did not see the client certificate: %+v", info.PeerCertificates)
		}
		refused(t, s, f, "-brief")
		log.waitError(t, "client didn't provide a certificate")
	})
}

func TestOpenSSLClientALPN(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := writePeerFiles(t)
		var log connLog
		cfg := getPKI(t).serverConfig()
		cfg.NextProtos = []string{"h2", "x-tlskit"}
		s := start(t, engine, Options{DefaultEOL: []byte("\n"), TLSConfig: cfg, Events: log.events()})
		c := sClient(t, s, f, "-alpn", "x-tlskit,http/1.1")
		c.WaitStdout(t, "ALPN protocol: x-tlskit")
		echoOnce(t, c, "alpn\n")
		if got := log.last(t).ALPN; got != "x-tlskit" {
			t.Fatalf("server ALPN %q", got)
		}
	})
}

// Two certificates, chosen by the client's SNI in OnSSLConnectionRequest.
func TestOpenSSLClientSNI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := writePeerFiles(t)
		p := getPKI(t)
		byName := map[string]tls.Certificate{
			"a.test": p.leaf(t, "a.test", false, "ecdsa", "a.test"),
			"b.test": p.leaf(t, "b.test", false, "rsa", "b.test"),
		}
		ev := echoEvents()
		ev.OnSSLConnectionRequest = func(_ *Conn, r *SSLConnectionRequest) {
			if c, ok := byName[r.ServerName]; ok {
				r.Certificate = &c
			}
		}
		s := start(t, engine, Options{DefaultEOL: []byte("\n"), TLSConfig: p.serverConfig(), Events: ev})
		for name := range byName {
			c := sClient(t, s, f, "-servername", name, "-verify_hostname", name)
			c.WaitStdout(t, "subject=O = tlskit tests, CN = "+name)
			echoOnce(t, c, "to "+name+"\n")
		}
	})
}

func TestGnuTLSClientEcho(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := writePeerFiles(t)
		var log connLog
		s := start(t, engine, Options{DefaultEOL: []byte("\n"), TLSConfig: getPKI(t).serverConfig(), Events: log.events()})
		for _, prio := range []struct{ priority, want string }{
			{"NORMAL:-VERS-ALL:+VERS-TLS1.2", "TLS1.2"},
			{"NORMAL:-VERS-ALL:+VERS-TLS1.3", "TLS1.3"},
		} {
			c := testpeer.Start(t, nil, testpeer.Tool(t, "gnutls-cli"), "--x509cafile", f.ca,
				"--priority", prio.priority, "-p", strconv.Itoa(s.LocalPort()), "localhost")
			c.WaitStdout(t, "- Handshake was completed")
			echoOnce(t, c, "gnutls "+prio.want+"\n")
			if got := log.last(t).VersionName; got != prio.want {
				t.Errorf("gnutls-cli with %s negotiated %q", prio.priority, got)
			}
		}
	})
}

// The server's key log (tlsconf, NSS format) holds the same lines as the
// one openssl writes for the same connections.
func TestOpenSSLKeyLog(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := writePeerFiles(t)
		dir := t.TempDir()
		ours, theirs := filepath.Join(dir, "server.log"), filepath.Join(dir, "openssl.log")
		set := tlsconf.Settings{KeyLogFile: ours}
		cfg, err := set.ServerConfig()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tlsconf.Close(cfg) })
		cfg.Certificates = getPKI(t).serverConfig().Certificates
		s := start(t, engine, Options{DefaultEOL: []byte("\n"), TLSConfig: cfg, Events: echoEvents()})
		for _, v := range []string{"-tls1_2", "-tls1_3"} {
			echoOnce(t, sClient(t, s, f, "-brief", v, "-keylogfile", theirs), "secrets "+v+"\n")
		}
		line := regexp.MustCompile(`^(CLIENT_RANDOM|CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0|SERVER_TRAFFIC_SECRET_0) [0-9a-f]{64} [0-9a-f]{64,96}$`)
		theirLines := keyLogLines(t, theirs)
		got := keyLogLines(t, ours)
		if len(got) != 5 { // CLIENT_RANDOM for TLS 1.2, four secrets for TLS 1.3
			t.Fatalf("server key log has %d lines, want 5:\n%s", len(got), strings.Join(got, "\n"))
		}
		seen := map[string]bool{}
		for _, l := range got {
			if !line.MatchString(l) {
				t.Errorf("not an NSS key log line: %q", l)
			}
			if !slices.Contains(theirLines, l) {
				t.Errorf("line not in openssl's key log: %q", l)
			}
			seen[strings.Fields(l)[0]] = true
		}
		if !seen["CLIENT_RANDOM"] || !seen["CLIENT_HANDSHAKE_TRAFFIC_SECRET"] {
			t.Errorf("missing labels: %v", seen)
		}
	})
}

func keyLogLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines
}
