package wsproto

import (
	"encoding/binary"
	"strconv"
)

// DefaultMaxMessageSize is the message size limit used when
// DecoderOptions.MaxMessageSize (or ReaderOptions.MaxMessageSize) is zero.
const DefaultMaxMessageSize = 32 << 20

// DefaultMaxMessageFrames is the frame limit per message used when
// DecoderOptions.MaxMessageFrames (or ReaderOptions.MaxMessageFrames) is
// zero: enough for a 32 MiB message sent in 512-byte fragments, while a
// peer that sends empty continuation frames without end is stopped after
// about 400 KB of them.
const DefaultMaxMessageFrames = 1 << 16

// DecoderOptions configures a Decoder. The zero value is safe: 32 MiB
// messages, no separate frame limit, no extension bits allowed.
type DecoderOptions struct {
	// MaxFrameSize bounds the payload of one received data frame; a larger
	// frame fails with close 1009 as soon as its header arrives. Zero means
	// no limit beyond MaxMessageSize. Control frames are always limited to
	// 125 bytes.
	MaxFrameSize int64
	// MaxMessageSize bounds the total wire payload of one data message,
	// checked at each frame header so an oversized message fails (1009)
	// before its payload is read. Zero means DefaultMaxMessageSize, a
	// negative value means no limit (dangerous: a peer can make a buffering
	// reader allocate without bound). For compressed messages the wire limit
	// is slightly larger than MaxMessageSize, to allow for DEFLATE's stored
	// block overhead; the decompressed size is checked by the Reader.
	MaxMessageSize int64
	// MaxMessageFrames bounds the frames of one data message (its first
	// frame and the continuations): a continuation over the limit fails with
	// close 1009 as soon as its header arrives, since frames cost work
	// whatever their payload and empty ones count against no size limit.
	// Zero means DefaultMaxMessageFrames, a negative value means no limit.
	// Control frames do not count.
	MaxMessageFrames int
	// Compression allows RSV1 on the first frame of data messages; set it
	// when permessage-deflate was negotiated. Without it RSV1 fails the
	// connection (1002) like RSV2 and RSV3 always do.
	Compression bool
}

// Chunk is a piece of a received frame, returned by Decoder.Next.
//
// Control frames (close, ping, pong) are returned whole, as a single chunk
// with First and Last set and their payload in Data (at most 125 bytes).
// Data frames are returned as their bytes arrive: one chunk per call
// covering what the fed bytes hold of the payload, already unmasked.
type Chunk struct {
	// Header is the header of the frame this chunk belongs to, as received
	// (Opcode is OpContinuation for non-first fragments).
	Header Header
	// Message is the type of the message the data belongs to: OpText or
	// OpBinary for data frames, even continuations; the opcode for control
	// frames.
	Message Opcode
	// Compressed reports that the first frame of this data message had RSV1
	// set (permessage-deflate).
	Compressed bool
	// Data is unmasked payload. It aliases the slice given to Feed (which
	// is unmasked in place) or, for a control frame that arrived across
	// several Feeds, the Decoder's own buffer; it is valid until the next
	// call on the Decoder.
	Data []byte
	// First and Last report that Data begins or ends the frame's payload.
	First, Last bool
}

// EndOfMessage reports whether c ends a data message (last chunk of a frame with FIN set).
func (c *Chunk) EndOfMessage() bool { return c.Last && c.Header.Fin && !c.Message.IsControl() }

// Decoder parses the frames of one direction of a WebSocket connection. It
// does no I/O: Feed lends it received bytes and Next returns chunks of
// frames. It enforces every receive-side rule of RFC 6455 §5 that needs no
// payload inspection (masking per role, reserved bits and opcodes, control
// frame size and fragmentation, continuation order, length encoding) and
// the size limits. Text validation, decompression and close-body checks are
// the Reader's job.
//
// The first violation is returned as a *ProtocolError and repeated by every
// later call: the connection must be failed.
type Decoder struct {
	role Role
	opt  DecoderOptions

	in []byte

	hdr [MaxHeaderSize]byte
	hn  int // bytes gathered in hdr

	inFrame   bool
	h         Header
	remaining uint64
	maskPos   int
	first     bool

	msgOpen       bool
	msgOp         Opcode
	msgCompressed bool
	msgLen        uint64
	msgFrames     int // frames of the open message so far

	ctrl *[MaxControlPayload]byte // a control frame split across Feeds; nil until one is
	cn   int

	err error
}

// NewDecoder returns a Decoder for frames received by an endpoint of the given role.
func NewDecoder(role Role, opt DecoderOptions) *Decoder {
	d := &Decoder{}
	d.Reset(role, opt)
	return d
}

// Reset discards all state and reconfigures d.
func (d *Decoder) Reset(role Role, opt DecoderOptions) {
	*d = Decoder{role: role, opt: opt}
}

// SetCompression changes whether RSV1 is accepted; the handshake decides
// it, so an engine that creates the Decoder first may set it afterwards.
func (d *Decoder) SetCompression(on bool) { d.opt.Compression = on }

// Feed lends p to the Decoder until Next returns ok=false. Payload bytes of
// masked frames are unmasked in place inside p.
func (d *Decoder) Feed(p []byte) {
	if len(d.in) == 0 {
		d.in = p
		return
	}
	// Next was not drained; keep the order. This copies, so engines should
	// drain Next before feeding again.
	d.in = append(d.in[:len(d.in):len(d.in)], p...)
}

// Buffered returns how many fed bytes Next has not consumed yet.
func (d *Decoder) Buffered() int { return len(d.in) }

// idle reports that d is between frames with nothing buffered and no
// error: a Decoder Reset with the same options would behave the same.
func (d *Decoder) idle() bool {
	return !d.inFrame && d.hn == 0 && !d.msgOpen && d.err == nil && len(d.in) == 0
}

// MessageOpen reports whether a fragmented data message has started and not ended.
func (d *Decoder) MessageOpen() bool { return d.msgOpen }

// Next returns the next chunk. ok=false with a nil error means more bytes
// are needed. A non-nil error is a *ProtocolError and is sticky.
func (d *Decoder) Next() (c Chunk, ok bool, err error) {
	if d.err != nil {
		return Chunk{}, false, d.err
	}
	if !d.inFrame {
		if ok, err := d.readHeader(); !ok || err != nil {
			if err != nil {
				d.err = err
				d.in = nil
			}
			return Chunk{}, false, err
		}
	}
	if d.h.Opcode.IsControl() {
		return d.nextControl()
	}
	return d.nextData()
}

func (d *Decoder) readHeader() (bool, error) {
	if d.hn < 2 {
		n := copy(d.hdr[d.hn:2], d.in)
		d.hn += n
		d.in = d.in[n:]
		if d.hn < 2 {
			return false, nil
		}
		// Fail fast: everything but the extended length is decided by the
		// first two bytes.
		if err := d.checkStart(d.hdr[0], d.hdr[1]); err != nil {
			return false, err
		}
	}
	size := headerSize(d.hdr[1])
	n := copy(d.hdr[d.hn:size], d.in)
	d.hn += n
	d.in = d.in[n:]
	if d.hn < size {
		return false, nil
	}
	b0, b1 := d.hdr[0], d.hdr[1]
	h := Header{
		Fin:    b0&0x80 != 0,
		RSV1:   b0&0x40 != 0,
		Opcode: Opcode(b0 & 0xF),
		Masked: b1&0x80 != 0,
	}
	p := 2
	switch l := b1 & 0x7F; l {
	case 126:
		h.Length = uint64(binary.BigEndian.Uint16(d.hdr[2:]))
		p += 2
		if h.Length < 126 {
			return false, protoErr(CloseProtocolError, "payload length "+strconv.FormatUint(h.Length, 10)+" not in minimal encoding")
		}
	case 127:
		h.Length = binary.BigEndian.Uint64(d.hdr[2:])
		p += 8
		if h.Length>>63 != 0 {
			return false, protoErr(CloseProtocolError, "64-bit payload length with most significant bit set")
		}
		if h.Length <= 0xFFFF {
			return false, protoErr(CloseProtocolError, "payload length "+strconv.FormatUint(h.Length, 10)+" not in minimal encoding")
		}
	default:
		h.Length = uint64(l)
	}
	if h.Masked {
		copy(h.Mask[:], d.hdr[p:p+4])
	}
	if err := d.checkLength(h); err != nil {
		return false, err
	}
	if h.Opcode == OpContinuation {
		if limit := d.maxFrames(); limit > 0 && d.msgFrames >= limit {
			return false, protoErr(CloseMessageTooBig, "message of more than "+strconv.Itoa(limit)+" frames")
		}
	}
	d.hn = 0
	d.h = h
	d.inFrame = true
	d.first = true
	d.remaining = h.Length
	d.maskPos = 0
	d.cn = 0
	if !h.Opcode.IsControl() {
		if h.Opcode != OpContinuation {
			d.msgOpen = true
			d.msgOp = h.Opcode
			d.msgCompressed = h.RSV1
			d.msgLen = 0
			d.msgFrames = 0
		}
		d.msgLen += h.Length
		d.msgFrames++
	}
	return true, nil
}

// checkStart applies the rules decided by the first two header bytes.
func (d *Decoder) checkStart(b0, b1 byte) error {
	op := Opcode(b0 & 0xF)
	fin := b0&0x80 != 0
	switch {
	case b0&0x30 != 0:
		return protoErr(CloseProtocolError, "reserved bit RSV2 or RSV3 set without a negotiated extension")
	case !op.defined():
		return protoErr(CloseProtocolError, "reserved opcode "+strconv.Itoa(int(op)))
	case b0&0x40 != 0 && !d.opt.Compression:
		return protoErr(CloseProtocolError, "reserved bit RSV1 set without a negotiated extension")
	case b0&0x40 != 0 && (op.IsControl() || op == OpContinuation):
		return protoErr(CloseProtocolError, "RSV1 set on a "+op.String()+" frame")
	}
	masked := b1&0x80 != 0
	if d.role == RoleServer && !masked {
		return protoErr(CloseProtocolError, "client frame is not masked")
	}
	if d.role == RoleClient && masked {
		return protoErr(CloseProtocolError, "server frame is masked")
	}
	if op.IsControl() {
		if !fin {
			return protoErr(CloseProtocolError, "fragmented "+op.String()+" frame")
		}
		if b1&0x7F > MaxControlPayload {
			return protoErr(CloseProtocolError, op.String()+" frame payload over 125 bytes")
		}
		return nil
	}
	if op == OpContinuation && !d.msgOpen {
		return protoErr(CloseProtocolError, "continuation frame without a message to continue")
	}
	if op != OpContinuation && d.msgOpen {
		return protoErr(CloseProtocolError, op.String()+" frame while a fragmented message is open")
	}
	return nil
}

func (d *Decoder) checkLength(h Header) error {
	if h.Opcode.IsControl() {
		return nil
	}
	if d.opt.MaxFrameSize > 0 && h.Length > uint64(d.opt.MaxFrameSize) {
		return protoErr(CloseMessageTooBig, "frame of "+strconv.FormatUint(h.Length, 10)+" bytes exceeds the limit of "+strconv.FormatInt(d.opt.MaxFrameSize, 10))
	}
	limit := d.opt.MaxMessageSize
	if limit == 0 {
		limit = DefaultMaxMessageSize
	}
	if limit < 0 {
		return nil
	}
	compressed := h.RSV1 || (h.Opcode == OpContinuation && d.msgCompressed)
	if compressed {
		limit += limit/1024 + 1024
	}
	total := h.Length
	if h.Opcode == OpContinuation {
		total += d.msgLen
	}
	if total > uint64(limit) || total < h.Length {
		return protoErr(CloseMessageTooBig, "message exceeds the limit of "+strconv.FormatInt(limit, 10)+" bytes")
	}
	return nil
}

// maxFrames is the frame limit per message, 0 for none.
func (d *Decoder) maxFrames() int {
	switch n := d.opt.MaxMessageFrames; {
	case n == 0:
		return DefaultMaxMessageFrames
	case n < 0:
		return 0
	default:
		return n
	}
}

func (d *Decoder) nextControl() (Chunk, bool, error) {
	if d.cn == 0 && d.remaining <= uint64(len(d.in)) {
		// The whole payload is buffered: lend it in place, as data is.
		n := int(d.remaining)
		p := d.in[:n:n]
		d.in = d.in[n:]
		if d.h.Masked {
			d.maskPos = MaskBytes(d.h.Mask, d.maskPos, p)
		}
		d.remaining = 0
		d.inFrame = false
		return Chunk{Header: d.h, Message: d.h.Opcode, Data: p, First: true, Last: true}, true, nil
	}
	if d.ctrl == nil {
		d.ctrl = new([MaxControlPayload]byte)
	}
	n := int(min(d.remaining, uint64(len(d.in))))
	copy(d.ctrl[d.cn:], d.in[:n])
	d.in = d.in[n:]
	if d.h.Masked {
		d.maskPos = MaskBytes(d.h.Mask, d.maskPos, d.ctrl[d.cn:d.cn+n])
	}
	d.cn += n
	d.remaining -= uint64(n)
	if d.remaining > 0 {
		return Chunk{}, false, nil
	}
	d.inFrame = false
	return Chunk{Header: d.h, Message: d.h.Opcode, Data: d.ctrl[:d.cn], First: true, Last: true}, true, nil
}

func (d *Decoder) nextData() (Chunk, bool, error) {
	if d.remaining > 0 && len(d.in) == 0 {
		return Chunk{}, false, nil
	}
	n := int(min(d.remaining, uint64(len(d.in))))
	data := d.in[:n:n]
	d.in = d.in[n:]
	if d.h.Masked {
		d.maskPos = MaskBytes(d.h.Mask, d.maskPos, data)
	}
	d.remaining -= uint64(n)
	c := Chunk{Header: d.h, Message: d.msgOp, Compressed: d.msgCompressed, Data: data, First: d.first, Last: d.remaining == 0}
	d.first = false
	if c.Last {
		d.inFrame = false
		if d.h.Fin {
			d.msgOpen = false
		}
	}
	return c, true, nil
}
