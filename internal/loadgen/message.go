package loadgen

import (
	"encoding/binary"
	"hash/crc32"
)

// A message is Options.Size bytes:
//
//	0..8   sequence number within its connection, big endian
//	8..16  send time in nanoseconds since the run started
//	16..20 CRC-32C of every other byte of the message
//	20..   filler that changes with the sequence number
//
// An echo server must return it unchanged, in order: the sequence number
// finds dropped, duplicated and reordered messages, the checksum corrupted
// ones, and the send time gives the round-trip latency without a lookup.
const headerSize = 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func checksum(msg []byte) uint32 {
	c := crc32.Update(0, castagnoli, msg[:16])
	return crc32.Update(c, castagnoli, msg[headerSize:])
}

// fillMessage writes a complete message for seq into msg.
func fillMessage(msg []byte, seq uint64, sent int64) {
	binary.BigEndian.PutUint64(msg[0:], seq)
	binary.BigEndian.PutUint64(msg[8:], uint64(sent))
	// Only the first filler word varies, which is enough for the checksum
	// to differ per message without rewriting large payloads.
	if len(msg) >= headerSize+8 {
		binary.BigEndian.PutUint64(msg[headerSize:], ^seq)
	}
	binary.BigEndian.PutUint32(msg[16:], checksum(msg))
}

// newMessageBuffer returns a buffer of size bytes with a fixed filler.
func newMessageBuffer(size int) []byte {
	b := make([]byte, size)
	for i := headerSize; i < size; i++ {
		b[i] = byte(i*7 + 3)
	}
	return b
}

// parseMessage checks msg's checksum and returns its sequence number and
// send time.
func parseMessage(msg []byte) (seq uint64, sent int64, ok bool) {
	if len(msg) < headerSize || binary.BigEndian.Uint32(msg[16:]) != checksum(msg) {
		return 0, 0, false
	}
	return binary.BigEndian.Uint64(msg), int64(binary.BigEndian.Uint64(msg[8:])), true
}
