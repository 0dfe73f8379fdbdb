package proxyproto

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"net/netip"
	"reflect"
	"testing"
)

// v2Header builds a version 2 header: the signature, verCmd, proto, the
// length, addr and the TLVs.
func v2Header(verCmd, proto byte, addr []byte, tlvs ...TLV) []byte {
	b := append([]byte(nil), sigV2...)
	b = append(b, verCmd, proto, 0, 0)
	b = append(b, addr...)
	b = appendTLVs(b, tlvs...)
	binary.BigEndian.PutUint16(b[14:16], uint16(len(b)-v2Fixed))
	return b
}

func appendTLVs(b []byte, tlvs ...TLV) []byte {
	for _, x := range tlvs {
		b = append(b, byte(x.Type), byte(len(x.Value)>>8), byte(len(x.Value)))
		b = append(b, x.Value...)
	}
	return b
}

// withCRC32C appends a CRC32C TLV to the version 2 header b and sets it.
func withCRC32C(b []byte) []byte {
	b = append(b[:len(b):len(b)], byte(TypeCRC32C), 0, 4, 0, 0, 0, 0)
	binary.BigEndian.PutUint16(b[14:16], uint16(len(b)-v2Fixed))
	sum := crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli))
	binary.BigEndian.PutUint32(b[len(b)-4:], sum)
	return b
}

func inet4(src, dst string, sport, dport uint16) []byte {
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	b := append(s[:], d[:]...)
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(b, sport), dport)
}

func inet6(src, dst string, sport, dport uint16) []byte {
	s, d := netip.MustParseAddr(src).As16(), netip.MustParseAddr(dst).As16()
	b := append(s[:], d[:]...)
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(b, sport), dport)
}

func sslValue(client SSLClient, verify uint32, subs ...TLV) []byte {
	b := binary.BigEndian.AppendUint32([]byte{byte(client)}, verify)
	return appendTLVs(b, subs...)
}

// feed parses b as it would arrive one byte at a time: Parse is called on
// each longer prefix until it returns something other than ErrNeedMore.
func feed(b []byte) (Header, int, error) {
	for k := 0; k < len(b); k++ {
		h, n, err := Parse(b[:k])
		if !errors.Is(err, ErrNeedMore) {
			return h, n, err
		}
	}
	return Parse(b)
}

// sameResult fails t unless two results of Parse are equal: the same
// header, count and error text.
func sameResult(t *testing.T, what string, h1 Header, n1 int, err1 error, h2 Header, n2 int, err2 error) {
	t.Helper()
	if n1 != n2 || errText(err1) != errText(err2) || !reflect.DeepEqual(h1, h2) {
		t.Fatalf("%s: got (%+v, %d, %v), want (%+v, %d, %v)", what, h1, n1, err1, h2, n2, err2)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
