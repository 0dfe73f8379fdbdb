package ws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// wholeMessages reports whether the reader joins each message before it
// is delivered: unless Fragments is set (or SetBufferMessage(false)),
// and always for ReadMessage without Fragments.
func (c *Conn) wholeMessages() bool {
	return c.bufferMsg.Load() || c.messages != nil && !c.opts.Fragments
}

// readState is what ReadMessage and NextReader keep between calls on a
// connection with Fragments and no OnDataIn hook.
type readState struct {
	mu      sync.Mutex     // one ReadMessage or message reader at a time
	partial *Message       // what a ReadMessage whose ctx ended had joined
	open    *messageReader // the reader of a message not read to its end
}

func (c *Conn) readState() *readState {
	c.mu.Lock()
	defer c.mu.Unlock()
	x := c.extraLocked()
	if x.read == nil {
		x.read = &readState{}
	}
	return x.read
}

// skipOpenLocked drops the rest of a message whose reader was not read to
// its end, as a new NextReader or ReadMessage moves on; rs.mu is held.
func (c *Conn) skipOpenLocked(ctx context.Context, rs *readState) error {
	r := rs.open
	if r == nil {
		return nil
	}
	for r.more {
		m, err := c.nextPiece(ctx)
		if err != nil {
			return err
		}
		r.more = m.partial
	}
	r.cur, r.skipped = nil, true
	rs.open = nil
	return nil
}

// firstLocked is the first piece of the next message; rs.mu is held.
func (c *Conn) firstLocked(ctx context.Context, rs *readState) (Message, error) {
	if err := c.skipOpenLocked(ctx, rs); err != nil {
		return Message{}, err
	}
	if m := rs.partial; m != nil {
		rs.partial = nil
		return *m, nil
	}
	return c.nextPiece(ctx)
}

// readJoined is ReadMessage with Fragments: the message's pieces joined.
func (c *Conn) readJoined(ctx context.Context) (DataFormat, []byte, error) {
	rs := c.readState()
	rs.mu.Lock()
	defer rs.mu.Unlock()
	m, err := c.firstLocked(ctx, rs)
	if err != nil {
		return 0, nil, err
	}
	for m.partial {
		p, err := c.nextPiece(ctx)
		if err != nil {
			if ctx.Err() != nil {
				rs.partial = &m // nothing is lost: the next call goes on
			}
			return 0, nil, err
		}
		m.Data = append(m.Data, p.Data...)
		m.partial = p.partial
	}
	return m.Format, m.Data, nil
}

// NextReader returns the next message as a stream, for messages too large to
// hold (it needs ConnOptions.Fragments and no OnDataIn hook: ErrUnsupported);
// ctx bounds its waits and the reader's. A message not read to its end is
// skipped by the next NextReader or ReadMessage. Not for concurrent use.
func (c *Conn) NextReader(ctx context.Context) (DataFormat, io.Reader, error) {
	if c.messages == nil || !c.opts.Fragments {
		return 0, nil, fmt.Errorf("%w: NextReader needs ConnOptions.Fragments and no OnDataIn hook", ErrUnsupported)
	}
	rs := c.readState()
	rs.mu.Lock()
	defer rs.mu.Unlock()
	m, err := c.firstLocked(ctx, rs)
	if err != nil {
		return 0, nil, err
	}
	r := &messageReader{c: c, rs: rs, ctx: ctx, cur: m.Data, more: m.partial}
	rs.open = r
	return m.Format, r, nil
}

// errReaderSkipped is what a message reader returns once a later
// NextReader or ReadMessage has moved past its message.
var errReaderSkipped = errors.New("ws: the message was skipped by a later NextReader or ReadMessage")

type messageReader struct {
	c       *Conn
	rs      *readState
	ctx     context.Context
	cur     []byte // the piece being read
	more    bool   // pieces follow
	skipped bool
}

func (r *messageReader) Read(p []byte) (int, error) {
	r.rs.mu.Lock()
	defer r.rs.mu.Unlock()
	if r.skipped {
		return 0, errReaderSkipped
	}
	for len(r.cur) == 0 {
		if !r.more {
			if r.rs.open == r {
				r.rs.open = nil
			}
			return 0, io.EOF
		}
		m, err := r.c.nextPiece(r.ctx)
		if err != nil {
			return 0, err
		}
		r.cur, r.more = m.Data, m.partial
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// NextWriter returns a writer of one message in format f (DataText or
// DataBinary) of unknown length: what is written goes out as it comes (32
// KiB held at most), waiting for room (see the package doc); Close ends it.
func (c *Conn) NextWriter(ctx context.Context, f SendFormat) (io.WriteCloser, error) {
	if f != DataText && f != DataBinary {
		return nil, fmt.Errorf("%w: NextWriter writes DataText or DataBinary messages", ErrInvalidValue)
	}
	return &messageWriter{c: c, ctx: ctx, f: f}, nil
}

// messageWriterBuffer is how much a message writer gathers before it
// sends a frame.
const messageWriterBuffer = 32 << 10

type messageWriter struct {
	c      *Conn
	ctx    context.Context
	f      SendFormat
	buf    []byte
	closed bool
	err    error
}

func (w *messageWriter) Write(p []byte) (int, error) {
	if w.closed {
		return 0, errors.New("ws: write to a closed message writer")
	}
	if w.err != nil {
		return 0, w.err
	}
	n := len(p)
	if len(w.buf)+len(p) < messageWriterBuffer {
		w.buf = append(w.buf, p...)
		return n, nil
	}
	if len(w.buf) > 0 { // fill the buffer up and send it
		k := messageWriterBuffer - len(w.buf)
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		if w.err = w.c.WriteFragment(w.ctx, w.f, w.buf, false); w.err != nil {
			return 0, w.err
		}
		w.buf = w.buf[:0]
	}
	if len(p) >= messageWriterBuffer { // large writes go as they are
		if w.err = w.c.WriteFragment(w.ctx, w.f, p, false); w.err != nil {
			return 0, w.err
		}
		return n, nil
	}
	w.buf = append(w.buf, p...)
	return n, nil
}

// Close sends what is left and ends the message.
func (w *messageWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	return w.c.WriteFragment(w.ctx, w.f, w.buf, true)
}
