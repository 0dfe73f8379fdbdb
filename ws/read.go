package ws

import (
	"context"
	"fmt"
	"math"

	"github.com/tlskit/tlskit/internal/framing"
	"github.com/tlskit/tlskit/internal/wsproto"
)

// Message is one whole received message, as ReadMessage returns it.
type Message struct {
	Format DataFormat // FormatText or FormatBinary
	Data   []byte

	partial bool // a piece of a message, more to come (Fragments, queued for NextReader)
}

// received handles bytes read from the peer once the WebSocket is open.
// It is called by the transport, one call at a time, and runs the hooks.
func (c *Conn) received(p []byte) {
	c.mu.Lock()
	if c.phase == phaseHandshake || c.phase >= phaseRefused {
		c.mu.Unlock()
		return
	}
	rd := c.readerLocked()
	c.mu.Unlock()
	rd.SetBufferMessage(c.wholeMessages())
	rd.Feed(p)
	for {
		ev, ok, err := rd.Next()
		if err != nil {
			c.fail(err)
			return
		}
		if !ok {
			c.releaseReader(rd) // idle connections keep no reader
			return
		}
		switch ev.Kind {
		case wsproto.EventData:
			c.logf(LogDebug, "Debug", "received %v data, %d bytes, eom=%v", ev.Format, len(ev.Data), ev.EOM)
			if o := c.opts.obs; o != nil && ev.EOM {
				o.MessageReceived(int(ev.Size))
			}
			c.deliverData(ev)
		case wsproto.EventPing:
			c.logf(LogDebug, "Debug", "received ping, %d bytes", len(ev.Data))
			c.sendControl(wsproto.OpPong, ev.Data)
			if h := c.events.OnPing; h != nil {
				c.call("OnPing", func() { h(c, ev.Data, false) })
			}
		case wsproto.EventPong:
			c.logf(LogDebug, "Debug", "received pong, %d bytes", len(ev.Data))
			c.pongReceived(ev.Data)
			if h := c.events.OnPing; h != nil {
				c.call("OnPing", func() { h(c, ev.Data, true) })
			}
		case wsproto.EventClose:
			c.logf(LogVerbose, "Verbose", "received close %v %q", ev.Code, ev.Reason)
			c.peerClose(ev.Code, ev.Reason)
			return
		}
		if c.hookPanicked() {
			return // the connection is being reset: nothing more is delivered
		}
	}
}

func (c *Conn) deliverData(ev wsproto.Event) {
	if c.messages != nil {
		c.queueMessage(ev)
		return
	}
	c.mu.Lock()
	lineMode, maxLine := c.lineMode, int(c.maxLine)
	c.mu.Unlock()
	h := c.events.OnDataIn
	if !lineMode {
		c.call("OnDataIn", func() { h(c, ev.Format, ev.Data, ev.EOM, false) })
		return
	}
	if c.line == nil {
		c.line = &framing.Framer{}
		c.line.SetSingleLineMode(true)
	}
	if maxLine != 0 && maxLine != c.line.MaxLineLength() {
		_ = c.line.SetMaxLineLength(maxLine) // validated by options and SetMaxLineLength
	}
	c.line.Feed(ev.Data)
	for {
		rec, eol, ok := c.line.Next()
		if !ok {
			break
		}
		eom := ev.EOM && c.line.Buffered() == 0
		if !c.call("OnDataIn", func() { h(c, FormatContinuation, rec, eom, eol) }) {
			return
		}
	}
}

// queueMessage keeps a whole message for ReadMessage; it blocks the
// reading side while the queue is full, which pushes back on the peer.
func (c *Conn) queueMessage(ev wsproto.Event) {
	m := Message{Format: ev.Format, Data: append([]byte(nil), ev.Data...), partial: !ev.EOM}
	select {
	case c.messages <- m: // room: kept even while closing, ReadMessage still returns it
		return
	default:
	}
	select {
	case c.messages <- m:
	case <-c.notOpenChan(): // closing with a full queue: data after a Close may be dropped
	}
}

// ReadMessage returns the next whole message (with an OnDataIn hook it
// waits for ctx), a *CloseError after the close. With Fragments it joins
// the pieces, keeping them for the next call when ctx ends in the middle.
func (c *Conn) ReadMessage(ctx context.Context) (DataFormat, []byte, error) {
	if c.messages == nil {
		<-ctx.Done()
		return 0, nil, ctx.Err()
	}
	if !c.opts.Fragments {
		m, err := c.nextPiece(ctx) // always whole
		return m.Format, m.Data, err
	}
	return c.readJoined(ctx)
}

// nextPiece returns the next message, or piece of one, that the reading
// side queued for ReadMessage and NextReader.
func (c *Conn) nextPiece(ctx context.Context) (Message, error) {
	select {
	case m := <-c.messages:
		return m, nil
	default:
	}
	select {
	case m := <-c.messages:
		return m, nil
	case <-c.doneChan():
		select {
		case m := <-c.messages:
			return m, nil
		default:
		}
		return Message{}, c.CloseStatus()
	case <-ctx.Done():
		return Message{}, ctx.Err()
	}
}

// ChangeLineMode turns line mode on or off from the next received data on.
func (c *Conn) ChangeLineMode(on bool) {
	c.mu.Lock()
	c.lineMode = on
	c.mu.Unlock()
}

// LineMode reports whether line mode is on.
func (c *Conn) LineMode() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lineMode
}

// SetMaxLineLength sets the line buffer size of line mode (minimum 256).
func (c *Conn) SetMaxLineLength(n int) error {
	if err := checkMaxLineLength(n); err != nil {
		return err
	}
	c.mu.Lock()
	c.maxLine = int32(n)
	c.mu.Unlock()
	return nil
}

// checkMaxLineLength refuses a line buffer size below the framer's minimum
// or above 2 GiB - 1 (the connection keeps it in 32 bits).
func checkMaxLineLength(n int) error {
	if n < framing.MinMaxLineLength {
		return fmt.Errorf("%w: MaxLineLength %d is below %d", ErrInvalidValue, n, framing.MinMaxLineLength)
	}
	if n > math.MaxInt32 {
		return fmt.Errorf("%w: MaxLineLength %d is above %d", ErrInvalidValue, n, math.MaxInt32)
	}
	return nil
}

// MaxLineLength returns the line buffer size of line mode.
func (c *Conn) MaxLineLength() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.maxLine == 0 {
		return DefaultMaxLineLength
	}
	return int(c.maxLine)
}

// SetBufferMessage turns whole-message delivery on or off (next message on).
func (c *Conn) SetBufferMessage(on bool) {
	if c.messages != nil {
		return // ReadMessage needs whole messages
	}
	c.bufferMsg.Store(on)
}
