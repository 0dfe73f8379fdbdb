package ws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tlskit/tlskit/internal/errcode"
	"github.com/tlskit/tlskit/internal/wsproto"
)

// SendFormat is what Send makes of its data.
type SendFormat int

// Send formats.
const (
	DataAutomatic SendFormat = 0  // text if the data is valid UTF-8, else binary (default)
	DataText      SendFormat = 1  // a text message; the data must be UTF-8
	DataBinary    SendFormat = 2  // a binary message
	DataPing      SendFormat = 9  // a ping with the data as payload (at most 125 bytes)
	DataPong      SendFormat = 10 // an unsolicited pong with the data as payload
)

// SendFormatOf returns the send format that echoes a received format.
func SendFormatOf(f DataFormat) SendFormat {
	if f == FormatText {
		return DataText
	}
	if f == FormatBinary {
		return DataBinary
	}
	return DataAutomatic
}

// SetDataFormat sets the format Send uses (default DataAutomatic).
func (c *Conn) SetDataFormat(f SendFormat) error {
	switch f {
	case DataAutomatic, DataText, DataBinary, DataPing, DataPong:
	default:
		return fmt.Errorf("%w: DataFormat %d", ErrInvalidValue, f)
	}
	c.mu.Lock()
	c.sendFormat = uint8(f) // validated above: fits
	c.mu.Unlock()
	return nil
}

// DataFormat returns the format Send uses.
func (c *Conn) DataFormat() SendFormat {
	c.mu.Lock()
	defer c.mu.Unlock()
	return SendFormat(c.sendFormat)
}

// Send sends p as one message in the connection's DataFormat (or the next
// part of a SetMessageLength message) without waiting: all of p or nothing
// (ErrWouldBlock, ErrSendTooLarge: see the package doc).
func (c *Conn) Send(p []byte) (int, error) {
	return c.SendMessage(c.DataFormat(), p)
}

// BytesSent returns how many bytes of data the last send accepted.
func (c *Conn) BytesSent() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytesSent
}

// ReadyToSend reports whether a send would be accepted now.
func (c *Conn) ReadyToSend() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.openLocked() && len(c.pending) == 0
}

// SetMessageLength makes the next n bytes sent one message, sent
// uncompressed in fragments as they come; n=0 cancels one not started.
func (c *Conn) SetMessageLength(n int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n < 0 {
		return fmt.Errorf("%w: negative MessageLength", ErrInvalidValue)
	}
	if c.enc.MessageOpen() {
		return fmt.Errorf("%w: %d bytes of the current message are still to come", ErrMessageOpen, c.msgRemain)
	}
	c.msgRemain = n
	return nil
}

// MessageLength returns the bytes still to come of a streamed message.
func (c *Conn) MessageLength() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return max(c.msgRemain, 0) // fragmentOpen: no known length
}

func opcodeFor(f SendFormat, p []byte) (wsproto.Opcode, error) {
	switch f {
	case DataAutomatic:
		if utf8.Valid(p) {
			return wsproto.OpText, nil
		}
		return wsproto.OpBinary, nil
	case DataText:
		return wsproto.OpText, nil
	case DataBinary:
		return wsproto.OpBinary, nil
	case DataPing:
		return wsproto.OpPing, nil
	case DataPong:
		return wsproto.OpPong, nil
	}
	return 0, fmt.Errorf("%w: DataFormat %d", ErrInvalidValue, f)
}

// SendMessage sends p in format f (see Send).
func (c *Conn) SendMessage(f SendFormat, p []byte) (int, error) {
	n, err := c.sendMessage(f, p, false)
	if err == nil || !errors.Is(err, ErrWouldBlock) && !errors.Is(err, ErrSendTooLarge) {
		return n, err
	}
	d := c.sendTimeout()
	if d <= 0 {
		return n, err
	}
	c.mu.Lock()
	w := &sendWait{intr: c.interruptChanLocked(), timeout: d}
	c.mu.Unlock()
	defer w.stop()
	return c.waitSend(f, p, w)
}

// sendMessage is SendMessage; piece is set for the pieces of sendPieces,
// which holds the connection's data sending meanwhile.
func (c *Conn) sendMessage(f SendFormat, p []byte, piece bool) (int, error) {
	op, err := opcodeFor(f, p)
	if err != nil {
		return 0, err
	}
	if op.IsControl() {
		if len(p) > wsproto.MaxControlPayload {
			return 0, fmt.Errorf("%w: %d bytes", wsproto.ErrControlTooLong, len(p))
		}
		if err := c.sendControl(op, p); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	if op == wsproto.OpText && f == DataText && !utf8.Valid(p) && c.MessageLength() == 0 {
		return 0, fmt.Errorf("%w: text message is not valid UTF-8", ErrInvalidValue)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.sendableLocked(piece); err != nil {
		return 0, err
	}
	buf := frameBufs.Get().(*[]byte)
	defer putFrameBuf(buf)
	var frames []byte
	whole := c.msgRemain <= 0 // else a SetMessageLength message's piece
	if !whole {
		if !piece && !c.fitsLocked(len(p)) {
			return 0, c.tooLargeLocked(len(p))
		}
		if int64(len(p)) > c.msgRemain {
			return 0, fmt.Errorf("%w: %d bytes sent with %d left of the message", ErrMessageOpen, len(p), c.msgRemain)
		}
		if !c.enc.MessageOpen() {
			c.msgOp = op
		}
		fin := int64(len(p)) == c.msgRemain
		frames, err = c.enc.AppendFragment((*buf)[:0], c.msgOp, p, fin, false)
		if err == nil {
			c.msgRemain -= int64(len(p))
		}
	} else {
		frames, err = c.encodeMessageLocked((*buf)[:0], op, p, piece)
	}
	if err != nil {
		return 0, err
	}
	if frames == nil {
		return 0, c.tooLargeLocked(len(p))
	}
	*buf = frames // grown, perhaps: the pool gets the larger buffer back
	if err := c.pushLocked(frames); err != nil {
		return 0, err
	}
	c.bytesSent = len(p)
	if o := c.opts.obs; o != nil && !c.enc.MessageOpen() {
		size := len(p)
		if !whole {
			size = c.enc.FragmentedSize()
		}
		o.MessageSent(size)
	}
	c.wakeLocked() // a message SetMessageLength began may have ended
	return len(p), nil
}

// encodeMessageLocked appends one whole message to dst, compressed when
// permessage-deflate applies and the message is long enough. Unless any
// size goes, it returns nil frames for a message too large to be held
// (see fitsLocked), before encoding when it is not compressed.
func (c *Conn) encodeMessageLocked(dst []byte, op wsproto.Opcode, p []byte, anySize bool) ([]byte, error) {
	comp, err := c.compressorLocked(len(p))
	if err != nil {
		return nil, err
	}
	if comp == nil {
		if !anySize && !c.fitsLocked(len(p)) {
			return nil, nil
		}
		return c.enc.AppendMessage(dst, op, p, false)
	}
	z := comp.Compress(nil, p)
	if !anySize && !c.fitsLocked(len(z)) {
		comp.ResetContext() // the peer never sees z: no later message may refer to it
		return nil, nil
	}
	return c.enc.AppendMessage(dst, op, z, true)
}

// tooLargeLocked is SendMessage's error for a message of n bytes that
// does not fit what a connection holds.
func (c *Conn) tooLargeLocked(n int) error {
	c.bytesSent = 0
	return fmt.Errorf("%w: %d bytes (at most %d without waiting)", ErrSendTooLarge, n, 2*c.tr.queueLimit())
}

// frameBufs holds the buffers SendMessage encodes frames into. One is free
// again once pushLocked returns: the transport copies what it takes and
// pushLocked copies the rest into pending.
var frameBufs = sync.Pool{New: func() any { return new([]byte) }}

// frameBufRetain is the largest buffer that goes back to frameBufs.
const frameBufRetain = 64 << 10

func putFrameBuf(b *[]byte) {
	if cap(*b) > frameBufRetain {
		*b = nil
	}
	*b = (*b)[:0]
	frameBufs.Put(b)
}

// sendableLocked says whether a data send may start now; piece is set
// for sendPieces' own sends.
func (c *Conn) sendableLocked(piece bool) error {
	if !c.openLocked() {
		return ErrNotConnected
	}
	if len(c.pending) > 0 || c.streaming && !piece {
		c.wantReady = true
		c.bytesSent = 0
		return ErrWouldBlock
	}
	return nil
}

// maxFrameHeader is the longest frame header: 2 bytes, 8 of length, 4 of mask.
const maxFrameHeader = 14

// fitsLocked reports whether a message of n bytes may be queued without
// waiting: its frames fit twice the transport's queue bound, the most a
// connection holds beyond that queue.
func (c *Conn) fitsLocked(n int) bool {
	limit := c.tr.queueLimit()
	frames := 1
	if mf := c.enc.MaxFrameSize; mf > 0 {
		frames += n / mf
	} else if mf == 0 {
		frames += n / wsproto.DefaultMaxFrameSize
	}
	return n+frames*maxFrameHeader <= 2*limit
}

// pushLocked hands encoded frames to the transport; what it cannot take
// now waits in pending, which makes the next data send would-block.
func (c *Conn) pushLocked(frames []byte) error {
	if len(c.pending) > 0 {
		c.pending = append(c.pending, frames...)
		return nil
	}
	n, err := c.tr.Send(frames)
	if err == nil {
		return nil
	}
	if !errors.Is(err, ErrWouldBlock) {
		return &OpError{Op: "send", ConnID: c.id, Err: errcode.With(ErrSend, err)}
	}
	c.pending = append(c.pending[:0:0], frames[n:]...)
	return nil
}

// sendControl queues a ping, pong or close frame; control frames may go
// between the frames of a streamed message (RFC 6455 §5.4).
func (c *Conn) sendControl(op wsproto.Opcode, payload []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.openLocked() {
		return ErrNotConnected
	}
	if op == wsproto.OpPong && len(c.pending) > 1<<20 {
		return nil // far behind: a later pong will answer (§5.5.3 allows answering only the last ping)
	}
	b, err := c.enc.AppendControl(nil, op, payload)
	if err != nil {
		return err
	}
	return c.pushLocked(b)
}

// writable is called by the transport when its queue has room: pending
// bytes go out first; it reports whether OnReadyToSend is due (a send was
// refused).
func (c *Conn) writable() bool {
	c.mu.Lock()
	if len(c.pending) > 0 {
		n, err := c.tr.Send(c.pending)
		if err != nil {
			c.pending = c.pending[n:]
			if !errors.Is(err, ErrWouldBlock) {
				c.pending = nil
			}
			c.mu.Unlock()
			return false
		}
		c.pending = nil
		c.wakeLocked()
	}
	if c.closeAfter {
		c.closeAfter = false
		c.mu.Unlock()
		c.tr.Disconnect()
		return false
	}
	fire := c.wantReady && c.openLocked()
	c.wantReady = false
	c.mu.Unlock()
	return fire
}

// wakeLocked wakes the blocking sends waiting in waitRoom: something they
// wait for may have changed (pending handed over, a streamed message
// ended, the connection no longer open). c.mu is held.
func (c *Conn) wakeLocked() {
	if c.x != nil {
		c.x.wake.Wake()
	}
}

// readyNow fires OnReadyToSend, as one of the connection's events, unless
// the connection has been reported closed by then.
func (c *Conn) readyNow() {
	c.mu.Lock()
	gone := c.phase >= phaseClosed
	c.mu.Unlock()
	if !gone {
		c.fireReady()
	}
}

func (c *Conn) fireReady() {
	if h := c.events.OnReadyToSend; h != nil {
		c.call("OnReadyToSend", func() { h(c) })
	}
}

// fileChunk is the size of SendFile's reads.
const fileChunk = 64 << 10

// SendFile sends the named file as one binary message, read as the queue
// makes room; Interrupt ends it (ErrInterrupted), failing the connection.
func (c *Conn) SendFile(name string) (int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if err := c.SetMessageLength(st.Size()); err != nil {
		return 0, err
	}
	if st.Size() == 0 {
		_ = c.SetMessageLength(0)
		_, err := c.waitSend(DataBinary, nil, c.newSendWait())
		return 0, err
	}
	w := c.newSendWait()
	defer w.stop()
	buf := make([]byte, fileChunk)
	var total int64
	for total < st.Size() {
		n, rerr := io.ReadFull(f, buf[:min(int64(len(buf)), st.Size()-total)])
		if n > 0 {
			if _, err := c.waitSend(DataBinary, buf[:n], w); err != nil {
				if errors.Is(err, ErrInterrupted) || errors.Is(err, ErrTimedOut) {
					c.fail(fmt.Errorf("ws: SendFile interrupted mid-message: %w", err))
				}
				return total, err
			}
			total += int64(n)
		}
		if rerr != nil && total < st.Size() {
			c.fail(fmt.Errorf("ws: SendFile: %w", rerr))
			return total, rerr
		}
	}
	return total, nil
}

// Interrupt stops a SendFile, or a Send waiting after SetTimeout, with
// ErrInterrupted; the sends that take a ctx stop with it.
func (c *Conn) Interrupt() {
	c.mu.Lock()
	if c.x != nil && c.x.interrupt != nil {
		close(c.x.interrupt)
		c.x.interrupt = nil // the next send makes a fresh one
	}
	c.mu.Unlock()
}

// sendWait is how a blocking send waits: intr ends the wait with
// ErrInterrupted, and a positive timeout without progress with
// ErrTimedOut.
type sendWait struct {
	intr    <-chan struct{}
	timeout time.Duration
	timer   *time.Timer // made by the first wait
}

// newSendWait returns the wait of a send that Interrupt and SetTimeout's
// timeout end.
func (c *Conn) newSendWait() *sendWait {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := &sendWait{intr: c.interruptChanLocked()}
	if c.x != nil {
		w.timeout = c.x.timeout
	}
	return w
}

func (w *sendWait) stop() {
	if w.timer != nil {
		w.timer.Stop()
	}
}

// waitSend sends, waiting for room instead of returning ErrWouldBlock;
// a message too large to be queued at once goes piece by piece.
func (c *Conn) waitSend(f SendFormat, p []byte, w *sendWait) (int, error) {
	for {
		n, err := c.sendMessage(f, p, false)
		if errors.Is(err, ErrSendTooLarge) {
			return c.sendPieces(f, p, w)
		}
		if !errors.Is(err, ErrWouldBlock) {
			return n, err
		}
		if err := c.waitRoom(w, c.sendIdleLocked); err != nil {
			return 0, err
		}
	}
}

// sendIdleLocked reports whether a data send may start: nothing pending,
// no message going out in pieces. c.mu is held.
func (c *Conn) sendIdleLocked() bool { return len(c.pending) == 0 && !c.streaming }

// waitRoom waits until ready (called with c.mu held) says that a refused
// send may be tried again, handing the transport what is pending
// meanwhile. It fails with ErrInterrupted or ErrTimedOut as w says, and
// with ErrNotConnected once the connection is not open. It never polls:
// it waits for the transport's room (Writable, which comes inside the
// connection's hooks too) and for the Conn's own changes (wakeLocked). An
// OnReadyToSend due to another sender is kept for the transport's next
// notification.
func (c *Conn) waitRoom(w *sendWait, ready func() bool) error {
	for {
		c.mu.Lock()
		if !c.openLocked() {
			c.mu.Unlock()
			return ErrNotConnected
		}
		if ready() {
			c.mu.Unlock()
			return nil
		}
		wake := c.extraLocked().wake.Chan(false)
		c.mu.Unlock()
		room := c.tr.Writable() // before the hand-over whose refusal it reports
		if c.writable() {
			c.mu.Lock()
			c.wantReady = true
			c.mu.Unlock()
		}
		var expired <-chan time.Time
		if w.timeout > 0 {
			if w.timer == nil {
				w.timer = time.NewTimer(w.timeout)
			}
			expired = w.timer.C
		}
		select {
		case <-wake:
		case <-room:
		case <-w.intr:
			return ErrInterrupted
		case <-expired:
			return fmt.Errorf("%w: no room to send for %v", ErrTimedOut, w.timeout)
		}
		if w.timer != nil {
			w.timer.Reset(w.timeout) // progress
		}
	}
}

// sendPieces sends p, too large to be queued at once, as fragments of one
// message (the message SetMessageLength started, or one of its own), a
// queue's worth at a time, waiting for the queue to drain between them:
// the connection holds no more of p than one piece. Other data sends get
// ErrWouldBlock meanwhile (control frames still go between fragments).
// Streamed messages are not compressed.
func (c *Conn) sendPieces(f SendFormat, p []byte, w *sendWait) (int, error) {
	if f == DataAutomatic {
		f = DataBinary
		if utf8.Valid(p) {
			f = DataText
		}
	}
	// Take the connection's data sending, once what is pending is out.
	opened := false
	for {
		c.mu.Lock()
		if !c.openLocked() {
			c.mu.Unlock()
			return 0, ErrNotConnected
		}
		if !c.streaming && len(c.pending) == 0 {
			if f == DataText && c.msgRemain == 0 && !utf8.Valid(p) {
				c.mu.Unlock()
				return 0, fmt.Errorf("%w: text message is not valid UTF-8", ErrInvalidValue)
			}
			c.streaming = true
			if c.msgRemain == 0 {
				c.msgRemain = int64(len(p)) // a message of its own
				opened = true
			}
			c.mu.Unlock()
			break
		}
		c.mu.Unlock()
		if err := c.waitRoom(w, c.sendIdleLocked); err != nil {
			return 0, err
		}
	}
	defer func() {
		c.mu.Lock()
		c.streaming = false
		c.wakeLocked()
		c.mu.Unlock()
	}()
	size := max(c.tr.queueLimit(), 1)
	sent := 0
	for sent < len(p) {
		k := min(size, len(p)-sent)
		_, err := c.sendMessage(f, p[sent:sent+k], true)
		if err == nil {
			sent += k
			continue
		}
		if !errors.Is(err, ErrWouldBlock) {
			return sent, err
		}
		if err := c.waitRoom(w, c.nothingPendingLocked); err != nil {
			switch {
			case sent == 0 && opened:
				c.mu.Lock()
				c.msgRemain = 0 // nothing of it went out
				c.mu.Unlock()
			case errors.Is(err, ErrInterrupted) || errors.Is(err, ErrTimedOut):
				c.fail(fmt.Errorf("ws: send interrupted mid-message: %w", err))
			}
			return sent, err
		}
	}
	return sent, nil
}

// nothingPendingLocked reports whether the transport has taken all that
// was sent. c.mu is held.
func (c *Conn) nothingPendingLocked() bool { return len(c.pending) == 0 }

// closeWhenFlushed closes the transport gracefully once the bytes still
// pending (a Close frame among them) have been handed to it.
func (c *Conn) closeWhenFlushed() {
	c.mu.Lock()
	if len(c.pending) > 0 {
		c.closeAfter = true
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.tr.Disconnect()
}

// WriteFragment sends p as the next part of a message of unknown length,
// waiting for room (see the package doc). The first call's f is the format
// (DataAutomatic: text if p is UTF-8); the call with last ends the message.
func (c *Conn) WriteFragment(ctx context.Context, f SendFormat, p []byte, last bool) error {
	op, err := opcodeFor(f, p)
	if err != nil {
		return err
	}
	if !op.IsData() {
		return fmt.Errorf("%w: WriteFragment sends text or binary messages", ErrInvalidValue)
	}
	done := make(chan struct{})
	stop := context.AfterFunc(ctx, func() { close(done) })
	defer stop()
	w := &sendWait{intr: done}
	size := max(c.tr.queueLimit(), 1)
	started := false
	for off := 0; ; {
		c.mu.Lock()
		if !c.openLocked() {
			c.mu.Unlock()
			return ErrNotConnected
		}
		if c.fragmentBlockedLocked() {
			c.mu.Unlock() // another message, or our last part, is still going out
			if err := c.waitRoom(w, func() bool { return !c.fragmentBlockedLocked() }); err != nil {
				if errors.Is(err, ErrInterrupted) && (started || c.fragmentIsOpen()) {
					c.fail(fmt.Errorf("ws: WriteFragment interrupted mid-message: %w", ctx.Err()))
				}
				if errors.Is(err, ErrInterrupted) {
					return ctx.Err()
				}
				return err
			}
			continue
		}
		if c.msgRemain != fragmentOpen {
			c.msgRemain, c.streaming, c.msgOp = fragmentOpen, true, op
		}
		end := min(off+size, len(p))
		fin := last && end == len(p)
		if end == off && !fin {
			c.mu.Unlock()
			return nil // nothing to send yet
		}
		buf := frameBufs.Get().(*[]byte)
		frames, err := c.enc.AppendFragment((*buf)[:0], c.msgOp, p[off:end], fin, false)
		if err == nil {
			err = c.pushLocked(frames)
		}
		*buf = frames
		putFrameBuf(buf)
		if fin {
			c.msgRemain, c.streaming = 0, false
			c.wakeLocked()
			if o := c.opts.obs; o != nil && err == nil {
				o.MessageSent(c.enc.FragmentedSize())
			}
		}
		c.mu.Unlock()
		if err != nil {
			return err
		}
		started = true
		off = end
		if off == len(p) {
			return nil
		}
	}
}

// fragmentBlockedLocked reports whether a part of WriteFragment must wait:
// another message is going out, or bytes are pending. c.mu is held.
func (c *Conn) fragmentBlockedLocked() bool {
	return c.msgRemain != fragmentOpen && (c.streaming || c.msgRemain > 0 || c.enc.MessageOpen()) || len(c.pending) > 0
}

// fragmentOpen in msgRemain marks a message of WriteFragment as open (its
// length is not known; streaming is set meanwhile).
const fragmentOpen = -1

// fragmentIsOpen reports whether a message of WriteFragment is open.
func (c *Conn) fragmentIsOpen() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.msgRemain == fragmentOpen
}

// sendPrepared queues a broadcast message's shared frames. A connection
// whose queue is full keeps them in its backlog (pending), up to twice
// its queue's bound; one whose backlog would overflow does not read fast
// enough and is closed with 1008, so that it never holds up the others.
func (c *Conn) sendPrepared(m *wsproto.PreparedMessage, size int) error {
	c.mu.Lock()
	if !c.openLocked() {
		c.mu.Unlock()
		return ErrNotConnected
	}
	if c.streaming || c.enc.MessageOpen() {
		c.wantReady = true // a message in pieces: frames cannot go between
		c.mu.Unlock()
		return ErrWouldBlock
	}
	comp, err := c.compressorLocked(size)
	if err != nil {
		c.mu.Unlock()
		return err
	}
	frames, err := c.enc.AppendPrepared(nil, m, comp)
	if err != nil {
		c.mu.Unlock()
		return err
	}
	if limit := 2 * c.tr.queueLimit(); limit > 0 && len(c.pending)+len(frames) > limit {
		if len(frames) > limit {
			c.mu.Unlock()
			return fmt.Errorf("%w: %d bytes (at most %d without waiting)", ErrSendTooLarge, size, limit)
		}
		backlog := len(c.pending)
		wait := c.closeLocked(ClosePolicyViolation, "too slow: the broadcast backlog is full")
		c.mu.Unlock()
		if o := c.opts.obs; o != nil {
			o.ProtocolError(ClosePolicyViolation)
		}
		c.logf(LogInfo, "Info", "closing a connection that does not read: %d bytes of broadcasts waiting", backlog)
		if !wait {
			c.closeWhenFlushed()
		}
		return ErrTooSlow
	}
	defer c.mu.Unlock()
	if err := c.pushLocked(frames); err != nil {
		return err
	}
	c.bytesSent = size
	if o := c.opts.obs; o != nil {
		o.MessageSent(size)
	}
	return nil
}
