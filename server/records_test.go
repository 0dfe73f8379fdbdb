package server

import (
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
)

// TestLogSSLPackets runs real handshakes with LogSSLPackets on (masking
// on, by default, and off) and off: each TLS record is told to OnSSLStatus
// with its direction and content type, and dumped to the Logger at Debug,
// except application data while MaskSensitiveData holds.
func TestLogSSLPackets(t *testing.T) {
	pki := getPKI(t)
	forEachEngine(t, func(t *testing.T, engine string) {
		for _, tc := range []struct {
			name      string
			log, mask bool
			version   uint16
		}{
			{"tls12", true, true, tls.VersionTLS12},
			{"tls12-unmasked", true, false, tls.VersionTLS12},
			{"tls13", true, true, tls.VersionTLS13},
			{"off", false, true, tls.VersionTLS13},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var mu sync.Mutex
				var msgs []string
				done := make(chan struct{})
				h := &testpeer.SlogRecorder{}
				s := start(t, engine, Options{TLSConfig: pki.serverConfig(), LogTLSRecords: tc.log, Logger: slog.New(h),
					Events: Events{
						OnSSLStatus: func(c *Conn, m string) {
							mu.Lock()
							msgs = append(msgs, m)
							mu.Unlock()
						},
						OnDataIn:       func(c *Conn, text []byte, eol bool) { c.Send(text) },
						OnDisconnected: func(c *Conn, err error) { close(done) },
					}})
				if !tc.mask {
					if _, err := s.Config("MaskSensitiveData=False"); err != nil {
						t.Fatal(err)
					}
				}
				cc := pki.clientConfig()
				cc.MinVersion, cc.MaxVersion = tc.version, tc.version
				c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", s.Addr().String(), cc)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := c.Write([]byte("a secret line\n")); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(c, make([]byte, 14)); err != nil {
					t.Fatal(err)
				}
				c.Close()
				select {
				case <-done:
				case <-time.After(10 * time.Second):
					t.Fatal("no OnDisconnected")
				}
				mu.Lock()
				all := strings.Join(msgs, "\n")
				mu.Unlock()
				logs := h.Text()
				if !tc.log {
					if strings.Contains(all, "TLS record") || strings.Contains(logs, "TLS record") {
						t.Fatalf("records logged while off:\n%s\n%s", all, logs)
					}
					return
				}
				want := []string{"TLS record in: handshake, ", "TLS record out: handshake, ",
					"TLS record in: application_data, ", "TLS record out: application_data, ",
					"TLS record in: change_cipher_spec, 1 bytes"}
				if tc.version == tls.VersionTLS12 {
					want = append(want, "TLS record out: change_cipher_spec, 1 bytes")
				}
				for _, w := range want {
					if !strings.Contains(all, w) {
						t.Errorf("no %q in the SSLStatus messages:\n%s", w, all)
					}
				}
				if !h.Has("TLS record", "dir=in", "type=handshake", "00000000  16 03") &&
					!h.Has("TLS record", "dir=in", "type=handshake", "00000000  01 00") {
					t.Errorf("no hex dump of the ClientHello:\n%s", logs)
				}
				dumped := h.Has("TLS record", "type=application_data", "00000000  ")
				if masked := h.Has("TLS record", "type=application_data", "(masked: MaskSensitiveData)"); dumped == tc.mask || masked != tc.mask {
					t.Errorf("masking %v: application data dumped %v, masked %v:\n%s", tc.mask, dumped, masked, logs)
				}
			})
		}
	})
}
