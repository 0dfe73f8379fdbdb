package socket

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
	"github.com/tlskit/tlskit/tlsconf"
)

// TestOpenSSLRenegotiation has openssl s_server ask for a TLS 1.2
// renegotiation (its "r" command) in the middle of a connection: with
// Renegotiation (SSLEnableRenegotiation) the socket renegotiates and keeps
// reading; without it the connection fails.
func TestOpenSSLRenegotiation(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	f := writeInteropFiles(t, p)
	for _, tt := range []struct {
		name  string
		allow bool
	}{
		{name: "enabled", allow: true},
		{name: "disabled", allow: false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, port := testpeer.StartServer(t, "openssl", "ACCEPT", func(port int) []string {
				return []string{"s_server", "-accept", "127.0.0.1:" + strconv.Itoa(port),
					"-cert", f.cert, "-key", f.key, "-cert_chain", f.inter, "-tls1_2"}
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s, err := Dial(ctx, Config{Address: "127.0.0.1", Port: port, Secure: true,
				TLS: TLSOptions{CA: [][]byte{p.root.Raw}, Settings: tlsconf.Settings{Renegotiation: tt.allow}}})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()

			// s_server treats a line holding only "r" as its renegotiate
			// command; the pause keeps it from reading both lines at once.
			srv.Write(t, "r\n")
			time.Sleep(time.Second)
			srv.Write(t, "after renegotiation\n")

			s.SetReadDeadline(time.Now().Add(10 * time.Second))
			var got []byte
			b := make([]byte, 64)
			for len(got) < len("after renegotiation\n") {
				n, err := s.Read(b)
				got = append(got, b[:n]...)
				if err != nil {
					if tt.allow {
						t.Fatalf("read after the server's HelloRequest: %v (got %q)", err, got)
					}
					if !errors.Is(err, ErrHandshake) {
						t.Fatalf("refused renegotiation: %v, want code %d", err, CodeHandshake)
					}
					return
				}
			}
			if !tt.allow {
				t.Fatalf("renegotiation disabled, yet the connection went on: %q", got)
			}
			if string(got) != "after renegotiation\n" {
				t.Fatalf("got %q", got)
			}
		})
	}
}
