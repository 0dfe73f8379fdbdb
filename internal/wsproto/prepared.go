package wsproto

import (
	"fmt"
	"sync"
)

// PreparedMessage is a server message encoded once for broadcast to many
// connections (WS-7). Server frames are unmasked, so the same bytes serve
// every connection: the plain frames are built once, and the compressed
// frames once per compression level. The compressed form is compressed
// independently of any connection's history, which every permessage-deflate
// receiver accepts whatever context takeover was negotiated; the sending
// connection then drops its own compression context (see
// Encoder.AppendPrepared). A PreparedMessage is safe for concurrent use.
type PreparedMessage struct {
	op       Opcode
	payload  []byte
	maxFrame int

	mu     sync.Mutex
	frames map[int][]byte // flate level → frames; 0 → uncompressed
}

// NewPreparedMessage prepares a text or binary message. payload is kept
// (not copied) and must not change afterwards. maxFrameSize is the
// fragmentation size as in Encoder.MaxFrameSize.
func NewPreparedMessage(op Opcode, payload []byte, maxFrameSize int) (*PreparedMessage, error) {
	if !op.IsData() {
		return nil, fmt.Errorf("wsproto: prepared message with %v opcode", op)
	}
	return &PreparedMessage{op: op, payload: payload, maxFrame: maxFrameSize, frames: map[int][]byte{}}, nil
}

// Frames returns the encoded frames, compressed at level when level is not
// zero (1-9 or flate.HuffmanOnly). The result is shared: do not modify it.
func (m *PreparedMessage) Frames(level int) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.frames[level]; ok {
		return b
	}
	e := Encoder{MaxFrameSize: m.maxFrame}
	var b []byte
	if level == 0 {
		b, _ = e.AppendMessage(nil, m.op, m.payload, false)
	} else {
		c, err := NewCompressor(level, false)
		if err != nil {
			panic(err) // levels come from a Compressor, which validated them
		}
		b, _ = e.AppendMessage(nil, m.op, c.Compress(nil, m.payload), true)
	}
	m.frames[level] = b
	return b
}

// AppendPrepared appends m's shared frames for this connection: compressed
// when c is non-nil (the connection negotiated permessage-deflate), in
// which case c's context is reset, since the peer's window now holds a
// message c did not compress. It fails on a client Encoder (client frames
// need their own masks) or while a fragmented message is open.
func (e *Encoder) AppendPrepared(dst []byte, m *PreparedMessage, c *Compressor) ([]byte, error) {
	if e.Role != RoleServer {
		return dst, fmt.Errorf("wsproto: prepared messages are server frames; a client must mask each frame")
	}
	if e.open {
		return dst, fmt.Errorf("%w: a fragmented %v message is still open", ErrMessageOpen, e.openOp)
	}
	if c == nil {
		return append(dst, m.Frames(0)...), nil
	}
	c.ResetContext()
	return append(dst, m.Frames(c.Level())...), nil
}
