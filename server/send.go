package server

import (
	"errors"
	"io"
	"net"
	"os"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
)

// Send queues p for sending and returns how many bytes were accepted.
//
// With Timeout 0 (the default) Send never blocks: when the send queue
// (OutBufferSize) cannot take all of p, it takes what fits and returns an
// error matching ErrWouldBlock; OnReadyToSend fires when there is room
// again. With a positive Timeout, Send waits for room instead, failing with
// ErrTimedOut after Timeout without progress, or ErrInterrupted after
// Interrupt. After the connection closed, the error matches ErrNotConnected.
func (c *Conn) Send(p []byte) (int, error) {
	if t := c.Timeout(); t > 0 {
		n, err := c.sendBlocking(p, t, c.interruptChan())
		c.setBytesSent(n)
		return n, err
	}
	c.mu.Lock()
	gen := c.writableGen
	c.mu.Unlock()
	n, err := c.ec.Write(p)
	c.sent(n)
	c.mu.Lock()
	c.bytesSent = n
	if errors.Is(err, engine.ErrWouldBlock) {
		if c.writableGen != gen {
			// Room returned between the write and now: say so at once.
			c.blocked = false
			c.mu.Unlock()
			c.s.post(c, event{kind: evReady})
		} else {
			c.blocked = true
			c.mu.Unlock()
		}
		return n, opError("send", c.id, ErrWouldBlock, nil)
	}
	c.mu.Unlock()
	if err != nil {
		return n, c.sendError(err)
	}
	return n, nil
}

// SendText sends s converted to the server's CodePage (UTF-8 by default).
func (c *Conn) SendText(s string) (int, error) {
	b, err := c.s.EncodeText(s)
	if err != nil {
		return 0, err
	}
	return c.Send(b)
}

// SendLine sends s (converted as SendText does) followed by the
// connection's EOL, or CRLF when it has none, as one Send.
func (c *Conn) SendLine(s string) (int, error) {
	b, err := c.s.EncodeText(s)
	if err != nil {
		return 0, err
	}
	eol := c.EOL()
	if len(eol) == 0 {
		eol = []byte("\r\n")
	}
	return c.Send(append(b, eol...))
}

// fileChunk is the size of the reads of SendFile.
const fileChunk = 32 << 10

// SendFile streams the named file to the client and returns the bytes
// queued. It reads the file in chunks as the send queue makes room, so a
// large file never sits in memory; it returns when the whole file is queued
// (the data may still be in flight), with ErrInterrupted after Interrupt,
// or with ErrTimedOut when a positive Timeout passes without progress.
// It blocks its caller; called inside a hook it delays
// that connection's events only.
func (c *Conn) SendFile(name string) (int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	intr := c.interruptChan()
	buf := make([]byte, fileChunk)
	var total int64
	for {
		n, rerr := f.Read(buf)
		if n > 0 {
			w, err := c.sendBlocking(buf[:n], c.Timeout(), intr)
			total += int64(w)
			if err != nil {
				return total, err
			}
		}
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}

// Interrupt stops a SendFile or a blocking Send in progress on this
// connection; they return ErrInterrupted. The connection stays open.
func (c *Conn) Interrupt() {
	c.mu.Lock()
	if c.interrupt != nil {
		close(c.interrupt)
		c.interrupt = nil // the next send makes a fresh one
	}
	c.mu.Unlock()
}

func (c *Conn) interruptChan() chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.interrupt == nil {
		c.interrupt = make(chan struct{})
	}
	return c.interrupt
}

func (c *Conn) setBytesSent(n int) {
	c.mu.Lock()
	c.bytesSent = n
	c.mu.Unlock()
}

// Writable returns a channel that is closed when the send queue has room
// again after refusing bytes (a Send that returned ErrWouldBlock), or once
// the connection has closed. Unlike OnReadyToSend, an event of the
// connection, it is not held up by the connection's hooks: a hook may wait
// on it. Take it before the Send whose refusal it is to report.
func (c *Conn) Writable() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writable.Chan(c.phase == phaseClosed)
}

// sendBlocking queues all of p, waiting for room. timeout <= 0 waits without
// limit; otherwise it is an inactivity limit, restarted by progress.
func (c *Conn) sendBlocking(p []byte, timeout time.Duration, intr chan struct{}) (int, error) {
	var timer *time.Timer
	var expired <-chan time.Time
	if timeout > 0 {
		timer = time.NewTimer(timeout)
		defer timer.Stop()
		expired = timer.C
	}
	done := 0
	for {
		// Taken before the write, so that the OnWritable which follows
		// a refusal is not missed.
		room := c.Writable()
		n, err := c.ec.Write(p[done:])
		c.sent(n)
		done += n
		if err == nil {
			return done, nil
		}
		if !errors.Is(err, engine.ErrWouldBlock) {
			return done, c.sendError(err)
		}
		if n > 0 && timer != nil {
			timer.Reset(timeout)
		}
		select {
		case <-room:
		case <-intr:
			return done, opError("send", c.id, ErrInterrupted, nil)
		case <-expired:
			return done, opError("send", c.id, ErrTimedOut, nil)
		}
	}
}

func (c *Conn) sendError(err error) *Error {
	c.mu.Lock()
	closed := c.goneLocked()
	c.mu.Unlock()
	if closed || errors.Is(err, net.ErrClosed) {
		return opError("send", c.id, ErrNotConnected, err)
	}
	return netError("send", c.id, err)
}

// countSent tells the Observer of n bytes the engine took.
func (c *Conn) countSent(n int) {
	if o := c.s.obs; o != nil && n > 0 {
		o.BytesSent(n)
	}
}
