package socket

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tlskit/tlskit/certs"
)

func TestListenTLSWithCertificateFile(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	dir := t.TempDir()
	leaf := p.leaf(t, leafOpts{})
	certPath, keyPath := writePEM(t, dir, "server", leaf)
	pemPath := filepath.Join(dir, "server.pem")
	joinFiles(t, pemPath, certPath, keyPath)
	c := certs.FromX509(leaf.Leaf)
	c.PrivateKey = leaf.PrivateKey.(crypto.Signer)
	c.Chain = []*x509.Certificate{p.inter}
	pfx, err := c.EncodePFX("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	pfxPath := filepath.Join(dir, "server.pfx")
	if err := os.WriteFile(pfxPath, pfx, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, file, password string }{
		{name: "PEM", file: pemPath},
		{name: "PFX with password", file: pfxPath, password: "s3cret"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			listenWithFile(t, p, tt.file, tt.password)
		})
	}
	l := New(Config{LocalAddress: "127.0.0.1", Secure: true, TLS: TLSOptions{CertificateFile: pfxPath, CertificatePassword: "wrong"}})
	if err := l.Listen(context.Background()); err == nil {
		l.Close()
		t.Fatal("Listen with a wrong PFX password succeeded")
	}
}

func listenWithFile(t *testing.T, p *testPKI, file, password string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l := New(Config{LocalAddress: "127.0.0.1", Secure: true, TLS: TLSOptions{CertificateFile: file, CertificatePassword: password}})
	if err := l.Listen(ctx); err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.State() != StateListening || l.Port() == 0 {
		t.Fatalf("state %s, port %d", l.State(), l.Port())
	}
	listenPort := l.Port()
	d, err := Dial(ctx, Config{Address: "127.0.0.1", Port: listenPort, Secure: true, TLS: TLSOptions{CA: [][]byte{p.root.Raw}}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := l.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	if l.Port() != listenPort || !l.SSLConnected() {
		t.Fatalf("accepted: port %d (listened on %d), SSLConnected %v", l.Port(), listenPort, l.SSLConnected())
	}
	d.Write([]byte("x"))
	b := make([]byte, 1)
	l.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := l.Read(b); err != nil || b[0] != 'x' {
		t.Fatalf("Read %q, %v", b, err)
	}
}

func TestListenPlainAcceptsOne(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, d := pair(t, Config{}, Config{})
	defer l.Close()
	defer d.Close()
	// The listener is gone: a second connection is refused.
	if _, err := Dial(ctx, Config{Address: "127.0.0.1", Port: l.Port()}); err == nil {
		t.Fatal("a second connection was accepted")
	}
}

func TestListenSecureNeedsCertificate(t *testing.T) {
	t.Parallel()
	l := New(Config{LocalAddress: "127.0.0.1", Secure: true})
	if err := l.Listen(context.Background()); err == nil {
		l.Close()
		t.Fatal("secure Listen without a certificate succeeded")
	}
}

func TestCertificateRejectionFile(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	dir := t.TempDir()
	bad := p.leaf(t, leafOpts{cn: "rejected client"})
	good := p.leaf(t, leafOpts{cn: "accepted client"})
	rejectPath, _ := writePEM(t, dir, "rejected", bad)
	badCert, badKey := writePEM(t, dir, "badclient", bad)
	goodCert, goodKey := writePEM(t, dir, "goodclient", good)
	badBoth, goodBoth := filepath.Join(dir, "bad.pem"), filepath.Join(dir, "good.pem")
	joinFiles(t, badBoth, badCert, badKey)
	joinFiles(t, goodBoth, goodCert, goodKey)

	for _, tt := range []struct {
		name       string
		clientFile string
		wantErr    bool
	}{
		{name: "listed certificate refused", clientFile: badBoth, wantErr: true},
		{name: "other certificate accepted", clientFile: goodBoth},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			l := New(Config{LocalAddress: "127.0.0.1", Secure: true, TLS: TLSOptions{
				Config:                   p.serverConfig(t),
				CertificateRejectionFile: rejectPath,
			}})
			if err := l.Listen(ctx); err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			d, err := Dial(ctx, Config{Address: "127.0.0.1", Port: l.Port(), Secure: true,
				TLS: TLSOptions{Config: &tls.Config{RootCAs: p.pool}, CertificateFile: tt.clientFile}})
			lerr := l.WaitConnected(ctx)
			if lerr == nil {
				l.Send([]byte("k"))
			}
			if err == nil {
				defer d.Close()
				// TLS 1.3: the client learns of the refusal on its first read.
				d.SetReadDeadline(time.Now().Add(5 * time.Second))
				_, err = d.Read(make([]byte, 1))
			}
			if tt.wantErr {
				if !errors.Is(lerr, ErrVerify) || !errors.Is(lerr, ErrRejected) {
					t.Fatalf("listener: %v, want a rejection", lerr)
				}
				if err == nil {
					t.Fatal("the client did not notice the refusal")
				}
				return
			}
			if lerr != nil || err != nil {
				t.Fatalf("listener %v, client %v", lerr, err)
			}
		})
	}
}

// joinFiles concatenates files into dst.
func joinFiles(t *testing.T, dst string, srcs ...string) {
	t.Helper()
	var all []byte
	for _, src := range srcs {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if err := os.WriteFile(dst, all, 0o600); err != nil {
		t.Fatal(err)
	}
}
