package wsproto

import "sync"

// DataFormat is the seed's DataIn DataFormat: what kind of data an event carries.
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
	// BufferMessage delivers each message whole in one event (the seed's
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
// Compressed messages are inflated when their last frame has arrived: up
// to MaxMessageSize compressed bytes are buffered, and the message is
// delivered as one event even in streaming mode.
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
	sent   bool // first event of the current message delivered
	closed bool
}

// NewReader returns a Reader for an endpoint of the given role.
func NewReader(role Role, opt ReaderOptions) *Reader {
	r := new(Reader)
	r.Reset(role, opt)
	return r
}

// Reset makes r as NewReader(role, opt) returns it, keeping nothing of its
// past; a Decoder it holds goes back to the pool.
func (r *Reader) Reset(role Role, opt ReaderOptions) {
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
func (r *Reader) Idle() bool { return r.dec == nil && r.err == nil && !r.closed }

// decoderPool holds the Decoders of idle Readers: between frames a
// Decoder has no state that its options do not give, so an idle
// connection need not keep one.
var decoderPool = sync.Pool{New: func() any { return new(Decoder) }}

// decoder returns r's Decoder, taking one from the pool if r has none.
func (r *Reader) decoder() *Decoder {
	if r.dec == nil {
		d := decoderPool.Get().(*Decoder)
		d.Reset(r.role, DecoderOptions{
			MaxFrameSize:   r.opt.MaxFrameSize,
			MaxMessageSize: r.limit,
			Compression:    r.opt.Decompressor != nil,
		})
		r.dec = d
	}
	return r.dec
}

// SetDecompressor enables (or with nil disables) permessage-deflate after construction.
func (r *Reader) SetDecompressor(d *Decompressor) {
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
	if r.err != nil {
		return Event{}, false, r.err
	}
	if r.closed {
		return Event{}, false, nil
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
	r.zbuf = append(r.zbuf, c.Data...)
	if !c.EndOfMessage() {
		return Event{}, false, nil
	}
	out, err := r.opt.Decompressor.Decompress(r.buf[:0], r.zbuf, r.limit)
	r.buf = out
	if err != nil {
		ev, _, err := r.fail(err)
		return ev, false, err
	}
	if c.Message == OpText && (!r.utf8.Write(out) || !r.utf8.Complete()) {
		ev, _, err := r.fail(protoErr(CloseInvalidPayload, "text message is not valid UTF-8"))
		return ev, false, err
	}
	return Event{Kind: EventData, Format: format(c.Message), Data: out, EOM: true}, true, nil
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
	r.err = err
	r.buf, r.zbuf = nil, nil
	return Event{}, false, err
}
