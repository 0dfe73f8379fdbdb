package proxyproto

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlskit/tlskit/certs"
	"github.com/tlskit/tlskit/internal/testpeer"
)

// TestHAProxyInterop parses what a real HAProxy sends with send-proxy
// (version 1) and send-proxy-v2 (version 2, with its TLVs and checksum,
// behind a TLS frontend) to a listener here, reading it a few bytes at a
// time as an event loop would, for clients connecting from several
// 127.0.0.x addresses; and the LOCAL header of HAProxy's health checks.
func TestHAProxyInterop(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pki := newPKI(t, dir)

	backend := startBackend(t)
	checks := startBackend(t)
	// The frontends listen on sockets made by testpeer.HAProxy and
	// inherited (fd@).
	fronts := testpeer.HAProxy(t, 3, fmt.Sprintf(`frontend v1
	bind fd@3
	default_backend v1
frontend v2
	bind fd@4
	default_backend v2
frontend v2tls
	bind fd@5 ssl crt %s ca-file %s verify optional alpn h2,http/1.1
	unique-id-format %%ci:%%cp
	default_backend v2tls
backend v1
	server s %s send-proxy
backend v2
	server s %s send-proxy-v2
backend v2tls
	server s %s send-proxy-v2 proxy-v2-options ssl,cert-cn,ssl-cipher,cert-sig,cert-key,authority,crc32c,unique-id
backend checks
	server s %s send-proxy-v2 check inter 200ms
`, pki.serverPEM, pki.caPEM, backend.addr, backend.addr, backend.addr, checks.addr))

	for i, c := range []struct {
		name    string
		front   int
		version int
		tls     bool
	}{
		{"send-proxy", 0, 1, false},
		{"send-proxy-v2", 1, 2, false},
		{"send-proxy-v2 behind TLS", 2, 2, true},
	} {
		for j := range 3 {
			src := netip.AddrFrom4([4]byte{127, 0, 0, byte(2 + j)})
			name := fmt.Sprintf("%s from %s", c.name, src)
			front := fronts[c.front]
			payload := fmt.Sprintf("hello %d %d\n", i, j)
			var tc *tls.Config
			if c.tls {
				tc = pki.client
			}
			conn := testpeer.DialFrom(t, src, front, tc)
			if _, err := conn.Write([]byte(payload)); err != nil {
				t.Fatalf("%s: write: %v", name, err)
			}
			r := backend.next(t, payload)
			_ = conn.Close()
			if r.err != nil {
				t.Fatalf("%s: %v", name, r.err)
			}
			h := r.h
			client := netip.MustParseAddrPort(conn.LocalAddr().String())
			if h.Version != c.version || h.Command != CommandProxy || h.Protocol != TCP4 ||
				h.Source != client || h.Destination != front {
				t.Fatalf("%s: header %+v, want version %d, PROXY TCP4 from %s to %s", name, h, c.version, client, front)
			}
			if !c.tls {
				continue
			}
			s, ok := h.SSL()
			if !ok {
				t.Fatalf("%s: no SSL TLV in %+v", name, h.TLVs)
			}
			if _, ok := h.Value(TypeCRC32C); !ok {
				t.Errorf("%s: no CRC32C TLV (Parse checks it when present)", name)
			}
			state := conn.(*tls.Conn).ConnectionState()
			want := []struct{ what, got, want string }{
				{"ALPN", h.ALPN(), "h2"},
				{"Authority", h.Authority(), "example.com"},
				{"SSL.Version", s.Version(), "TLSv1.3"},
				{"SSL.Cipher", s.Cipher(), tls.CipherSuiteName(state.CipherSuite)},
				{"SSL.CommonName", s.CommonName(), "alice"},
				// OpenSSL's names for the client certificate's
				// algorithms (certs.Generate's default, ECDSA P-256).
				{"SSL.SignatureAlgorithm", s.SignatureAlgorithm(), "ecdsa-with-SHA256"},
				{"SSL.KeyAlgorithm", s.KeyAlgorithm(), "EC256"},
			}
			for _, w := range want {
				if w.got != w.want {
					t.Errorf("%s: %s = %q, want %q", name, w.what, w.got, w.want)
				}
			}
			if s.Client != ClientSSL|ClientCertConn|ClientCertSess || s.Verify != 0 {
				t.Errorf("%s: SSL.Client = %#x, Verify = %d; want a verified certificate on the connection and session", name, s.Client, s.Verify)
			}
			if id := string(h.UniqueID()); !strings.HasSuffix(id, client.String()) {
				t.Errorf("%s: UniqueID = %q, want it to end with %s", name, id, client)
			}
		}
	}

	// A health check: a LOCAL header, and no addresses.
	r := checks.next(t, "")
	if r.err != nil {
		t.Fatalf("health check: %v", r.err)
	}
	if h := r.h; h.Version != 2 || h.Command != CommandLocal || h.Source.IsValid() || h.Destination.IsValid() {
		t.Fatalf("health check header %+v, want version 2 LOCAL without addresses", h)
	}
}

// backend is a listener that parses the PROXY header of every connection
// it accepts and reports it with the first line that follows.
type backend struct {
	addr    string
	results chan backendResult
}

type backendResult struct {
	h    Header
	line string // what the client sent after the header, up to its newline
	err  error
}

func startBackend(t *testing.T) *backend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{addr: ln.Addr().String(), results: make(chan backendResult, 64)}
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(testpeer.Timeout))
				select {
				case b.results <- readHeader(c):
				default: // health checks nobody waits for
				}
			})
		}
	})
	return b
}

// readHeader reads c 5 bytes at a time, calling Parse on what it has
// after each read, as an event loop's engine would; then the line after.
func readHeader(c net.Conn) backendResult {
	var buf []byte
	chunk := make([]byte, 5)
	for {
		n, err := c.Read(chunk)
		buf = append(buf, chunk[:n]...)
		h, used, perr := Parse(buf)
		if perr == nil {
			rest := buf[used:]
			for !bytes.Contains(rest, []byte("\n")) {
				n, err := c.Read(chunk)
				rest = append(rest, chunk[:n]...)
				if err != nil {
					break // a health check sends nothing after its header
				}
			}
			return backendResult{h: h, line: string(rest)}
		}
		if !errors.Is(perr, ErrNeedMore) {
			return backendResult{err: perr}
		}
		if err != nil {
			return backendResult{err: fmt.Errorf("read after %q: %w", buf, err)}
		}
	}
}

// next returns the next result whose line is line; the others (haproxy's
// connections of a health check, for one) are dropped.
func (b *backend) next(t *testing.T, line string) backendResult {
	t.Helper()
	timeout := time.After(testpeer.Timeout)
	for {
		select {
		case r := <-b.results:
			if r.err != nil || r.line == line {
				return r
			}
		case <-timeout:
			t.Fatalf("no connection with %q from haproxy within %v", line, testpeer.Timeout)
		}
	}
}

// testPKI is a CA, haproxy's certificate for example.com and a client's
// for alice, both from the CA.
type testPKI struct {
	caPEM, serverPEM string // files: the CA's certificate; haproxy's certificate and key
	client           *tls.Config
}

func newPKI(t *testing.T, dir string) testPKI {
	t.Helper()
	ca, err := certs.Generate(certs.GenerateOptions{IsCA: true, CommonName: "proxyproto test CA"})
	if err != nil {
		t.Fatal(err)
	}
	server, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"example.com"}, Issuer: ca})
	if err != nil {
		t.Fatal(err)
	}
	client, err := certs.Generate(certs.GenerateOptions{CommonName: "alice", Issuer: ca})
	if err != nil {
		t.Fatal(err)
	}
	p := testPKI{caPEM: filepath.Join(dir, "ca.pem"), serverPEM: filepath.Join(dir, "server.pem")}
	caCert, _, err := ca.EncodePEM()
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := server.EncodePEM()
	if err != nil {
		t.Fatal(err)
	}
	for file, data := range map[string][]byte{p.caPEM: caCert, p.serverPEM: append(certPEM, keyPEM...)} {
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Leaf)
	tlsClient, err := client.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	p.client = &tls.Config{
		ServerName:   "example.com",
		NextProtos:   []string{"h2"},
		RootCAs:      roots,
		Certificates: []tls.Certificate{tlsClient},
	}
	return p
}
