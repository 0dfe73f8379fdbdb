package metrics

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tlskit/tlskit/certs"
	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/tlsconf"
	"github.com/tlskit/tlskit/ws"
)

func engines() []string {
	if runtime.GOOS == "linux" {
		return []string{"portable", "epoll"}
	}
	return []string{"portable"}
}

// testCert returns a certificate for 127.0.0.1 and its pool.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	gen, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := gen.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pool.AddCert(leaf)
	return cert, pool
}

// startObserved starts a server with o on 127.0.0.1 and engine, observed
// by a new Metrics in the registry it returns.
func startObserved(t *testing.T, engine string, o server.Options) (*server.Server, *prometheus.Registry) {
	t.Helper()
	m := New()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	o.LocalHost, o.Engine, o.Observer = "127.0.0.1", server.Engine(engine), m
	s, err := server.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.StartListening(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, reg
}

// drain reads c until it ends, then closes it.
func drain(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _ = io.Copy(io.Discard, c)
	c.Close()
}

// TestHandshakeFailureMetrics: real failed handshakes on each engine are
// counted by reason: a TLS 1.1 ClientHello from openssl (protocol_version),
// a client with no cipher suite the server takes (no_shared_cipher), no
// client certificate where one is required (client_cert_missing), HTTP
// on the TLS port (not_tls), a client that stalls past
// DefaultConnectionTimeout (timeout); the failures add up to
// tlskit_tls_handshakes_total{result="failed"}.
func TestHandshakeFailureMetrics(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl is needed (.ci/run installs it)")
	}
	cert, pool := testCert(t)
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			s, reg := startObserved(t, engine, server.Options{
				TLSConfig:                &tls.Config{Certificates: []tls.Certificate{cert}},
				DefaultConnectionTimeout: 300 * time.Millisecond,
			})
			addr := s.Addr().String()
			const name = "tlskit_tls_handshake_failures_total"

			cmd := exec.Command("openssl", "s_client", "-connect", addr, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
			cmd.Stdin = strings.NewReader("")
			out, _ := cmd.CombinedOutput() // it fails, as it should
			waitValue(t, reg, name, "reason=protocol_version", 1)
			if !strings.Contains(string(out), "alert protocol version") {
				t.Logf("openssl s_client:\n%s", out)
			}

			c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS12,
				CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}})
			if err == nil {
				c.Close()
				t.Fatal("a handshake with only TLS_RSA_WITH_AES_128_CBC_SHA succeeded")
			}
			waitValue(t, reg, name, "reason=no_shared_cipher", 1)

			raw, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = raw.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
			drain(raw)
			waitValue(t, reg, name, "reason=not_tls", 1)

			stall, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = stall.Write([]byte{0x16, 0x03, 0x01}) // a record header's start, then nothing
			drain(stall)
			waitValue(t, reg, name, "reason=timeout", 1)
			waitValue(t, reg, "tlskit_tls_handshakes_total", "result=failed", 4)
		})
	}
}

// TestClientCertMissingMetric: a client without a certificate, where the
// server requires one, counts as client_cert_missing.
func TestClientCertMissingMetric(t *testing.T) {
	cert, pool := testCert(t)
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			s, reg := startObserved(t, engine, server.Options{
				TLSConfig:              &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: pool, MaxVersion: tls.VersionTLS12},
				SSLAuthenticateClients: true,
			})
			c, err := tls.Dial("tcp", s.Addr().String(), &tls.Config{RootCAs: pool})
			if err == nil {
				drain(c)
			}
			waitValue(t, reg, "tlskit_tls_handshake_failures_total", "reason=client_cert_missing", 1)
		})
	}
}

// TestHandshakeFailureReason: the reason of each kind of error, including
// those a test peer cannot easily cause; peer input never becomes a label.
func TestHandshakeFailureReason(t *testing.T) {
	remote := func(text string) error {
		return &net.OpError{Op: "remote error", Net: "tcp", Err: errors.New(text)}
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("h: %w", server.ErrTimedOut), "timeout"},
		{fmt.Errorf("read: %w", syscall.ETIMEDOUT), "timeout"},
		{fmt.Errorf("h: %w", server.ErrClientCertNotPresent), "client_cert_missing"},
		{fmt.Errorf("h: %w", server.ErrCertificateRejected), "certificate_rejected"},
		{&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, "unknown_ca"},
		{x509.CertificateInvalidError{Reason: x509.Expired}, "bad_certificate"},
		{tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, "not_tls"},
		{remote("tls: unknown certificate authority"), "unknown_ca"},
		{remote("tls: bad certificate"), "bad_certificate"},
		{remote("tls: protocol version not supported"), "protocol_version"},
		{remote("tls: decode error"), "peer_alert"},
		{fmt.Errorf("h: %w", io.EOF), "peer_closed"},
		{fmt.Errorf("h: %w", syscall.ECONNRESET), "peer_closed"},
		{errors.New("tls: client offered only unsupported versions: [302]"), "protocol_version"},
		{errors.New("tls: no cipher suite supported by both client and server; client offered: [2f]"), "no_shared_cipher"},
		{errors.New("tls: no key exchanges supported by both client and server"), "no_shared_cipher"},
		{errors.New("tls: client didn't provide a certificate"), "client_cert_missing"},
		{errors.New("something else, from a peer: \x00<script>"), "other"},
	} {
		if got := HandshakeFailureReason(tc.err); got != tc.want {
			t.Errorf("HandshakeFailureReason(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
}

// TestRefusedMetrics: refused connections are counted by cause, on each
// engine: the access lists, MaxConnectionsPerAddress and
// OnConnectionRequest; each cause is exported, at zero too.
func TestRefusedMetrics(t *testing.T) {
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			hold := make(chan struct{})
			s, reg := startObserved(t, engine, server.Options{MaxConnectionsPerAddress: 1,
				Events: server.Events{OnConnectionRequest: func(r *server.ConnectionRequest) {
					select {
					case <-hold:
						r.Accept = false
					default:
					}
				}}})
			addr := s.Addr().String()
			const name = "tlskit_connections_refused_total"
			for _, cause := range []string{"not_listening", "max_connections", "per_address_limit", "access_list", "hook", "proxy_header"} {
				if got := value(t, reg, name, "cause="+cause); got != 0 {
					t.Fatalf("%s{cause=%s} = %v before any refusal, want 0", name, cause, got)
				}
			}
			refused := func() {
				t.Helper()
				if c, err := net.Dial("tcp", addr); err == nil {
					drain(c)
				}
			}
			first, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			waitValue(t, reg, "tlskit_connections_opened_total", "", 1)
			refused()
			waitValue(t, reg, name, "cause=per_address_limit", 1)
			first.Close()
			waitValue(t, reg, "tlskit_connections_closed_total", "", 1)

			if _, err := s.Config("BlockedClients=127.0.0.1"); err != nil {
				t.Fatal(err)
			}
			refused()
			waitValue(t, reg, name, "cause=access_list", 1)
			if _, err := s.Config("BlockedClients="); err != nil {
				t.Fatal(err)
			}
			close(hold)
			refused()
			waitValue(t, reg, name, "cause=hook", 1)
			if got := value(t, reg, name, "cause=max_connections"); got != 0 {
				t.Errorf("%s{cause=max_connections} = %v, want 0", name, got)
			}
		})
	}
}

// TestProxyHeaderRefusedMetric: a connection from a trusted balancer
// without its PROXY header is counted under cause="proxy_header".
func TestProxyHeaderRefusedMetric(t *testing.T) {
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			s, reg := startObserved(t, engine, server.Options{ProxyProtocol: true})
			c, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			_, _ = c.Write([]byte("hello, no header\r\n"))
			drain(c)
			waitValue(t, reg, "tlskit_connections_refused_total", "cause=proxy_header", 1)
		})
	}
}

// wsUpgrade opens a WebSocket connection to addr over raw TCP and returns
// it after the 101 response.
func wsUpgrade(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", addr)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %s", resp.Status)
	}
	return c, br
}

// TestWebSocketErrorAndSizeMetrics: on each engine, a client frame sent
// unmasked closes its connection with 1002, counted under code="1002";
// echoed messages of 10, 100 and 5000 bytes land in the size histogram's
// buckets both ways.
func TestWebSocketErrorAndSizeMetrics(t *testing.T) {
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			addr, reg := startWSEcho(t, server.Options{Engine: server.Engine(engine)})

			c, br := wsUpgrade(t, addr)
			if _, err := c.Write([]byte{0x81, 0x02, 'h', 'i'}); err != nil { // text "hi", unmasked
				t.Fatal(err)
			}
			hdr := make([]byte, 4)
			if _, err := io.ReadFull(br, hdr); err != nil {
				t.Fatal(err)
			}
			if hdr[0] != 0x88 || int(hdr[2])<<8|int(hdr[3]) != 1002 {
				t.Fatalf("the server answered % x, want a close frame with 1002", hdr)
			}
			waitValue(t, reg, "tlskit_websocket_protocol_errors_total", "code=1002", 1)
			if got := value(t, reg, "tlskit_websocket_protocol_errors_total", "code=other"); got != 0 {
				t.Errorf(`code="other" = %v, want 0`, got)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cl, err := ws.Dial(ctx, "ws://"+addr+"/", &ws.DialOptions{TLS: tlsconf.Options{}})
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Disconnect()
			for _, n := range []int{10, 100, 5000} {
				if err := cl.WriteMessage(ctx, ws.DataBinary, make([]byte, n)); err != nil {
					t.Fatal(err)
				}
				if _, data, err := cl.ReadMessage(ctx); err != nil || len(data) != n {
					t.Fatalf("echo of %d bytes: %d, %v", n, len(data), err)
				}
			}
			waitValue(t, reg, "tlskit_websocket_message_size_bytes", "direction=sent", 3)
			for _, dir := range []string{"received", "sent"} {
				h := histogram(t, reg, "tlskit_websocket_message_size_bytes", "direction="+dir)
				if h.GetSampleCount() != 3 || h.GetSampleSum() != 5110 {
					t.Errorf("%s: %d messages, %v bytes; want 3, 5110", dir, h.GetSampleCount(), h.GetSampleSum())
				}
				want := map[float64]uint64{64: 1, 256: 2, 4096: 2, 16384: 3, 16 << 20: 3}
				for _, b := range h.GetBucket() {
					if w, ok := want[b.GetUpperBound()]; ok && b.GetCumulativeCount() != w {
						t.Errorf("%s: bucket le=%v holds %d, want %d", dir, b.GetUpperBound(), b.GetCumulativeCount(), w)
					}
					delete(want, b.GetUpperBound())
				}
				if len(want) > 0 {
					t.Errorf("%s: no buckets %v", dir, want)
				}
			}
		})
	}
}
