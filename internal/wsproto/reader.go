package wsproto

import (
	"io"
	"sync"
)

// DataFormat is what kind of data an event carries (IPWorks's DataFormat).
type DataFormat uint8

const (
	// FormatContinuation: a later piece of a message whose first piece was
	// delivered with FormatText or FormatBinary.
	FormatContinuation DataFormat = 0
	// FormatText: UTF-8 text (validated).
	FormatText DataFormat = 1
	// FormatBinary: binary data.
	FormatBinary DataFormat = 2
)

func (f DataFormat) String() string {
	switch f {
	case FormatContinuation:
		return "continuation"
	case FormatText:
		return "text"
	case FormatBinary:
		return "binary"
	}
	return "format(?)"
}

// EventKind says what a Reader event is.
type EventKind uint8

const (
	EventData  EventKind = iota // message data (Format, Data, EOM)
	EventPing                   // ping received (Data is its payload); answer with a pong
	EventPong                   // pong received (Data is its payload)
	EventClose                  // close received (Code, Reason); answer with a close
)

func (k EventKind) String() string {
	return [...]string{"data", "ping", "pong", "close"}[k]
}

// Event is one thing the Reader has to report.
type Event struct {
	Kind EventKind
	// Format is FormatText or FormatBinary on the first data event of a
	// message, FormatContinuation on later ones.
	Format DataFormat
	// Data is message data or the ping/pong payload. It is valid until the
	// next call on the Reader. In streaming mode a text piece may end in
	// the middle of a multi-byte character; the message as a whole is
	// validated.
	Data []byte
	// EOM marks the last piece of a message.
	EOM bool
	// Size is, on a data message's EOM event, the size of the whole
	// message as delivered (after decompression).
	Size int64
	// Code and Reason are the validated close status (EventClose);
	// Code is CloseNoStatus for a Close frame without a body.
	Code   CloseCode
	Reason string
}

// ReaderOptions configures a Reader. The zero value streams messages with
// a 32 MiB limit and no compression.
type ReaderOptions struct {
	// MaxFrameSize bounds one received data frame's payload (0: no separate limit).
	MaxFrameSize int64
	// MaxMessageSize bounds a message's size after decompression: 0 means
	// DefaultMaxMessageSize, negative means unlimited. Exceeding it is 1009.
	MaxMessageSize int64
	// MaxMessageFrames bounds the frames of one message: 0 means
	// DefaultMaxMessageFrames, negative means unlimited. Exceeding it is
	// 1009 (see DecoderOptions.MaxMessageFrames).
	MaxMessageFrames int
	// BufferMessage delivers each message whole in one event (IPWorks's
	// BufferMessage, default false). The Reader then holds up to
	// MaxMessageSize bytes.
	BufferMessage bool
	// Decompressor inflates messages that arrive with RSV1; set it when
	// permessage-deflate was negotiated (nil: RSV1 is a protocol error).
	Decompressor *Decompressor
}

// retainLimit is the buffer capacity a Reader keeps between messages;
// larger buffers are dropped so idle connections stay small.
const retainLimit = 64 << 10

// Reader assembles received frames into the events the server's DataIn,
// Ping and Disconnected hooks report. It validates text as UTF-8 as bytes
// arrive (fail fast, close 1007), inflates compressed messages and counts
// their inflated size against MaxMessageSize (close 1009), and validates
// Close frames (§5.5.1, §7.4: 1002 or 1007).
//
// Compressed messages are inflated when their last frame has arrived (up
// to MaxMessageSize compressed bytes are buffered), into pieces of at most
// 32 KiB: a streaming Reader delivers each piece as an event, so it holds
// no more inflated data than that whatever the compression ratio, and a
// buffering one holds the pieces until the message is complete and then
// joins them. Either stops inflating at once when the message goes over
// MaxMessageSize (close 1009) or text is not UTF-8 (close 1007).
//
// After a Close event the Reader reports nothing more (RFC 6455 §5.5.1:
// no data may follow a Close frame); errors are sticky.
type Reader struct {
	dec    *Decoder // nil while idle (see Release): taken from decoderPool by Feed
	opt    ReaderOptions
	limit  int64
	utf8   UTF8Validator
	buf    []byte // buffered message or inflated output
	zbuf   []byte // compressed message being received
	err    error
	role   Role
	sent   bool  // first event of the current message delivered
	size   int64 // data bytes of the current message delivered (Event.Size)
	closed bool

	inflating bool     // a compressed message is being inflated (Decompressor started)
	inflated  int64    // bytes of it inflated so far
	inflateOp Opcode   // its type
	parts     [][]byte // its inflated pieces, when buffering
}

// inflateChunk is the most inflated data a streaming Reader delivers in one
// event, and the size of the first piece a buffering Reader inflates into.
const inflateChunk = 32 << 10

// maxInflatePiece bounds the later pieces of a buffering Reader, which
// double from inflateChunk: few pieces for big messages, and no more than
// this much beyond the limit when a message goes over it.
const maxInflatePiece = 1 << 20

// NewReader returns a Reader for an endpoint of the given role.
func NewReader(role Role, opt ReaderOptions) *Reader {
	r := new(Reader)
	r.Reset(role, opt)
	return r
}

// Reset makes r as NewReader(role, opt) returns it, keeping nothing of its
// past; a Decoder it holds goes back to the pool.
func (r *Reader) Reset(role Role, opt ReaderOptions) {
	r.stopInflating()
	if r.dec != nil {
		*r.dec = Decoder{}
		decoderPool.Put(r.dec)
	}
	*r = Reader{role: role, opt: opt, limit: opt.MaxMessageSize}
	if r.limit == 0 {
		r.limit = DefaultMaxMessageSize
	}
}

// Idle reports whether r holds nothing a new Reader with the same role and
// options would not: no frame or message in progress (Release has dropped
// them), no error, no Close received. An idle Reader may be dropped between
// messages and replaced by a new one, so that an idle connection keeps none.
func (r *Reader) Idle() bool { return r.dec == nil && r.err == nil && !r.closed && !r.inflating }

// decoderPool holds the Decoders of idle Readers: between frames a
// Decoder has no state that its options do not give, so an idle
// connection need not keep one.
var decoderPool = sync.Pool{New: func() any { return new(Decoder) }}

// decoder returns r's Decoder, taking one from the pool if r has none.
func (r *Reader) decoder() *Decoder {
	if r.dec == nil {
		d := decoderPool.Get().(*Decoder)
		d.Reset(r.role, DecoderOptions{
			MaxFrameSize:     r.opt.MaxFrameSize,
			MaxMessageSize:   r.limit,
			MaxMessageFrames: r.opt.MaxMessageFrames,
			Compression:      r.opt.Decompressor != nil,
		})
		r.dec = d
	}
	return r.dec
}

// SetDecompressor enables (or with nil disables) permessage-deflate after construction.
func (r *Reader) SetDecompressor(d *Decompressor) {
	if d != r.opt.Decompressor {
		r.stopInflating()
	}
	r.opt.Decompressor = d
	if r.dec != nil {
		r.dec.SetCompression(d != nil)
	}
}

// SetBufferMessage switches between whole-message and streaming delivery;
// it takes effect at the next message.
func (r *Reader) SetBufferMessage(on bool) { r.opt.BufferMessage = on }

// Feed lends p to the Reader until Next returns ok=false (see Decoder.Feed).
func (r *Reader) Feed(p []byte) { r.decoder().Feed(p) }

// Release drops the Reader's message buffers when no message is in
// progress, and its Decoder (back to a pool) when no frame is, so an idle
// connection holds neither; the next bytes take them again. Call it once
// Next has returned ok=false (event data is then no longer in use).
func (r *Reader) Release() {
	if r.inflating {
		return // Next has more of the message to deliver
	}
	if r.dec == nil {
		r.buf, r.zbuf = nil, nil
		return
	}
	if !r.dec.MessageOpen() {
		r.buf, r.zbuf = nil, nil
		if r.dec.idle() {
			*r.dec = Decoder{}
			decoderPool.Put(r.dec)
			r.dec = nil
		}
	}
}

// Closed reports whether a Close frame has been received.
func (r *Reader) Closed() bool { return r.closed }

// Next returns the next event; ok=false with a nil error means more bytes
// are needed. A non-nil error carries the close code to send (CloseCodeOf).
func (r *Reader) Next() (ev Event, ok bool, err error) {
	ev, ok, err = r.next()
	if ok && ev.Kind == EventData {
		r.size += int64(len(ev.Data))
		if ev.EOM {
			ev.Size, r.size = r.size, 0
		}
	}
	return ev, ok, err
}

func (r *Reader) next() (ev Event, ok bool, err error) {
	if r.err != nil {
		return Event{}, false, r.err
	}
	if r.closed {
		return Event{}, false, nil
	}
	if r.inflating {
		return r.inflate()
	}
	for {
		if r.dec == nil {
			return Event{}, false, nil // nothing fed since Release
		}
		c, ok, err := r.dec.Next()
		if err != nil {
			return r.fail(err)
		}
		if !ok {
			return Event{}, false, nil
		}
		if c.Message.IsControl() {
			return r.control(c)
		}
		if c.First && c.Header.Opcode != OpContinuation {
			r.startMessage()
		}
		if c.Compressed {
			if ev, ok, err := r.compressed(c); ok || err != nil {
				return ev, ok, err
			}
			continue
		}
		if c.Message == OpText {
			if !r.utf8.Write(c.Data) {
				return r.fail(protoErr(CloseInvalidPayload, "text message is not valid UTF-8"))
			}
			if c.EndOfMessage() && !r.utf8.Complete() {
				return r.fail(protoErr(CloseInvalidPayload, "text message ends inside a UTF-8 sequence"))
			}
		}
		eom := c.EndOfMessage()
		if r.opt.BufferMessage {
			if eom && c.First && c.Header.Opcode != OpContinuation {
				// A single-frame message whose payload came in one Feed:
				// lend it in place (the common case) instead of copying.
				return Event{Kind: EventData, Format: format(c.Message), Data: c.Data, EOM: true}, true, nil
			}
			r.buf = append(r.buf, c.Data...)
			if !eom {
				continue
			}
			return Event{Kind: EventData, Format: format(c.Message), Data: r.buf, EOM: true}, true, nil
		}
		if len(c.Data) == 0 && !eom {
			continue
		}
		f := FormatContinuation
		if !r.sent {
			f = format(c.Message)
			r.sent = true
		}
		return Event{Kind: EventData, Format: f, Data: c.Data, EOM: eom}, true, nil
	}
}

func format(op Opcode) DataFormat {
	if op == OpText {
		return FormatText
	}
	return FormatBinary
}

func (r *Reader) startMessage() {
	r.utf8.Reset()
	r.sent = false
	if cap(r.buf) > retainLimit {
		r.buf = nil
	}
	r.buf = r.buf[:0]
	if cap(r.zbuf) > retainLimit {
		r.zbuf = nil
	}
	r.zbuf = r.zbuf[:0]
}

func (r *Reader) compressed(c Chunk) (Event, bool, error) {
	if r.opt.Decompressor == nil {
		ev, _, err := r.fail(protoErr(CloseProtocolError, "compressed message without permessage-deflate"))
		return ev, false, err
	}
	if !c.EndOfMessage() {
		r.zbuf = append(r.zbuf, c.Data...)
		return Event{}, false, nil
	}
	z := c.Data // a single-frame message whose payload came in one Feed: inflate it in place
	if !c.First || c.Header.Opcode == OpContinuation {
		r.zbuf = append(r.zbuf, c.Data...)
		z = r.zbuf
	}
	// z stays valid until Next returns ok=false, which it does not do
	// before the end of the message.
	r.opt.Decompressor.Start(z)
	r.inflating, r.inflated, r.inflateOp = true, 0, c.Message
	ev, ok, err := r.inflate()
	return ev, ok, err
}

// inflate returns the next event of the compressed message being inflated:
// its next piece when streaming, the whole message when buffering.
func (r *Reader) inflate() (Event, bool, error) {
	if cap(r.buf) < inflateChunk {
		r.buf = make([]byte, inflateChunk)
	}
	first := r.buf[:inflateChunk]
	if !r.opt.BufferMessage {
		n, done, err := r.fill(first)
		if err != nil {
			return r.fail(err)
		}
		f := FormatContinuation
		if !r.sent {
			f = format(r.inflateOp)
			r.sent = true
		}
		return Event{Kind: EventData, Format: f, Data: first[:n], EOM: done}, true, nil
	}
	r.parts = r.parts[:0]
	p, size, total := first, inflateChunk, 0
	for {
		n, done, err := r.fill(p)
		if err != nil {
			return r.fail(err)
		}
		r.parts = append(r.parts, p[:n])
		total += n
		if done {
			break
		}
		size = min(2*size, maxInflatePiece)
		if r.limit >= 0 {
			size = int(min(int64(size), r.limit+1-r.inflated))
		}
		p = make([]byte, max(size, 1))
	}
	msg := r.parts[0]
	if len(r.parts) > 1 {
		msg = make([]byte, 0, total)
		for _, p := range r.parts {
			msg = append(msg, p...)
		}
		r.buf = msg // dropped by the next message, being larger than retainLimit
	}
	clear(r.parts)
	r.parts = r.parts[:0]
	return Event{Kind: EventData, Format: format(r.inflateOp), Data: msg, EOM: true}, true, nil
}

// fill inflates into p until it is full or the message ends (done), and
// checks what it inflated against the limit and, for text, as UTF-8. It
// never inflates more than one byte past the limit.
func (r *Reader) fill(p []byte) (n int, done bool, err error) {
	d := r.opt.Decompressor
	if r.limit >= 0 {
		p = p[:min(int64(len(p)), r.limit+1-r.inflated)]
	}
	var rerr error
	for n < len(p) && !done && rerr == nil {
		k, err := d.Read(p[n:])
		n += k
		if err == io.EOF {
			done = true
		} else if err != nil {
			rerr = err
		}
	}
	r.inflated += int64(n)
	if r.limit >= 0 && r.inflated > r.limit {
		return n, false, tooBig(r.limit) // first, as Decompress does
	}
	if rerr != nil {
		return n, false, rerr
	}
	if r.inflateOp == OpText && !r.utf8.Write(p[:n]) {
		return n, false, protoErr(CloseInvalidPayload, "text message is not valid UTF-8")
	}
	if done {
		r.inflating = false
		if r.inflateOp == OpText && !r.utf8.Complete() {
			return n, false, protoErr(CloseInvalidPayload, "text message ends inside a UTF-8 sequence")
		}
	}
	return n, done, nil
}

// stopInflating abandons the compressed message being inflated, if any.
func (r *Reader) stopInflating() {
	if r.inflating {
		r.inflating = false
		if r.opt.Decompressor != nil {
			r.opt.Decompressor.Stop()
		}
	}
	clear(r.parts)
	r.parts = nil
}

func (r *Reader) control(c Chunk) (Event, bool, error) {
	switch c.Message {
	case OpPing:
		return Event{Kind: EventPing, Data: c.Data}, true, nil
	case OpPong:
		return Event{Kind: EventPong, Data: c.Data}, true, nil
	}
	code, reason, err := ParseClosePayload(c.Data)
	if err != nil {
		return r.fail(err)
	}
	r.closed = true
	return Event{Kind: EventClose, Code: code, Reason: reason}, true, nil
}

func (r *Reader) fail(err error) (Event, bool, error) {
	r.stopInflating()
	r.err = err
	r.buf, r.zbuf = nil, nil
	return Event{}, false, err
}
