package proxyproto

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"net/netip"
	"strings"
)

// Limits on a header's size.
const (
	// MaxV1Length is the longest version 1 line, CRLF included, that the
	// specification allows: "PROXY UNKNOWN" with two full IPv6 addresses
	// and ports.
	MaxV1Length = 107
	// MaxV2Length is the most bytes Parse accepts after a version 2
	// header's 16-byte fixed part (the addresses and the TLVs; the wire
	// format allows 65535). Unix socket addresses (216 bytes) and the TLVs
	// senders use fit many times over.
	MaxV2Length = 4096
)

// The signatures that open a header. Version 1's is "PROXY" and its
// space; version 2's cannot begin a text protocol or a TLS record.
var (
	sigV1 = []byte("PROXY ")
	sigV2 = []byte("\r\n\r\n\x00\r\nQUIT\n")
)

// v2Fixed is the length of a version 2 header before its addresses: the
// signature, the version and command byte, the protocol byte and the
// 16-bit length.
const v2Fixed = 16

// Parse parses the PROXY protocol header at the start of b, the bytes
// received so far. It returns the header and n, the number of bytes it
// took; b[n:] is what the peer sent after the header. Until b holds a
// whole header it returns ErrNeedMore (and n == 0): call it again with b
// and what arrives next. It fails with ErrNotProxy as soon as b cannot
// begin either signature, and with ErrInvalid, ErrTooLong,
// ErrUnsupported or ErrChecksum (wrapped with detail) as soon as the bytes
// so far break the format. Parse of a longer b never contradicts Parse of
// its prefix: the result does not depend on how the bytes were split.
func Parse(b []byte) (h Header, n int, err error) {
	if len(b) == 0 {
		return Header{}, 0, ErrNeedMore
	}
	var sig []byte
	switch b[0] {
	case sigV1[0]:
		sig = sigV1
	case sigV2[0]:
		sig = sigV2
	default:
		return Header{}, 0, ErrNotProxy
	}
	if !bytes.HasPrefix(sig, b[:min(len(b), len(sig))]) {
		return Header{}, 0, ErrNotProxy
	}
	if len(b) < len(sig) {
		return Header{}, 0, ErrNeedMore
	}
	if sig[0] == sigV1[0] {
		h, n, err = parseV1(b)
	} else {
		h, n, err = parseV2(b)
	}
	if err != nil {
		return Header{}, 0, err
	}
	return h, n, nil
}

// parseV1 parses a version 1 line; b starts with its signature.
func parseV1(b []byte) (Header, int, error) {
	end := -1 // the index of the CR
scan:
	for i := len(sigV1); i < min(len(b), MaxV1Length); i++ {
		switch b[i] {
		case '\r':
			switch {
			case i+1 == MaxV1Length:
				return Header{}, 0, fmt.Errorf("%w: version 1 line over %d bytes", ErrTooLong, MaxV1Length)
			case i+1 == len(b):
				return Header{}, 0, ErrNeedMore
			case b[i+1] != '\n':
				return Header{}, 0, fmt.Errorf("%w: version 1 line has a CR without LF", ErrInvalid)
			}
			end = i
			break scan
		case '\n':
			return Header{}, 0, fmt.Errorf("%w: version 1 line has an LF without CR", ErrInvalid)
		}
	}
	if end < 0 {
		if len(b) >= MaxV1Length {
			return Header{}, 0, fmt.Errorf("%w: version 1 line over %d bytes", ErrTooLong, MaxV1Length)
		}
		return Header{}, 0, ErrNeedMore
	}
	h := Header{Version: 1, Command: CommandProxy}
	line := string(b[len(sigV1):end])
	if line == "UNKNOWN" || strings.HasPrefix(line, "UNKNOWN ") {
		// The rest of the line, whatever it is, is to be ignored.
		return h, end + 2, nil
	}
	f := strings.Split(line, " ")
	switch f[0] {
	case "TCP4":
		h.Protocol = TCP4
	case "TCP6":
		h.Protocol = TCP6
	default:
		return Header{}, 0, fmt.Errorf("%w: version 1 protocol %q is not TCP4, TCP6 or UNKNOWN", ErrInvalid, f[0])
	}
	if len(f) != 5 {
		return Header{}, 0, fmt.Errorf("%w: version 1 %s line %q has %d fields separated by single spaces, not 5", ErrInvalid, f[0], line, len(f))
	}
	src, err := parseV1Addr(f[1], h.Protocol)
	if err != nil {
		return Header{}, 0, fmt.Errorf("%w: version 1 source address: %s", ErrInvalid, err)
	}
	dst, err := parseV1Addr(f[2], h.Protocol)
	if err != nil {
		return Header{}, 0, fmt.Errorf("%w: version 1 destination address: %s", ErrInvalid, err)
	}
	sport, err := parseV1Port(f[3])
	if err != nil {
		return Header{}, 0, fmt.Errorf("%w: version 1 source port: %s", ErrInvalid, err)
	}
	dport, err := parseV1Port(f[4])
	if err != nil {
		return Header{}, 0, fmt.Errorf("%w: version 1 destination port: %s", ErrInvalid, err)
	}
	h.Source, h.Destination = netip.AddrPortFrom(src, sport), netip.AddrPortFrom(dst, dport)
	return h, end + 2, nil
}

// parseV1Addr parses an address of protocol p: dotted-quad IPv4 for TCP4,
// IPv6 without a zone for TCP6.
func parseV1Addr(s string, p Protocol) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	switch {
	case err != nil:
		return netip.Addr{}, fmt.Errorf("%q is not an IP address", s)
	case p == TCP4 && !a.Is4():
		return netip.Addr{}, fmt.Errorf("%q is not an IPv4 address", s)
	case p == TCP6 && (!a.Is6() || a.Zone() != ""):
		return netip.Addr{}, fmt.Errorf("%q is not an IPv6 address without a zone", s)
	}
	return a, nil
}

// parseV1Port parses a decimal port, 0–65535, without a sign or leading
// zeros.
func parseV1Port(s string) (uint16, error) {
	if s == "" || len(s) > 5 || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("%q is not a port number", s)
	}
	p := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not a port number", s)
		}
		p = p*10 + int(c-'0')
	}
	if p > 65535 {
		return 0, fmt.Errorf("%q is not a port number", s)
	}
	return uint16(p), nil
}

// parseV2 parses a version 2 header; b starts with its signature. Each
// field is checked as soon as it is there.
func parseV2(b []byte) (Header, int, error) {
	if len(b) < 13 {
		return Header{}, 0, ErrNeedMore
	}
	if v := b[12] >> 4; v != 2 {
		return Header{}, 0, fmt.Errorf("%w: version %d in a version 2 header", ErrUnsupported, v)
	}
	cmd := Command(b[12] & 0x0f)
	if cmd != CommandLocal && cmd != CommandProxy {
		return Header{}, 0, fmt.Errorf("%w: command 0x%x", ErrUnsupported, uint8(cmd))
	}
	if len(b) < 14 {
		return Header{}, 0, ErrNeedMore
	}
	proto := Protocol(b[13])
	addrLen, ok := proto.addrLen()
	if !ok {
		return Header{}, 0, fmt.Errorf("%w: address family and transport 0x%02x", ErrUnsupported, b[13])
	}
	if len(b) < v2Fixed {
		return Header{}, 0, ErrNeedMore
	}
	l := int(binary.BigEndian.Uint16(b[14:16]))
	if l > MaxV2Length {
		return Header{}, 0, fmt.Errorf("%w: version 2 length %d over %d", ErrTooLong, l, MaxV2Length)
	}
	if l < addrLen {
		return Header{}, 0, fmt.Errorf("%w: version 2 length %d too short for %s addresses (%d bytes)", ErrInvalid, l, proto, addrLen)
	}
	n := v2Fixed + l
	if len(b) < n {
		return Header{}, 0, ErrNeedMore
	}
	h := Header{Version: 2, Command: cmd, Protocol: proto}
	if cmd == CommandProxy {
		h.Source, h.Destination = v2Addrs(proto, b[v2Fixed:v2Fixed+addrLen])
	}
	if l > addrLen {
		// The TLVs refer to a copy: the header must not keep b.
		own := bytes.Clone(b[v2Fixed+addrLen : n])
		tlvs, err := parseTLVs(own, "TLV")
		if err != nil {
			return Header{}, 0, err
		}
		for _, x := range tlvs {
			if err := checkTLV(x); err != nil {
				return Header{}, 0, err
			}
		}
		if err := checkCRC32C(b[:n], v2Fixed+addrLen, tlvs); err != nil {
			return Header{}, 0, err
		}
		h.TLVs = tlvs
	}
	return h, n, nil
}

// v2Addrs decodes an address block of protocol p: the source and
// destination addresses, then the source and destination ports. It
// returns zero AddrPorts for protocols without IP addresses.
func v2Addrs(p Protocol, a []byte) (src, dst netip.AddrPort) {
	switch p {
	case TCP4, UDP4:
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(a[0:4])), binary.BigEndian.Uint16(a[8:10])),
			netip.AddrPortFrom(netip.AddrFrom4([4]byte(a[4:8])), binary.BigEndian.Uint16(a[10:12]))
	case TCP6, UDP6:
		return netip.AddrPortFrom(netip.AddrFrom16([16]byte(a[0:16])), binary.BigEndian.Uint16(a[32:34])),
			netip.AddrPortFrom(netip.AddrFrom16([16]byte(a[16:32])), binary.BigEndian.Uint16(a[34:36]))
	}
	return netip.AddrPort{}, netip.AddrPort{}
}

var (
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
	zeroSum    [4]byte // the checksum's bytes, as they count in the checksum
)

// checkCRC32C checks every CRC32C TLV of the header hdr, whose TLVs start
// at offset tlvStart: the checksum is over the whole header with the
// checksum's own 4 bytes taken as zeros.
func checkCRC32C(hdr []byte, tlvStart int, tlvs []TLV) error {
	off := tlvStart
	for _, x := range tlvs {
		valueAt := off + 3
		off = valueAt + len(x.Value)
		if x.Type != TypeCRC32C {
			continue
		}
		sum := crc32.Update(0, castagnoli, hdr[:valueAt])
		sum = crc32.Update(sum, castagnoli, zeroSum[:])
		sum = crc32.Update(sum, castagnoli, hdr[valueAt+4:])
		if got := binary.BigEndian.Uint32(x.Value); got != sum {
			return fmt.Errorf("%w: header says %08x, its bytes give %08x", ErrChecksum, got, sum)
		}
	}
	return nil
}
