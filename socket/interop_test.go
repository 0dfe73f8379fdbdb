package socket

import (
	"context"
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
	"github.com/tlskit/tlskit/tlsconf"
)

// interopFiles writes the server's certificate, chain and key, the root and
// a client certificate as PEM files.
type interopFiles struct {
	cert, key, inter, root string
	clientBoth             string
}

func writeInteropFiles(t *testing.T, p *testPKI) interopFiles {
	t.Helper()
	dir := t.TempDir()
	leaf := p.leaf(t, leafOpts{})
	var f interopFiles
	f.cert, f.key = writePEM(t, dir, "server", tls.Certificate{Certificate: leaf.Certificate[:1], PrivateKey: leaf.PrivateKey})
	f.inter, _ = writePEM(t, dir, "inter", tls.Certificate{Certificate: [][]byte{p.inter.Raw}, PrivateKey: leaf.PrivateKey})
	f.root = p.writeRootPEM(t, dir)
	cc, ck := writePEM(t, dir, "client", p.leaf(t, leafOpts{cn: "interop client"}))
	f.clientBoth = filepath.Join(dir, "client.pem")
	joinFiles(t, f.clientBoth, cc, ck)
	return f
}

// roundTrip sends a line to an openssl -rev server and checks the reversed
// answer.
func roundTrip(t *testing.T, s *Socket, line, want string) {
	t.Helper()
	if _, err := s.Write([]byte(line)); err != nil {
		t.Fatal(err)
	}
	if got := readLine(t, s); got != want {
		t.Fatalf("answer %q, want %q", got, want)
	}
}

func TestOpenSSLServer(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	f := writeInteropFiles(t, p)
	sServer := func(extra ...string) func(int) []string {
		return func(port int) []string {
			return append([]string{"s_server", "-accept", "127.0.0.1:" + strconv.Itoa(port),
				"-cert", f.cert, "-key", f.key, "-cert_chain", f.inter, "-rev"}, extra...)
		}
	}
	dial := func(t *testing.T, port int, o TLSOptions) (*Socket, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		o.CA = [][]byte{p.root.Raw}
		return Dial(ctx, Config{Address: "127.0.0.1", Port: port, Secure: true, TLS: o})
	}

	for _, tt := range []struct {
		name    string
		version string
		want    uint16
	}{
		{name: "TLS 1.2", version: "-tls1_2", want: tls.VersionTLS12},
		{name: "TLS 1.3", version: "-tls1_3", want: tls.VersionTLS13},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, port := testpeer.StartServer(t, "openssl", "ACCEPT", sServer(tt.version))
			s, err := dial(t, port, TLSOptions{MinimumVersion: "TLS1.2", MaximumVersion: "TLS1.3"})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			st, _ := s.ConnectionState()
			if st.Version != tt.want {
				t.Fatalf("negotiated %s", tlsconf.VersionName(st.Version))
			}
			roundTrip(t, s, "hello\n", "olleh\n")
		})
	}

	t.Run("version range refused", func(t *testing.T) {
		t.Parallel()
		_, port := testpeer.StartServer(t, "openssl", "ACCEPT", sServer("-tls1_2"))
		_, err := dial(t, port, TLSOptions{ConnectionType: tlsconf.TLSv13})
		if !errors.Is(err, ErrHandshake) {
			t.Fatalf("TLS 1.3 only against a TLS 1.2 server: %v", err)
		}
	})

	t.Run("client certificate required", func(t *testing.T) {
		t.Parallel()
		_, port := testpeer.StartServer(t, "openssl", "ACCEPT", sServer("-Verify", "2", "-CAfile", f.root, "-tls1_3"))
		s, err := dial(t, port, TLSOptions{CertificateFile: f.clientBoth})
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, s, "abc\n", "cba\n")
		s.Close()

		// Without one the server refuses; TLS 1.3 reports it on the first read.
		s, err = dial(t, port, TLSOptions{})
		if err == nil {
			defer s.Close()
			s.Write([]byte("abc\n"))
			s.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, err = s.Read(make([]byte, 10))
		}
		if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("no client certificate: %v", err)
		}
	})

	t.Run("ALPN", func(t *testing.T) {
		t.Parallel()
		_, port := testpeer.StartServer(t, "openssl", "ACCEPT", sServer("-alpn", "foo,bar"))
		s, err := dial(t, port, TLSOptions{Settings: tlsconf.Settings{NextProtos: []string{"bar", "baz"}}})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		st, _ := s.ConnectionState()
		if st.NegotiatedProtocol != "bar" {
			t.Fatalf("ALPN %q", st.NegotiatedProtocol)
		}
	})

	for _, version := range []string{"-tls1_2", "-tls1_3"} {
		t.Run("session resumption "+version, func(t *testing.T) {
			t.Parallel()
			_, port := testpeer.StartServer(t, "openssl", "ACCEPT", sServer(version))
			s := New(Config{Address: "127.0.0.1", Port: port, Secure: true,
				TLS: TLSOptions{CA: [][]byte{p.root.Raw}, Settings: tlsconf.Settings{ReuseSession: true}}})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for i, wantResumed := range []bool{false, true} {
				if err := s.Connect(ctx); err != nil {
					t.Fatal(err)
				}
				roundTrip(t, s, "ticket\n", "tekcit\n") // lets a TLS 1.3 ticket arrive
				st, _ := s.ConnectionState()
				if st.DidResume != wantResumed {
					t.Fatalf("connection %d: DidResume %v", i, st.DidResume)
				}
				s.Close()
			}
		})
	}
}

func TestGnuTLSServer(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	f := writeInteropFiles(t, p)
	chain := filepath.Join(t.TempDir(), "chain.pem")
	joinFiles(t, chain, f.cert, f.inter)
	for _, tt := range []struct {
		name     string
		priority string
		want     uint16
	}{
		{name: "TLS 1.2", priority: "NORMAL:-VERS-ALL:+VERS-TLS1.2", want: tls.VersionTLS12},
		{name: "TLS 1.3", priority: "NORMAL:-VERS-ALL:+VERS-TLS1.3", want: tls.VersionTLS13},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, port := testpeer.StartServer(t, "gnutls-serv", "IPv4 0.0.0.0 port %d...done", func(port int) []string {
				return []string{"--port", strconv.Itoa(port), "--echo", "--x509certfile", chain,
					"--x509keyfile", f.key, "--priority", tt.priority}
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s, err := Dial(ctx, Config{Address: "127.0.0.1", Port: port, Secure: true,
				TLS: TLSOptions{CA: [][]byte{p.root.Raw}, Settings: tlsconf.Settings{ServerName: "localhost"}}})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			st, _ := s.ConnectionState()
			if st.Version != tt.want {
				t.Fatalf("negotiated %s", tlsconf.VersionName(st.Version))
			}
			if _, err := s.Write([]byte("echo me\n")); err != nil {
				t.Fatal(err)
			}
			if got := readLine(t, s); got != "echo me\n" {
				t.Fatalf("echo %q", got)
			}
		})
	}
}
