package proxyproto

import "testing"

// BenchmarkParse: the cost per connection of a header HAProxy sends, whole
// in one read.
func BenchmarkParse(b *testing.B) {
	v2tls := withCRC32C(v2Header(0x21, byte(TCP4), inet4("192.0.2.1", "198.51.100.2", 56324, 443),
		TLV{Type: TypeALPN, Value: []byte("h2")},
		TLV{Type: TypeAuthority, Value: []byte("example.com")},
		TLV{Type: TypeSSL, Value: sslValue(ClientSSL, 0,
			TLV{Type: TypeSSLVersion, Value: []byte("TLSv1.3")},
			TLV{Type: TypeSSLCipher, Value: []byte("TLS_AES_256_GCM_SHA384")})},
	))
	for _, c := range []struct {
		name string
		in   []byte
	}{
		{"v1 TCP4", []byte("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n")},
		{"v1 TCP6", []byte("PROXY TCP6 2001:db8::1 2001:db8::2 56324 443\r\n")},
		{"v2 TCP4", v2Header(0x21, byte(TCP4), inet4("192.0.2.1", "198.51.100.2", 56324, 443))},
		{"v2 TCP4 TLS TLVs CRC32C", v2tls},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.in)))
			for b.Loop() {
				if _, _, err := Parse(c.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
