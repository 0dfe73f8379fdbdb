package tlsconf

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"
)

func TestProtocolsRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p        Protocols
		min, max uint16
		wantErr  string // substring; "" = success
	}{
		{0, tls.VersionTLS12, tls.VersionTLS13, ""},
		{TLS13, tls.VersionTLS13, tls.VersionTLS13, ""},
		{TLS12, tls.VersionTLS12, tls.VersionTLS12, ""},
		{TLS10 | TLS11 | TLS12, tls.VersionTLS10, tls.VersionTLS12, ""},
		{4032, tls.VersionTLS10, tls.VersionTLS12, ""}, // IPWorks's client default
		{TLS11 | TLS12 | TLS13, tls.VersionTLS11, tls.VersionTLS13, ""},
		{0x800, tls.VersionTLS12, tls.VersionTLS12, ""}, // one bit of the pair is enough
		{TLS10 | TLS13, 0, 0, "contiguous"},
		{TLS10 | TLS12, 0, 0, "contiguous"},
		{SSL3, 0, 0, "SSL 3.0"},
		{SSL2 | TLS12, 0, 0, "SSL 2.0"},
		{0x1, 0, 0, "unknown bits"},
		{0x10000 | TLS12, 0, 0, "unknown bits"},
	}
	for _, tt := range tests {
		lo, hi, err := tt.p.Range()
		if tt.wantErr != "" {
			if !errors.Is(err, ErrUnsupportedProtocol) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%d.Range() error = %v, want ErrUnsupportedProtocol containing %q", tt.p, err, tt.wantErr)
			}
			continue
		}
		if err != nil || lo != tt.min || hi != tt.max {
			t.Errorf("%d.Range() = %x, %x, %v; want %x, %x", tt.p, lo, hi, err, tt.min, tt.max)
		}
	}
}

func TestProtocolsFromRangeAndString(t *testing.T) {
	t.Parallel()
	p, err := ProtocolsFromRange(tls.VersionTLS10, tls.VersionTLS12)
	if err != nil || p != 4032 || p.String() != "TLS1|TLS1.1|TLS1.2" {
		t.Fatalf("got %d %q %v", p, p, err)
	}
	if _, err := ProtocolsFromRange(tls.VersionTLS13, tls.VersionTLS12); !errors.Is(err, ErrUnsupportedProtocol) {
		t.Fatalf("inverted range: %v", err)
	}
	if _, err := ProtocolsFromRange(0x0300, tls.VersionTLS12); !errors.Is(err, ErrUnsupportedProtocol) {
		t.Fatalf("SSL3 range: %v", err)
	}
	if s := Protocols(0).String(); s != "TLS1.2|TLS1.3" {
		t.Fatalf("zero value String = %q", s)
	}
	if s := (SSL2 | SSL3 | 0x1).String(); s != "SSL2|SSL3|0x1" {
		t.Fatalf("String = %q", s)
	}
}

func TestVersionNames(t *testing.T) {
	t.Parallel()
	for v, want := range map[uint16]string{0x0300: "SSL3", tls.VersionTLS10: "TLS1", tls.VersionTLS11: "TLS1.1",
		tls.VersionTLS12: "TLS1.2", tls.VersionTLS13: "TLS1.3", 0x0305: "0x0305"} {
		if got := VersionName(v); got != want {
			t.Errorf("VersionName(%x) = %q, want %q", v, got, want)
		}
	}
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13} {
		got, err := ParseVersion(FormatVersion(v))
		if err != nil || got != v {
			t.Errorf("round trip %x: %x %v", v, got, err)
		}
	}
	if FormatVersion(0x0300) != "" {
		t.Error("FormatVersion(SSL3) not empty")
	}
}

func TestParseVersion(t *testing.T) {
	t.Parallel()
	ok := map[string]uint16{
		"tls1.2": tls.VersionTLS12, "TLS1.3": tls.VersionTLS13, "TLSv1.1": tls.VersionTLS11, "TLS 1.0": tls.VersionTLS10,
		"tls1": tls.VersionTLS10, "TLS1": tls.VersionTLS10, "1.2": tls.VersionTLS12, "TLS_1_3": tls.VersionTLS13, " tlsv1 ": tls.VersionTLS10,
	}
	for s, want := range ok {
		if got, err := ParseVersion(s); err != nil || got != want {
			t.Errorf("ParseVersion(%q) = %x, %v; want %x", s, got, err, want)
		}
	}
	for _, s := range []string{"", "ssl3", "SSLv2", "tls1.4", "tls2", "dtls1.2", "tls", "1.2.3"} {
		_, err := ParseVersion(s)
		if !errors.Is(err, ErrUnsupportedProtocol) {
			t.Errorf("ParseVersion(%q) error = %v", s, err)
		}
	}
	if _, err := ParseVersion("ssl3"); !strings.Contains(err.Error(), "not supported by Go's crypto/tls") {
		t.Errorf("ssl3 error does not explain: %v", err)
	}
}

func TestConnectionType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c        ConnectionType
		min, max uint16
	}{
		{SSLv23, tls.VersionTLS10, tls.VersionTLS13},
		{TLSv1, tls.VersionTLS10, tls.VersionTLS10},
		{TLSv11, tls.VersionTLS11, tls.VersionTLS11},
		{TLSv12, tls.VersionTLS12, tls.VersionTLS12},
		{TLSv13, tls.VersionTLS13, tls.VersionTLS13},
	}
	for _, tt := range tests {
		p, err := tt.c.Protocols()
		if err != nil {
			t.Fatalf("%v: %v", tt.c, err)
		}
		lo, hi, err := p.Range()
		if err != nil || lo != tt.min || hi != tt.max {
			t.Errorf("%v: %x..%x %v", tt.c, lo, hi, err)
		}
	}
	for _, c := range []ConnectionType{SSLv2, SSLv3, 7, -1} {
		if _, err := c.Protocols(); !errors.Is(err, ErrUnsupportedProtocol) {
			t.Errorf("%v: %v", c, err)
		}
	}
	if TLSv12.String() != "TLSv12" || ConnectionType(9).String() != "9" {
		t.Error("ConnectionType.String")
	}
}

func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"tls1.2", "TLSv1.3", "TLS 1.0", "ssl3", "1.1", "TLS_1_2", "", "tls1.2.", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s)
		if err != nil {
			if !errors.Is(err, ErrUnsupportedProtocol) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if back, err := ParseVersion(FormatVersion(v)); err != nil || back != v {
			t.Fatalf("%q -> %x does not round-trip", s, v)
		}
	})
}

func FuzzProtocolsRange(f *testing.F) {
	for _, n := range []uint32{0, 12288, 3072, 768, 192, 48, 12, 15360, 4032, 12480} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, n uint32) {
		lo, hi, err := Protocols(n).Range()
		if err != nil {
			if !errors.Is(err, ErrUnsupportedProtocol) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		p, err := ProtocolsFromRange(lo, hi)
		if err != nil {
			t.Fatal(err)
		}
		if lo2, hi2, _ := p.Range(); lo2 != lo || hi2 != hi {
			t.Fatalf("%d: range %x..%x does not round-trip", n, lo, hi)
		}
	})
}
