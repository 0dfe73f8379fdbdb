package wsproto

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"slices"
	"strconv"
	"sync"
)

// deflateTail is the empty stored block that ends a sync flush; RFC 7692
// §7.2.1 removes it from each compressed message and §7.2.2 appends it
// back before decompressing.
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff}

// finalBlock is an empty stored block with BFINAL set, appended after the
// tail so that flate's reader ends with io.EOF instead of waiting for more.
var finalBlock = []byte{0x01, 0x00, 0x00, 0xff, 0xff}

// DefaultCompressionLevel is used when a compression level of 0 is given.
// Level 1 (flate.BestSpeed) keeps CPU cost low; see the package benchmarks.
const DefaultCompressionLevel = flate.BestSpeed

// compress/flate's Writer is 0.8-1.2 MB; writers without context takeover
// are pooled per level so an idle connection holds none.
var writerPools sync.Map // level → *sync.Pool of *flate.Writer

func getWriter(level int, w io.Writer) *flate.Writer {
	p, _ := writerPools.LoadOrStore(level, &sync.Pool{})
	if fw, ok := p.(*sync.Pool).Get().(*flate.Writer); ok {
		fw.Reset(w)
		return fw
	}
	fw, err := flate.NewWriter(w, level)
	if err != nil {
		panic("wsproto: invalid flate level " + strconv.Itoa(level)) // levels are checked by NewCompressor
	}
	return fw
}

func putWriter(level int, fw *flate.Writer) {
	fw.Reset(io.Discard)
	p, _ := writerPools.LoadOrStore(level, &sync.Pool{})
	p.(*sync.Pool).Put(fw)
}

var readerPool sync.Pool // of io.ReadCloser implementing flate.Resetter

// emptyReader is what pooled flate readers are reset to; it is never read.
var emptyReader = bytes.NewReader(nil)

// appendWriter is an io.Writer appending to a byte slice.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// Compressor compresses outgoing messages for permessage-deflate (RFC 7692
// §7.2.1). Without context takeover it holds no flate state between
// messages: a pooled writer is taken for each message and returned after
// it. With context takeover it keeps one flate.Writer (about 0.8 MB for
// compress/flate) for the life of the connection, which bounds its memory.
// A Compressor is not safe for concurrent use.
type Compressor struct {
	level    int
	takeover bool
	fw       *flate.Writer // held across messages (takeover) or within a streamed one
	out      appendWriter
}

// NewCompressor returns a Compressor. level is a compress/flate level
// (1-9, flate.HuffmanOnly, or 0 for DefaultCompressionLevel);
// contextTakeover keeps the LZ77 window between messages and may only be
// true if the negotiation allowed it (no *_no_context_takeover for our
// direction). HuffmanOnly uses no LZ77 window at all, which is how a peer's
// *_max_window_bits below 15 is honoured (compress/flate cannot shrink its
// window).
func NewCompressor(level int, contextTakeover bool) (*Compressor, error) {
	if level == 0 {
		level = DefaultCompressionLevel
	}
	if level != flate.HuffmanOnly && (level < flate.BestSpeed || level > flate.BestCompression) {
		return nil, errors.New("wsproto: compression level " + strconv.Itoa(level) + " not supported; use 1-9 or flate.HuffmanOnly")
	}
	return &Compressor{level: level, takeover: contextTakeover}, nil
}

// Level returns the flate level in use.
func (c *Compressor) Level() int { return c.level }

// ContextTakeover reports whether the window is kept between messages.
func (c *Compressor) ContextTakeover() bool { return c.takeover }

// Compress appends msg compressed as one whole message (tail removed) to dst.
func (c *Compressor) Compress(dst, msg []byte) []byte {
	return c.CompressFragment(dst, msg, true)
}

// CompressFragment compresses the next part of a message streamed over
// several frames: each part is sync-flushed so it can be sent at once;
// the final part has the 0x00 0x00 0xff 0xff tail removed. Non-final parts
// keep their tail, which is a valid empty block in mid-message (RFC 7692
// §7.2.3.4).
func (c *Compressor) CompressFragment(dst, p []byte, final bool) []byte {
	c.out.b = dst
	if c.fw == nil {
		c.fw = getWriter(c.level, &c.out)
	}
	start := len(dst)
	_, _ = c.fw.Write(p) // appendWriter never fails
	_ = c.fw.Flush()
	out := c.out.b
	c.out.b = nil
	if final {
		if len(out)-start >= 4 && bytes.Equal(out[len(out)-4:], deflateTail) {
			out = out[:len(out)-4]
		}
		if !c.takeover {
			putWriter(c.level, c.fw)
			c.fw = nil
		}
	}
	return out
}

// ResetContext forgets the LZ77 window. The next message is compressed
// independently of earlier ones, which is always valid for the receiver;
// a connection must call it after sending a PreparedMessage's compressed
// frames, because its own window does not contain that message.
func (c *Compressor) ResetContext() {
	if c.fw != nil {
		putWriter(c.level, c.fw)
		c.fw = nil
	}
}

// HoldsWriter reports whether the Compressor holds a flate writer now:
// always after the first message with context takeover, only inside a
// streamed message without it.
func (c *Compressor) HoldsWriter() bool { return c.fw != nil }

// Close releases the flate state.
func (c *Compressor) Close() { c.ResetContext() }

// Decompressor inflates received compressed messages (RFC 7692 §7.2.2).
// The flate reader is pooled and taken only while a message is being
// inflated (Decompress, or from Start to the end of Read). With context takeover the last 2^windowBits bytes of output are
// kept as the dictionary for the next message (at most 32 KiB); without it
// nothing is kept between messages. A Decompressor is not safe for
// concurrent use.
type Decompressor struct {
	takeover bool
	window   int
	dict     []byte
	src      tailReader
	fr       io.ReadCloser // the pooled flate reader, between Start and the end of the message
}

// NewDecompressor returns a Decompressor. windowBits (8-15, 0 meaning 15)
// is the peer's negotiated *_max_window_bits and sizes the kept dictionary.
func NewDecompressor(contextTakeover bool, windowBits int) *Decompressor {
	if windowBits == 0 {
		windowBits = 15
	}
	windowBits = max(8, min(15, windowBits))
	return &Decompressor{takeover: contextTakeover, window: 1 << windowBits}
}

// Retained returns the bytes of state kept between messages (the dictionary).
func (d *Decompressor) Retained() int { return cap(d.dict) }

// Decompress appends the inflation of one whole compressed message to dst.
// limit bounds the inflated size (negative: no limit): going over it stops
// inflation at once and returns a 1009 *ProtocolError, so a small
// "decompression bomb" cannot make it allocate more than limit bytes. Data
// that does not inflate is a 1007 *ProtocolError.
func (d *Decompressor) Decompress(dst, msg []byte, limit int64) ([]byte, error) {
	d.Start(msg)
	defer d.Stop()
	start := len(dst)
	for {
		if len(dst) == cap(dst) {
			// Grow geometrically but never past limit+1 bytes of output, so
			// a bomb is caught before a large allocation.
			grow := max(512, len(dst)-start)
			if limit >= 0 {
				grow = int(min(int64(grow), limit+1-int64(len(dst)-start)))
			}
			dst = slices.Grow(dst, max(grow, 1))
		}
		n, err := d.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if limit >= 0 && int64(len(dst)-start) > limit {
			return dst[:start], tooBig(limit)
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst[:start], err
		}
	}
}

// tooBig is the error of an inflated message over limit bytes.
func tooBig(limit int64) error {
	return protoErr(CloseMessageTooBig, "decompressed message exceeds the limit of "+strconv.FormatInt(limit, 10)+" bytes")
}

// Start begins the inflation of one whole compressed message (the tail
// removed), which Read then returns piece by piece, so that the caller
// decides how much inflated data it holds at a time. msg must not change
// until Read has returned an error or Stop was called. A message started
// before and not read to its end is abandoned.
func (d *Decompressor) Start(msg []byte) {
	d.Stop()
	d.src = tailReader{parts: [3][]byte{msg, deflateTail, finalBlock}}
	if r, ok := readerPool.Get().(io.ReadCloser); ok {
		_ = r.(flate.Resetter).Reset(&d.src, d.dict)
		d.fr = r
	} else {
		d.fr = flate.NewReaderDict(&d.src, d.dict)
	}
}

// Read inflates the next bytes of the message Start began into p. At the
// end of the message it returns io.EOF (with the last bytes or after
// them); data that does not inflate is a 1007 *ProtocolError. After either
// the flate reader is released, as by Stop, and Read returns io.EOF.
func (d *Decompressor) Read(p []byte) (int, error) {
	if d.fr == nil {
		return 0, io.EOF
	}
	n, err := d.fr.Read(p)
	if d.takeover {
		d.keep(p[:n])
	}
	switch {
	case err == io.EOF:
		d.Stop()
		return n, io.EOF
	case err != nil:
		d.Stop()
		return n, protoErr(CloseInvalidPayload, "compressed message does not inflate: "+err.Error())
	}
	return n, nil
}

// Stop ends the message being inflated, if any, and gives its flate
// reader back to the pool. With context takeover the dictionary then holds
// what was read of it.
func (d *Decompressor) Stop() {
	if d.fr == nil {
		return
	}
	// Drop references to the message and to d before pooling.
	_ = d.fr.(flate.Resetter).Reset(emptyReader, nil)
	readerPool.Put(d.fr)
	d.fr = nil
	d.src = tailReader{}
}

// Inflating reports whether a message was started and not read to its end.
func (d *Decompressor) Inflating() bool { return d.fr != nil }

// keep appends out to the dictionary, retaining the last d.window bytes.
func (d *Decompressor) keep(out []byte) {
	if len(out) >= d.window {
		if d.dict == nil {
			d.dict = make([]byte, 0, d.window)
		}
		d.dict = append(d.dict[:0], out[len(out)-d.window:]...)
		return
	}
	if len(d.dict)+len(out) > d.window {
		drop := len(d.dict) + len(out) - d.window
		d.dict = d.dict[:copy(d.dict, d.dict[drop:])]
	}
	if d.dict == nil {
		d.dict = make([]byte, 0, d.window)
	}
	d.dict = append(d.dict, out...)
}

// tailReader reads its parts in order; it implements io.ByteReader so flate
// does not wrap it in a bufio.Reader.
type tailReader struct {
	parts [3][]byte
	i     int
}

func (r *tailReader) Read(p []byte) (int, error) {
	for r.i < len(r.parts) && len(r.parts[r.i]) == 0 {
		r.i++
	}
	if r.i == len(r.parts) {
		return 0, io.EOF
	}
	n := copy(p, r.parts[r.i])
	r.parts[r.i] = r.parts[r.i][n:]
	return n, nil
}

func (r *tailReader) ReadByte() (byte, error) {
	for r.i < len(r.parts) && len(r.parts[r.i]) == 0 {
		r.i++
	}
	if r.i == len(r.parts) {
		return 0, io.EOF
	}
	b := r.parts[r.i][0]
	r.parts[r.i] = r.parts[r.i][1:]
	return b, nil
}
