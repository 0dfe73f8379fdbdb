package socket

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"sync/atomic"
	"testing"
	"time"
)

func TestSecurityFlags(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	other := newPKI(t)
	now := time.Now()
	expired := leafOpts{notBefore: now.Add(-48 * time.Hour), notAfter: now.Add(-24 * time.Hour)}
	tests := []struct {
		name  string
		pki   *testPKI
		leaf  leafOpts
		host  string
		flags SecurityFlags
		ok    bool
	}{
		{name: "valid", pki: p, ok: true},
		{name: "expired refused", pki: p, leaf: expired},
		{name: "expired with IgnoreTimeValidity", pki: p, leaf: expired, flags: IgnoreTimeValidity, ok: true},
		{name: "unknown CA refused", pki: other},
		{name: "unknown CA with AllowUnknownCA", pki: other, flags: AllowUnknownCA, ok: true},
		{name: "client-only usage refused", pki: p, leaf: leafOpts{usage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}},
		{name: "client-only usage with IgnoreWrongUsage", pki: p, leaf: leafOpts{usage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, flags: IgnoreWrongUsage, ok: true},
		{name: "name mismatch refused", pki: p, host: "other.example"},
		{name: "name mismatch with IgnoreNameMismatch", pki: p, host: "other.example", flags: IgnoreNameMismatch, ok: true},
		{name: "IgnoreNameMismatch still checks the chain", pki: other, host: "other.example", flags: IgnoreNameMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			port := serveTLSOnce(t, tt.pki.leaf(t, tt.leaf))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cfg := Config{Address: "127.0.0.1", Port: port, Secure: true,
				TLS: TLSOptions{CA: [][]byte{p.root.Raw}, SecurityFlags: tt.flags}}
			cfg.TLS.Settings.ServerName = tt.host
			s, err := Dial(ctx, cfg)
			if err == nil {
				s.Close()
			}
			if tt.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrVerify) {
				t.Fatalf("got %v, want a verification failure (280)", err)
			}
		})
	}
}

func TestUnsupportedSecurityFlags(t *testing.T) {
	t.Parallel()
	for _, f := range []SecurityFlags{0x2, 0x200, 0x4000, 0x8000} {
		s := New(Config{Address: "127.0.0.1", Port: 1, Secure: true, TLS: TLSOptions{SecurityFlags: f}})
		if err := s.Connect(context.Background()); !errors.Is(err, ErrUnsupported) {
			t.Errorf("flag 0x%x: %v, want ErrUnsupported", uint32(f), err)
		}
	}
}

// loudRuns numbers the runs of TestAcceptAnyServerCertIsLoud.
var loudRuns atomic.Int32

func TestAcceptAnyServerCertIsLoud(t *testing.T) {
	// Not parallel: it captures the log package's output. The warning is
	// given once per server name and process: the names are this test's.
	var buf bytes.Buffer
	prev := log.Writer()
	log.SetOutput(&buf)
	defer log.SetOutput(prev)
	dial := func(name string) {
		t.Helper()
		port := serveTLSOnce(t, newPKI(t).leaf(t, leafOpts{}))
		cfg := Config{Address: "127.0.0.1", Port: port, Secure: true}
		cfg.TLS.Settings.AcceptAnyServerCert = true
		cfg.TLS.Settings.ServerName = name
		s, err := Dial(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	// Names of this run: with -count above 1 a name warned about in an
	// earlier run would stay quiet.
	run := loudRuns.Add(1)
	loud, other := fmt.Sprintf("loud%d.example", run), fmt.Sprintf("other%d.example", run)
	dial(loud)
	if !bytes.Contains(buf.Bytes(), []byte("WARNING")) {
		t.Fatalf("no warning logged: %q", buf.String())
	}
	// Once per server name, not once per handshake.
	buf.Reset()
	dial(loud)
	if buf.Len() != 0 {
		t.Fatalf("second unverified connection to %s logged again: %q", loud, buf.String())
	}
	dial(other)
	if !bytes.Contains(buf.Bytes(), []byte(other)) {
		t.Fatalf("no warning for another name: %q", buf.String())
	}
}
