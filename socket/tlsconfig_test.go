package socket

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tlskit/tlskit/tlsconf"
)

func TestDERClientCertificate(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	client := p.leaf(t, leafOpts{cn: "der client"})
	keyDER, err := x509.MarshalPKCS8PrivateKey(client.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	server := p.serverConfig(t)
	server.ClientAuth = tls.RequireAndVerifyClientCert
	server.ClientCAs = p.pool
	l, d := pair(t,
		Config{Secure: true, TLS: TLSOptions{Config: server}},
		Config{Secure: true, TLS: TLSOptions{CA: [][]byte{p.root.Raw}, ClientCertificate: client.Certificate, ClientKey: keyDER}})
	defer l.Close()
	defer d.Close()
	st, _ := l.ConnectionState()
	if len(st.PeerCertificates) == 0 || st.PeerCertificates[0].Subject.CommonName != "der client" {
		t.Fatalf("server saw %d client certificates", len(st.PeerCertificates))
	}
}

func TestTLSConfigErrors(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	a, b := p.leaf(t, leafOpts{}), p.leaf(t, leafOpts{})
	keyB, _ := x509.MarshalPKCS8PrivateKey(b.PrivateKey)
	tests := []struct {
		name string
		o    TLSOptions
		is   error
		text string
	}{
		{name: "maximumFragmentLength", o: TLSOptions{MaximumFragmentLength: 512}, is: ErrUnsupported, text: "max_fragment_length"},
		{name: "key of another certificate", o: TLSOptions{ClientCertificate: a.Certificate, ClientKey: keyB}, text: "does not match"},
		{name: "PEM instead of DER", o: TLSOptions{ClientCertificate: a.Certificate, ClientKey: []byte("-----BEGIN PRIVATE KEY-----")}, text: "PEM must be decoded"},
		{name: "certificate without key", o: TLSOptions{ClientCertificate: a.Certificate}, text: "together"},
		{name: "bad CA", o: TLSOptions{CA: [][]byte{[]byte("junk")}}, text: "CA 0"},
		{name: "ConnectionType and versions", o: TLSOptions{ConnectionType: tlsconf.TLSv12, MinimumVersion: "TLS1.2"}, text: "not both"},
		{name: "unsupported ConnectionType", o: TLSOptions{ConnectionType: tlsconf.SSLv3}, is: tlsconf.ErrUnsupportedProtocol},
		{name: "bad version string", o: TLSOptions{MinimumVersion: "TLS9"}, is: tlsconf.ErrUnsupportedProtocol},
		{name: "inverted range", o: TLSOptions{MinimumVersion: "TLS1.3", MaximumVersion: "TLS1.2"}, text: "above"},
		{name: "Config and Settings", o: TLSOptions{Config: &tls.Config{}, Settings: tlsconf.Settings{ReuseSession: true}}, text: "not both"},
		{name: "bad revocation mode", o: TLSOptions{OCSPCheck: 3}, is: ErrUnsupported},
		{name: "missing certificate file", o: TLSOptions{CertificateFile: "/nonexistent/cert.pem"}, text: "nonexistent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := New(Config{Address: "127.0.0.1", Port: 1, Secure: true, TLS: tt.o})
			err := s.Connect(context.Background())
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("got %v (%T), want an *Error", err, err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("got %v, want %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("got %v, want it to mention %q", err, tt.text)
			}
		})
	}
}

func TestClientConfigMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		o      TLSOptions
		check  func(*tls.Config) bool
		detail string
	}{
		{name: "ECMA-419 version strings", o: TLSOptions{MinimumVersion: "tls1.2", MaximumVersion: "TLS1.2"},
			check: func(c *tls.Config) bool { return c.MinVersion == tls.VersionTLS12 && c.MaxVersion == tls.VersionTLS12 }},
		{name: "only a low maximum", o: TLSOptions{MaximumVersion: "TLS1.1"},
			check: func(c *tls.Config) bool { return c.MinVersion == tls.VersionTLS11 && c.MaxVersion == tls.VersionTLS11 }},
		{name: "Xojo ConnectionType", o: TLSOptions{ConnectionType: tlsconf.TLSv13},
			check: func(c *tls.Config) bool { return c.MinVersion == tls.VersionTLS13 && c.MaxVersion == tls.VersionTLS13 }},
		{name: "seed bitmask", o: TLSOptions{Settings: tlsconf.Settings{Protocols: tlsconf.TLS13}},
			check: func(c *tls.Config) bool { return c.MinVersion == tls.VersionTLS13 }},
		{name: "versions on a base Config", o: TLSOptions{Config: &tls.Config{}, MinimumVersion: "TLS1.3"},
			check: func(c *tls.Config) bool { return c.MinVersion == tls.VersionTLS13 }},
		{name: "renegotiation", o: TLSOptions{Settings: tlsconf.Settings{Renegotiation: true}},
			check: func(c *tls.Config) bool { return c.Renegotiation == tls.RenegotiateFreelyAsClient }},
		{name: "no renegotiation by default", o: TLSOptions{},
			check: func(c *tls.Config) bool { return c.Renegotiation == tls.RenegotiateNever }},
		{name: "session cache kept by the socket", o: TLSOptions{Settings: tlsconf.Settings{ReuseSession: true}},
			check: func(c *tls.Config) bool { return c.ClientSessionCache != nil }},
		{name: "ServerName from Address", o: TLSOptions{},
			check: func(c *tls.Config) bool { return c.ServerName == "example.test" }},
		{name: "ServerName from Settings", o: TLSOptions{Settings: tlsconf.Settings{ServerName: "sni.test"}},
			check: func(c *tls.Config) bool { return c.ServerName == "sni.test" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := New(Config{Address: "example.test", Port: 443, Secure: true, TLS: tt.o})
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			cfg, err := s.clientTLSConfig(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tlsconf.Close(cfg)
			if !tt.check(cfg) {
				t.Fatalf("config %+v", cfg)
			}
		})
	}
}

// TLSOptions.ClientConfig gives other clients (ws.Dial, net/http) what
// Connect verifies with: here SecurityFlags, which tlsconf alone lacks.
func TestTLSOptionsClientConfigOutsideSocket(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	for _, tt := range []struct {
		name string
		o    TLSOptions
		ok   bool
	}{
		{name: "default", o: TLSOptions{}, ok: false},
		{name: "AllowUnknownCA", o: TLSOptions{SecurityFlags: AllowUnknownCA}, ok: true},
		{name: "CA", o: TLSOptions{CA: [][]byte{p.root.Raw}}, ok: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			port := serveTLSOnce(t, p.leaf(t, leafOpts{}))
			cfg, err := tt.o.ClientConfig(context.Background(), "127.0.0.1")
			if err != nil {
				t.Fatal(err)
			}
			defer tlsconf.Close(cfg)
			d := tls.Dialer{Config: cfg}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			if err == nil {
				c.Close()
			}
			if (err == nil) != tt.ok {
				t.Fatalf("handshake error %v, want success %v", err, tt.ok)
			}
		})
	}
}
