package proxyproto

import (
	"bytes"
	"reflect"
	"testing"
)

func TestHeaderTLVAccessors(t *testing.T) {
	t.Parallel()
	subs := []TLV{
		{Type: TypeSSLVersion, Value: []byte("TLSv1.3")},
		{Type: TypeSSLCN, Value: []byte("client.example")},
		{Type: TypeSSLCipher, Value: []byte("TLS_AES_128_GCM_SHA256")},
		{Type: TypeSSLSigAlg, Value: []byte("SHA256")},
		{Type: TypeSSLKeyAlg, Value: []byte("EC256")},
	}
	in := v2Header(0x21, byte(TCP4), inet4("192.0.2.1", "192.0.2.2", 1, 2),
		TLV{Type: TypeALPN, Value: []byte("h2")},
		TLV{Type: TypeAuthority, Value: []byte("example.com")},
		TLV{Type: TypeUniqueID, Value: []byte{0xde, 0xad}},
		TLV{Type: TypeSSL, Value: sslValue(ClientSSL|ClientCertConn, 0, subs...)},
		TLV{Type: TypeNetNS, Value: []byte("blue")},
		TLV{Type: 0xE0, Value: []byte("first")},
		TLV{Type: 0xE0, Value: []byte("second")},
	)
	h, _, err := Parse(withCRC32C(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := h.ALPN(); got != "h2" {
		t.Errorf("ALPN = %q", got)
	}
	if got := h.Authority(); got != "example.com" {
		t.Errorf("Authority = %q", got)
	}
	if got := h.UniqueID(); !bytes.Equal(got, []byte{0xde, 0xad}) {
		t.Errorf("UniqueID = %x", got)
	}
	if got := h.NetNS(); got != "blue" {
		t.Errorf("NetNS = %q", got)
	}
	if v, ok := h.Value(0xE0); !ok || string(v) != "first" {
		t.Errorf("Value(0xE0) = %q, %v; want the first", v, ok)
	}
	if len(h.TLVs) != 8 || h.TLVs[7].Type != TypeCRC32C {
		t.Errorf("TLVs = %+v, want all 8 in order, the CRC32C last", h.TLVs)
	}
	s, ok := h.SSL()
	if !ok {
		t.Fatal("no SSL TLV")
	}
	if s.Client != ClientSSL|ClientCertConn || s.Verify != 0 || !reflect.DeepEqual(s.TLVs, subs) {
		t.Errorf("SSL = %+v", s)
	}
	for _, c := range []struct{ name, got, want string }{
		{"Version", s.Version(), "TLSv1.3"},
		{"CommonName", s.CommonName(), "client.example"},
		{"Cipher", s.Cipher(), "TLS_AES_128_GCM_SHA256"},
		{"SignatureAlgorithm", s.SignatureAlgorithm(), "SHA256"},
		{"KeyAlgorithm", s.KeyAlgorithm(), "EC256"},
	} {
		if c.got != c.want {
			t.Errorf("SSL.%s = %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestHeaderTLVAccessorsAbsent(t *testing.T) {
	t.Parallel()
	for name, in := range map[string][]byte{
		"v1":             []byte("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n"),
		"v2 without TLV": v2Header(0x21, byte(TCP4), inet4("192.0.2.1", "192.0.2.2", 1, 2)),
	} {
		h, _, err := Parse(in)
		if err != nil {
			t.Fatal(name, err)
		}
		if h.ALPN() != "" || h.Authority() != "" || h.UniqueID() != nil || h.NetNS() != "" || h.TLVs != nil {
			t.Errorf("%s: TLVs where none were sent: %+v", name, h)
		}
		if _, ok := h.Value(TypeALPN); ok {
			t.Errorf("%s: Value found a TLV", name)
		}
		if s, ok := h.SSL(); ok {
			t.Errorf("%s: SSL = %+v", name, s)
		}
	}
	var s SSL
	if s.Version() != "" || s.CommonName() != "" {
		t.Error("zero SSL has values")
	}
}

// TestCRC32CKnownHeader checks the checksum rule (the whole header, the
// checksum's bytes as zeros, CRC-32C) against a value computed by hand
// from its definition, not by this package's helpers: a LOCAL UNSPEC
// header whose only TLV is the checksum.
func TestCRC32CKnownHeader(t *testing.T) {
	t.Parallel()
	in := append(bytes.Clone(sigV2), 0x20, 0x00, 0x00, 0x07, byte(TypeCRC32C), 0x00, 0x04)
	zeroed := append(bytes.Clone(in), 0, 0, 0, 0)
	sum := crc32cBitwise(zeroed)
	in = append(in, byte(sum>>24), byte(sum>>16), byte(sum>>8), byte(sum))
	if _, n, err := Parse(in); err != nil || n != len(in) {
		t.Fatalf("Parse = (%d, %v)", n, err)
	}
}

// crc32cBitwise is CRC-32C (reflected polynomial 0x82F63B78) one bit at a
// time.
func crc32cBitwise(b []byte) uint32 {
	c := ^uint32(0)
	for _, x := range b {
		c ^= uint32(x)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ 0x82F63B78
			} else {
				c >>= 1
			}
		}
	}
	return ^c
}

func TestCRC32CBitwiseCheckValue(t *testing.T) {
	t.Parallel()
	// The check value of CRC-32C: the checksum of "123456789".
	if got := crc32cBitwise([]byte("123456789")); got != 0xE3069283 {
		t.Fatalf("crc32cBitwise = %08x", got)
	}
}
