package wsproto

import (
	"encoding/binary"
	"strconv"
)

// Opcode is a frame opcode (RFC 6455 §5.2).
type Opcode uint8

// Defined opcodes. 0x3-0x7 and 0xB-0xF are reserved and rejected.
const (
	OpContinuation Opcode = 0x0
	OpText         Opcode = 0x1
	OpBinary       Opcode = 0x2
	OpClose        Opcode = 0x8
	OpPing         Opcode = 0x9
	OpPong         Opcode = 0xA
)

// IsControl reports whether op is a control opcode (most significant opcode bit set).
func (op Opcode) IsControl() bool { return op&0x8 != 0 }

// IsData reports whether op is text or binary (the opcodes that start a message).
func (op Opcode) IsData() bool { return op == OpText || op == OpBinary }

func (op Opcode) defined() bool {
	switch op {
	case OpContinuation, OpText, OpBinary, OpClose, OpPing, OpPong:
		return true
	}
	return false
}

func (op Opcode) String() string {
	switch op {
	case OpContinuation:
		return "continuation"
	case OpText:
		return "text"
	case OpBinary:
		return "binary"
	case OpClose:
		return "close"
	case OpPing:
		return "ping"
	case OpPong:
		return "pong"
	}
	return "opcode(" + strconv.Itoa(int(op)) + ")"
}

// Role is the local endpoint's side of the connection. It decides the
// masking rule: a server receives masked frames and sends unmasked ones, a
// client the opposite (RFC 6455 §5.1).
type Role uint8

const (
	RoleServer Role = iota
	RoleClient
)

func (r Role) String() string {
	if r == RoleClient {
		return "client"
	}
	return "server"
}

// MaxControlPayload is the largest control frame payload (RFC 6455 §5.5).
const MaxControlPayload = 125

// MaxHeaderSize is the largest frame header: 2 bytes, 8 of extended length
// and 4 of masking key.
const MaxHeaderSize = 14

// Header is a frame header.
type Header struct {
	Fin    bool
	RSV1   bool // permessage-deflate: "Per-Message Compressed"
	RSV2   bool
	RSV3   bool
	Opcode Opcode
	Masked bool
	Mask   [4]byte
	Length uint64 // payload length
}

// AppendHeader appends h in wire form, using the shortest length encoding
// as RFC 6455 §5.2 requires. Length must be below 2^63.
func AppendHeader(dst []byte, h Header) []byte {
	b0 := byte(h.Opcode & 0xF)
	if h.Fin {
		b0 |= 0x80
	}
	if h.RSV1 {
		b0 |= 0x40
	}
	if h.RSV2 {
		b0 |= 0x20
	}
	if h.RSV3 {
		b0 |= 0x10
	}
	var b1 byte
	if h.Masked {
		b1 = 0x80
	}
	switch {
	case h.Length <= 125:
		dst = append(dst, b0, b1|byte(h.Length))
	case h.Length <= 0xFFFF:
		dst = append(dst, b0, b1|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(h.Length))
	default:
		dst = append(dst, b0, b1|127)
		dst = binary.BigEndian.AppendUint64(dst, h.Length&(1<<63-1))
	}
	if h.Masked {
		dst = append(dst, h.Mask[:]...)
	}
	return dst
}

// headerSize returns the size of the header that starts with b0,b1.
func headerSize(b1 byte) int {
	n := 2
	switch b1 & 0x7F {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if b1&0x80 != 0 {
		n += 4
	}
	return n
}
