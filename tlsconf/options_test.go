package tlsconf

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log"
	"strings"
	"testing"
)

func TestOptionsClientConfig(t *testing.T) {
	t.Parallel()
	p := pki(t)
	keyDER, err := x509.MarshalPKCS8PrivateKey(p.ecClient.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		o     Options
		check func(*tls.Config) bool
	}{
		{name: "ServerName from the host", o: Options{},
			check: func(c *tls.Config) bool { return c.ServerName == "host.test" }},
		{name: "ServerName from Settings", o: Options{Settings: Settings{ServerName: "sni.test"}},
			check: func(c *tls.Config) bool { return c.ServerName == "sni.test" }},
		{name: "ServerName on a base Config", o: Options{Config: &tls.Config{}},
			check: func(c *tls.Config) bool { return c.ServerName == "host.test" }},
		{name: "versions on a base Config", o: Options{Config: &tls.Config{}, MaximumVersion: "TLS1.2"},
			check: func(c *tls.Config) bool { return c.MinVersion == tls.VersionTLS12 && c.MaxVersion == tls.VersionTLS12 }},
		{name: "ConnectionType", o: Options{ConnectionType: TLSv13},
			check: func(c *tls.Config) bool { return c.MinVersion == tls.VersionTLS13 }},
		{name: "DER CA", o: Options{CA: [][]byte{p.ecCA.Raw}},
			check: func(c *tls.Config) bool {
				_, err := p.ecLeaf.Leaf.Verify(x509.VerifyOptions{Roots: c.RootCAs, DNSName: "localhost"})
				return err == nil
			}},
		{name: "DER client certificate", o: Options{ClientCertificate: p.ecClient.Certificate, ClientKey: keyDER},
			check: func(c *tls.Config) bool {
				return len(c.Certificates) == 1 && bytes.Equal(c.Certificates[0].Certificate[0], p.ecClient.Certificate[0])
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := tt.o.ClientConfig("host.test")
			if err != nil {
				t.Fatal(err)
			}
			defer Close(cfg)
			if !tt.check(cfg) {
				t.Fatalf("config %+v", cfg)
			}
		})
	}
}

func TestOptionsErrors(t *testing.T) {
	t.Parallel()
	p := pki(t)
	other, _ := x509.MarshalPKCS8PrivateKey(p.rsaLeaf.PrivateKey)
	tests := []struct {
		name string
		o    Options
		is   error
		text string
	}{
		{name: "Config and Settings", o: Options{Config: &tls.Config{}, Settings: Settings{ReuseSession: true}}, is: ErrInvalidValue, text: "not both"},
		{name: "ConnectionType and versions", o: Options{ConnectionType: TLSv12, MinimumVersion: "TLS1.2"}, is: ErrInvalidValue, text: "not both"},
		{name: "unsupported ConnectionType", o: Options{ConnectionType: SSLv3}, is: ErrUnsupportedProtocol},
		{name: "inverted range", o: Options{MinimumVersion: "TLS1.3", MaximumVersion: "TLS1.2"}, is: ErrUnsupportedProtocol, text: "above"},
		{name: "bad CA", o: Options{CA: [][]byte{[]byte("junk")}}, is: ErrInvalidValue, text: "CA 0"},
		{name: "certificate without key", o: Options{ClientCertificate: p.ecClient.Certificate}, is: ErrInvalidValue, text: "together"},
		{name: "empty chain", o: Options{ClientCertificate: [][]byte{{}}, ClientKey: other}, is: ErrInvalidValue, text: "no certificate"},
		{name: "key of another certificate", o: Options{ClientCertificate: p.ecClient.Certificate, ClientKey: other}, is: ErrInvalidValue, text: "does not match"},
		{name: "PEM key", o: Options{ClientCertificate: p.ecClient.Certificate, ClientKey: []byte("-----BEGIN PRIVATE KEY-----")}, is: ErrInvalidValue, text: "PEM must be decoded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := tt.o.ClientConfig("host.test")
			var e *Error
			if err == nil || !errors.As(err, &e) || !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.text) {
				Close(cfg)
				t.Fatalf("got %v (%T), want an *Error wrapping %v that mentions %q", err, err, tt.is, tt.text)
			}
		})
	}
}

func TestOptionsWarnUnverifiedOnce(t *testing.T) {
	// Not parallel: it captures the log package's output.
	var buf bytes.Buffer
	prev := log.Writer()
	log.SetOutput(&buf)
	defer log.SetOutput(prev)
	build := func(o Options, host string) {
		t.Helper()
		cfg, err := o.ClientConfig(host)
		if err != nil {
			t.Fatal(err)
		}
		Close(cfg)
	}
	build(Options{}, "verified.example")
	if buf.Len() != 0 {
		t.Fatalf("a verified config warned: %q", buf.String())
	}
	build(Options{Settings: Settings{AcceptAnyServerCert: true}}, "unverified.example")
	if !bytes.Contains(buf.Bytes(), []byte("WARNING")) || !bytes.Contains(buf.Bytes(), []byte("unverified.example")) {
		t.Fatalf("no warning logged: %q", buf.String())
	}
	buf.Reset()
	build(Options{Config: &tls.Config{InsecureSkipVerify: true}}, "unverified.example")
	if buf.Len() != 0 {
		t.Fatalf("warned twice for one name: %q", buf.String())
	}
	build(Options{Config: &tls.Config{InsecureSkipVerify: true}}, "unverified2.example")
	if !bytes.Contains(buf.Bytes(), []byte("unverified2.example")) {
		t.Fatalf("no warning for a Config that skips verification: %q", buf.String())
	}
}

func FuzzParseDERKey(f *testing.F) {
	p := pki(f)
	leaf := p.ecClient
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(leaf.PrivateKey)
	f.Add(pkcs8)
	f.Add(leaf.Certificate[0])
	f.Add([]byte{})
	f.Add([]byte{0x30, 0x82, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, der []byte) {
		k, err := parseDERKey(der)
		if (k == nil) == (err == nil) {
			t.Fatalf("key %v with error %v", k, err)
		}
		if _, err := derKeyPair(leaf.Certificate, der); err == nil && k == nil {
			t.Fatal("a pair built from an unreadable key")
		}
	})
}
