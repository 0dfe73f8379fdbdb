package wsproto

import (
	"crypto/rand"
	"fmt"
)

// DefaultMaxFrameSize is the default MaxFrameSize (IPWorks's too):
// outgoing messages longer than this many payload bytes are fragmented.
const DefaultMaxFrameSize = 128 << 10

// Encoder writes the frames of one direction of a connection. It does no
// I/O: each method appends wire bytes to dst and returns the extended
// slice. It tracks whether a fragmented message is open, so a message
// streamed over several AppendFragment calls gets a correct opcode sequence,
// and control frames may be interleaved at any time (RFC 6455 §5.4).
//
// The zero value is a server encoder with the default MaxFrameSize. An
// Encoder is not safe for concurrent use.
type Encoder struct {
	// Role selects masking: RoleClient masks every frame with a fresh key
	// (RFC 6455 §5.3), RoleServer never masks.
	Role Role
	// MaxFrameSize is the largest payload of one outgoing data frame;
	// longer messages are split into continuation frames. Zero means
	// DefaultMaxFrameSize (128 KiB); a negative value disables fragmentation.
	MaxFrameSize int
	// MaskKey returns the masking key for the next client frame. Nil means
	// 4 bytes from crypto/rand, as RFC 6455 §5.3 requires; tests inject a
	// fixed source.
	MaskKey func() [4]byte

	open   bool
	openOp Opcode
	size   uint32 // payload bytes of the current or last data message (FragmentedSize)
}

func (e *Encoder) maxFrame() int {
	switch {
	case e.MaxFrameSize == 0:
		return DefaultMaxFrameSize
	case e.MaxFrameSize < 0:
		return int(^uint(0) >> 1)
	}
	return e.MaxFrameSize
}

// MessageOpen reports whether a fragmented message was started by
// AppendFragment and not finished.
func (e *Encoder) MessageOpen() bool { return e.open }

// FragmentedSize returns the payload bytes put in the data message still
// open, or in the last one ended (by AppendFragment, or AppendMessage,
// whose payload may be compressed); it stops counting at 4 GiB - 1.
func (e *Encoder) FragmentedSize() int { return int(e.size) }

// AppendMessage appends a complete text or binary message, fragmented by
// MaxFrameSize. compressed sets RSV1 on the first frame: payload must then
// already be compressed (see Compressor).
func (e *Encoder) AppendMessage(dst []byte, op Opcode, payload []byte, compressed bool) ([]byte, error) {
	if !op.IsData() {
		return dst, fmt.Errorf("wsproto: AppendMessage with %v opcode", op)
	}
	if e.open {
		return dst, fmt.Errorf("%w: a fragmented %v message is still open", ErrMessageOpen, e.openOp)
	}
	return e.AppendFragment(dst, op, payload, true, compressed)
}

// AppendFragment appends part of a message (IPWorks's MessageLength
// streaming). The first call of a message sends op; later calls send
// continuation frames and op must be the same type (or OpContinuation).
// fin ends the message. compressed is only honoured on the first call and
// sets RSV1. p is split by MaxFrameSize; an empty p still produces a frame.
func (e *Encoder) AppendFragment(dst []byte, op Opcode, p []byte, fin, compressed bool) ([]byte, error) {
	wireOp := op
	if e.open {
		if op != OpContinuation && op != e.openOp {
			return dst, fmt.Errorf("%w: %v fragment while a %v message is open", ErrMessageOpen, op, e.openOp)
		}
		wireOp = OpContinuation
		compressed = false
	} else if !op.IsData() {
		return dst, fmt.Errorf("%w: %v fragment starts no message", ErrMessageOpen, op)
	}
	if !e.open {
		e.size = 0
	}
	e.size += uint32(min(uint64(len(p)), uint64(^e.size)))
	maxf := e.maxFrame()
	for {
		n := min(len(p), maxf)
		last := n == len(p)
		h := Header{Fin: fin && last, RSV1: compressed, Opcode: wireOp}
		dst = e.appendFrame(dst, h, p[:n])
		p = p[n:]
		compressed = false
		wireOp = OpContinuation
		if last {
			break
		}
	}
	if fin {
		e.open = false
	} else if !e.open {
		e.open, e.openOp = true, op
	}
	return dst, nil
}

// AppendControl appends a ping, pong or close frame with payload (at most 125 bytes).
func (e *Encoder) AppendControl(dst []byte, op Opcode, payload []byte) ([]byte, error) {
	if !op.IsControl() || !op.defined() {
		return dst, fmt.Errorf("wsproto: AppendControl with %v opcode", op)
	}
	if len(payload) > MaxControlPayload {
		return dst, fmt.Errorf("%w: %d bytes", ErrControlTooLong, len(payload))
	}
	return e.appendFrame(dst, Header{Fin: true, Opcode: op}, payload), nil
}

// AppendClose appends a Close frame with code and reason, validated by
// AppendClosePayload (CloseNoStatus sends an empty Close frame).
func (e *Encoder) AppendClose(dst []byte, code CloseCode, reason string) ([]byte, error) {
	var buf [MaxControlPayload]byte
	p, err := AppendClosePayload(buf[:0], code, reason)
	if err != nil {
		return dst, err
	}
	return e.appendFrame(dst, Header{Fin: true, Opcode: OpClose}, p), nil
}

func (e *Encoder) appendFrame(dst []byte, h Header, payload []byte) []byte {
	if e.Role == RoleClient {
		h.Masked = true
		if e.MaskKey != nil {
			h.Mask = e.MaskKey()
		} else {
			_, _ = rand.Read(h.Mask[:]) // never fails (crypto/rand documents it)
		}
	}
	return AppendFrame(dst, h, payload)
}

// AppendFrame appends one frame: h (with h.Length set to len(payload)) and
// the payload, masked with h.Mask when h.Masked. It checks nothing; the
// Encoder methods are the validated entry points.
func AppendFrame(dst []byte, h Header, payload []byte) []byte {
	h.Length = uint64(len(payload))
	dst = AppendHeader(dst, h)
	start := len(dst)
	dst = append(dst, payload...)
	if h.Masked {
		MaskBytes(h.Mask, 0, dst[start:])
	}
	return dst
}
