package proxyproto

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

type parseCase struct {
	name string
	in   []byte
	want Header // when err is nil
	n    int    // bytes the header takes, when err is nil
	err  error  // the sentinel, or nil
}

var ap = netip.MustParseAddrPort

// A longest version 1 line: UNKNOWN with two full IPv6 addresses and ports.
const longestV1 = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"

func v1Cases() []parseCase {
	tcp4 := Header{Version: 1, Command: CommandProxy, Protocol: TCP4,
		Source: ap("192.0.2.1:56324"), Destination: ap("198.51.100.2:443")}
	tcp6 := Header{Version: 1, Command: CommandProxy, Protocol: TCP6,
		Source: ap("[2001:db8::1]:0"), Destination: ap("[::ffff:192.0.2.9]:65535")}
	unknown := Header{Version: 1, Command: CommandProxy, Protocol: Unspec}
	valid := func(name, line, rest string, h Header) parseCase {
		return parseCase{name: name, in: []byte(line + rest), want: h, n: len(line)}
	}
	bad := func(name, in string, err error) parseCase {
		return parseCase{name: name, in: []byte(in), err: err}
	}
	return []parseCase{
		valid("TCP4", "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n", "", tcp4),
		valid("TCP4 and the bytes after", "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n", "\x16\x03\x01\x02\x00", tcp4),
		valid("TCP6", "PROXY TCP6 2001:db8::1 ::ffff:192.0.2.9 0 65535\r\n", "GET / HTTP/1.1\r\n", tcp6),
		valid("UNKNOWN alone", "PROXY UNKNOWN\r\n", "x", unknown),
		valid("UNKNOWN ignores the rest", "PROXY UNKNOWN whatever \x00 follows\r\n", "", unknown),
		valid("longest line", longestV1, "after", unknown),

		bad("108 bytes without CRLF", "PROXY UNKNOWN "+strings.Repeat("a", 94), ErrTooLong),
		bad("CRLF one byte too late", "PROXY UNKNOWN "+strings.Repeat("a", 92)+"\r\n", ErrTooLong),
		bad("LF without CR", "PROXY TCP4 192.0.2.1 198.51.100.2 1 2\n", ErrInvalid),
		bad("CR without LF", "PROXY TCP4 192.0.2.1 198.51.100.2 1 2\r\r\n", ErrInvalid),
		bad("unknown protocol", "PROXY UDP4 192.0.2.1 198.51.100.2 1 2\r\n", ErrInvalid),
		bad("lower case protocol", "PROXY tcp4 192.0.2.1 198.51.100.2 1 2\r\n", ErrInvalid),
		bad("UNKNOWN glued to more", "PROXY UNKNOWNX\r\n", ErrInvalid),
		bad("empty protocol", "PROXY \r\n", ErrInvalid),
		bad("two spaces", "PROXY TCP4 192.0.2.1  198.51.100.2 1 2\r\n", ErrInvalid),
		bad("trailing space", "PROXY TCP4 192.0.2.1 198.51.100.2 1 2 \r\n", ErrInvalid),
		bad("tab separator", "PROXY TCP4 192.0.2.1\t198.51.100.2 1 2\r\n", ErrInvalid),
		bad("four fields", "PROXY TCP4 192.0.2.1 198.51.100.2 1\r\n", ErrInvalid),
		bad("six fields", "PROXY TCP4 192.0.2.1 198.51.100.2 1 2 3\r\n", ErrInvalid),
		bad("IPv6 under TCP4", "PROXY TCP4 2001:db8::1 198.51.100.2 1 2\r\n", ErrInvalid),
		bad("IPv4 under TCP6", "PROXY TCP6 2001:db8::1 192.0.2.1 1 2\r\n", ErrInvalid),
		bad("IPv6 zone", "PROXY TCP6 fe80::1%eth0 2001:db8::2 1 2\r\n", ErrInvalid),
		bad("IPv4 with a leading zero", "PROXY TCP4 192.0.2.01 198.51.100.2 1 2\r\n", ErrInvalid),
		bad("host name", "PROXY TCP4 localhost 198.51.100.2 1 2\r\n", ErrInvalid),
		bad("port with a leading zero", "PROXY TCP4 192.0.2.1 198.51.100.2 080 443\r\n", ErrInvalid),
		bad("port 00", "PROXY TCP4 192.0.2.1 198.51.100.2 00 443\r\n", ErrInvalid),
		bad("port 65536", "PROXY TCP4 192.0.2.1 198.51.100.2 65536 443\r\n", ErrInvalid),
		bad("port of six digits", "PROXY TCP4 192.0.2.1 198.51.100.2 100000 443\r\n", ErrInvalid),
		bad("signed port", "PROXY TCP4 192.0.2.1 198.51.100.2 +80 443\r\n", ErrInvalid),
		bad("empty port", "PROXY TCP4 192.0.2.1 198.51.100.2 80 \r\n", ErrInvalid),
		bad("hex port", "PROXY TCP4 192.0.2.1 198.51.100.2 80 0x1bb\r\n", ErrInvalid),
		bad("lower case signature", "proxy TCP4 192.0.2.1 198.51.100.2 1 2\r\n", ErrNotProxy),
		bad("signature without its space", "PROXY\r\n", ErrNotProxy),
	}
}

func v2Cases() []parseCase {
	const (
		v2Local = 0x20
		v2Proxy = 0x21
	)
	a4 := inet4("192.0.2.1", "198.51.100.2", 56324, 443)
	a6 := inet6("2001:db8::1", "2001:db8::2", 1, 65535)
	tcp4 := Header{Version: 2, Command: CommandProxy, Protocol: TCP4,
		Source: ap("192.0.2.1:56324"), Destination: ap("198.51.100.2:443")}
	tcp6 := Header{Version: 2, Command: CommandProxy, Protocol: TCP6,
		Source: ap("[2001:db8::1]:1"), Destination: ap("[2001:db8::2]:65535")}
	udp4 := tcp4
	udp4.Protocol = UDP4
	valid := func(name string, hdr []byte, rest string, h Header) parseCase {
		return parseCase{name: name, in: append(hdr[:len(hdr):len(hdr)], rest...), want: h, n: len(hdr)}
	}
	bad := func(name string, in []byte, err error) parseCase {
		return parseCase{name: name, in: in, err: err}
	}
	tlvs := []TLV{
		{Type: TypeALPN, Value: []byte("h2")},
		{Type: TypeAuthority, Value: []byte("example.com")},
		{Type: TypeNoop, Value: []byte{}},
		{Type: 0xEA, Value: []byte{1, 2, 3}},
	}
	withTLVs := tcp4
	withTLVs.TLVs = tlvs
	ssl := []TLV{{Type: TypeSSL, Value: sslValue(ClientSSL, 0, TLV{Type: TypeSSLVersion, Value: []byte("TLSv1.3")})}}
	withSSL := tcp6
	withSSL.TLVs = ssl
	crc := withCRC32C(v2Header(v2Proxy, byte(TCP4), a4, tlvs...))
	withCRC := tcp4
	withCRC.TLVs = append(append([]TLV(nil), tlvs...), TLV{Type: TypeCRC32C, Value: crc[len(crc)-4:]})
	badCRC := bytes.Clone(crc)
	badCRC[len(badCRC)-1] ^= 1
	corrupted := bytes.Clone(crc)
	corrupted[v2Fixed] ^= 0x80 // the source address, covered by the checksum
	localWithAddrs := Header{Version: 2, Command: CommandLocal, Protocol: TCP4}
	tooLong := v2Header(v2Proxy, byte(TCP4), a4, TLV{Type: TypeNoop, Value: make([]byte, MaxV2Length-12-3+1)})
	longest := v2Header(v2Proxy, byte(TCP4), a4, TLV{Type: TypeNoop, Value: make([]byte, MaxV2Length-12-3)})
	longestH := tcp4
	longestH.TLVs = []TLV{{Type: TypeNoop, Value: make([]byte, MaxV2Length-12-3)}}
	return []parseCase{
		valid("LOCAL", v2Header(v2Local, byte(Unspec), nil), "\x16\x03\x01", Header{Version: 2, Command: CommandLocal}),
		valid("LOCAL ignores addresses", v2Header(v2Local, byte(TCP4), a4), "", localWithAddrs),
		valid("TCP4", v2Header(v2Proxy, byte(TCP4), a4), "rest", tcp4),
		valid("TCP6", v2Header(v2Proxy, byte(TCP6), a6), "", tcp6),
		valid("UDP4", v2Header(v2Proxy, byte(UDP4), a4), "", udp4),
		valid("PROXY UNSPEC", v2Header(v2Proxy, byte(Unspec), nil), "", Header{Version: 2, Command: CommandProxy}),
		valid("UNIX stream", v2Header(v2Proxy, byte(UnixStream), make([]byte, 216)), "", Header{Version: 2, Command: CommandProxy, Protocol: UnixStream}),
		valid("TLVs", v2Header(v2Proxy, byte(TCP4), a4, tlvs...), "", withTLVs),
		valid("SSL TLV", v2Header(v2Proxy, byte(TCP6), a6, ssl...), "", withSSL),
		valid("CRC32C", crc, "after", withCRC),
		valid("longest", longest, "", longestH),

		bad("TLS record", []byte("\x16\x03\x01\x02\x00\x01"), ErrNotProxy),
		bad("signature broken at its last byte", append(append([]byte(nil), sigV2[:11]...), 'X', 0x21, 0x11), ErrNotProxy),
		bad("version 1 in the binary form", v2Header(0x11, byte(TCP4), a4), ErrUnsupported),
		bad("version 3", v2Header(0x31, byte(TCP4), a4), ErrUnsupported),
		bad("command 2", v2Header(0x22, byte(TCP4), a4), ErrUnsupported),
		bad("family 4", v2Header(v2Proxy, 0x41, a4), ErrUnsupported),
		bad("transport 3", v2Header(v2Proxy, 0x13, a4), ErrUnsupported),
		bad("family without transport", v2Header(v2Proxy, 0x10, a4), ErrUnsupported),
		bad("length under the addresses", v2Header(v2Proxy, byte(TCP4), a4[:11]), ErrInvalid),
		bad("UNIX addresses cut", v2Header(v2Proxy, byte(UnixStream), make([]byte, 215)), ErrInvalid),
		bad("length over the limit", tooLong, ErrTooLong),
		bad("length over the limit, only the fixed part there", tooLong[:v2Fixed], ErrTooLong),
		bad("TLV overruns", v2Header(v2Proxy, byte(TCP4), append(bytes.Clone(a4), byte(TypeALPN), 0, 3, 'h', '2')), ErrInvalid),
		bad("TLV header cut", v2Header(v2Proxy, byte(TCP4), append(bytes.Clone(a4), byte(TypeALPN), 0)), ErrInvalid),
		bad("CRC32C wrong", badCRC, ErrChecksum),
		bad("CRC32C over changed bytes", corrupted, ErrChecksum),
		bad("CRC32C of 3 bytes", v2Header(v2Proxy, byte(TCP4), a4, TLV{Type: TypeCRC32C, Value: []byte{1, 2, 3}}), ErrInvalid),
		bad("UNIQUE_ID of 129 bytes", v2Header(v2Proxy, byte(TCP4), a4, TLV{Type: TypeUniqueID, Value: make([]byte, 129)}), ErrInvalid),
		bad("SSL TLV under 5 bytes", v2Header(v2Proxy, byte(TCP4), a4, TLV{Type: TypeSSL, Value: []byte{1, 0, 0, 0}}), ErrInvalid),
		bad("SSL sub-TLV overruns", v2Header(v2Proxy, byte(TCP4), a4, TLV{Type: TypeSSL, Value: append(sslValue(ClientSSL, 0), byte(TypeSSLCN), 0, 9, 'x')}), ErrInvalid),
	}
}

func TestParseV1(t *testing.T) { t.Parallel(); runParseCases(t, v1Cases()) }
func TestParseV2(t *testing.T) { t.Parallel(); runParseCases(t, v2Cases()) }

func runParseCases(t *testing.T, cases []parseCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, n, err := Parse(c.in)
			if c.err != nil {
				if !errors.Is(err, c.err) || n != 0 || !reflect.DeepEqual(h, Header{}) {
					t.Fatalf("Parse = (%+v, %d, %v), want error %v", h, n, err, c.err)
				}
				return
			}
			if err != nil || n != c.n || !reflect.DeepEqual(h, c.want) {
				t.Fatalf("Parse = (%+v, %d, %v), want (%+v, %d, nil)", h, n, err, c.want, c.n)
			}
		})
	}
}

// TestParseSplitAtEveryByte: feeding a header one byte at a time gives
// what parsing it whole gives, valid or not, and every proper prefix of a
// valid header is ErrNeedMore.
func TestParseSplitAtEveryByte(t *testing.T) {
	t.Parallel()
	for _, c := range append(v1Cases(), v2Cases()...) {
		t.Run(c.name, func(t *testing.T) {
			h, n, err := Parse(c.in)
			fh, fn, ferr := feed(c.in)
			sameResult(t, "fed a byte at a time", fh, fn, ferr, h, n, err)
			if err != nil {
				return
			}
			for k := range n {
				if _, m, err := Parse(c.in[:k]); err != ErrNeedMore || m != 0 {
					t.Fatalf("Parse of the first %d of %d bytes = (%d, %v), want ErrNeedMore", k, n, m, err)
				}
			}
		})
	}
}

// TestParseNotProxyAtOnce: bytes that cannot start a header fail at the
// first byte that shows it, so a server requiring a header resets without
// waiting for more.
func TestParseNotProxyAtOnce(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		in   string
		at   int // the length at which ErrNotProxy comes
	}{
		{"TLS ClientHello", "\x16\x03\x01\x00\xf4\x01", 1},
		{"HTTP request", "GET / HTTP/1.1\r\n", 1},
		{"SSH banner", "SSH-2.0-OpenSSH\r\n", 1},
		{"PROXY misspelt", "PROXX TCP4", 5},
		{"binary signature misspelt", "\r\n\r\n\x00\r\nQUIX\n!", 11},
		{"CRLF CRLF then text", "\r\n\r\nGET", 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			for k := 0; k < c.at; k++ {
				if _, _, err := Parse([]byte(c.in[:k])); err != ErrNeedMore {
					t.Fatalf("Parse of %q = %v, want ErrNeedMore", c.in[:k], err)
				}
			}
			if _, n, err := Parse([]byte(c.in[:c.at])); err != ErrNotProxy || n != 0 {
				t.Fatalf("Parse of %q = (%d, %v), want ErrNotProxy", c.in[:c.at], n, err)
			}
		})
	}
}

// TestParseEarlyErrors: a broken field fails as soon as it arrives, not
// when the whole header is there.
func TestParseEarlyErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		in   []byte
		err  error
	}{
		{"v2 version at byte 13", append(bytes.Clone(sigV2), 0x31), ErrUnsupported},
		{"v2 family at byte 14", append(bytes.Clone(sigV2), 0x21, 0x51), ErrUnsupported},
		{"v2 length at byte 16", append(bytes.Clone(sigV2), 0x21, 0x11, 0xff, 0xff), ErrTooLong},
		{"v2 length under the addresses at byte 16", append(bytes.Clone(sigV2), 0x21, 0x11, 0, 11), ErrInvalid},
		{"v1 LF", []byte("PROXY TCP4\n"), ErrInvalid},
		{"v1 CR without LF", []byte("PROXY TCP4\rX"), ErrInvalid},
		{"v1 107 bytes without CRLF", []byte(strings.Repeat("PROXY ", 18)[:MaxV1Length]), ErrTooLong},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, _, err := Parse(c.in); !errors.Is(err, c.err) {
				t.Fatalf("Parse = %v, want %v", err, c.err)
			}
		})
	}
}

// TestParseDoesNotKeepInput: the header's TLV values are its own, so the
// caller may reuse its read buffer.
func TestParseDoesNotKeepInput(t *testing.T) {
	t.Parallel()
	in := v2Header(0x21, byte(TCP4), inet4("192.0.2.1", "192.0.2.2", 1, 2), TLV{Type: TypeAuthority, Value: []byte("example.com")})
	h, _, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	clear(in)
	if got := h.Authority(); got != "example.com" {
		t.Fatalf("Authority after the input was cleared = %q", got)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	if len(longestV1) != MaxV1Length {
		t.Fatalf("the longest version 1 line is %d bytes, MaxV1Length %d", len(longestV1), MaxV1Length)
	}
}

func TestStrings(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ got, want string }{
		{CommandLocal.String(), "LOCAL"},
		{CommandProxy.String(), "PROXY"},
		{Command(7).String(), "Command(7)"},
		{TCP4.String(), "TCP4"},
		{UnixDatagram.String(), "UNIX_DGRAM"},
		{Unspec.String(), "UNSPEC"},
		{Protocol(0x41).String(), "Protocol(0x41)"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
