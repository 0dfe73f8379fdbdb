package wsproto

import "encoding/binary"

// MaskBytes XORs b in place with key, starting at position pos of the
// masking cycle (the payload offset modulo 4; RFC 6455 §5.3), and returns
// the position after b. Masking and unmasking are the same operation.
//
// It works eight bytes at a time: the key is rotated to pos once, and since
// 8 is a multiple of 4 the rotation stays valid for every word.
func MaskBytes(key [4]byte, pos int, b []byte) int {
	pos &= 3
	end := (pos + len(b)) & 3
	if len(b) < 8 {
		for i := range b {
			b[i] ^= key[(pos+i)&3]
		}
		return end
	}
	var rk [4]byte
	for i := range rk {
		rk[i] = key[(pos+i)&3]
	}
	k32 := binary.LittleEndian.Uint32(rk[:])
	k64 := uint64(k32) | uint64(k32)<<32
	for len(b) >= 32 {
		binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k64)
		binary.LittleEndian.PutUint64(b[8:], binary.LittleEndian.Uint64(b[8:])^k64)
		binary.LittleEndian.PutUint64(b[16:], binary.LittleEndian.Uint64(b[16:])^k64)
		binary.LittleEndian.PutUint64(b[24:], binary.LittleEndian.Uint64(b[24:])^k64)
		b = b[32:]
	}
	for len(b) >= 8 {
		binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k64)
		b = b[8:]
	}
	for i := range b {
		b[i] ^= rk[i&3]
	}
	return end
}
