package server

import (
	"errors"
	"io"
	"io/fs"
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

// fileChunk is the size of the reads of SendFile where it copies.
const fileChunk = 32 << 10

// SendFile streams the named file to the client and returns the bytes
// queued. On a plain connection the file's bytes go from the kernel's page
// cache to the socket (sendfile(2) where the OS has it), after what was
// queued before and before what is queued after; on a TLS connection it
// reads the file in chunks as the send queue makes room, so a large file
// never sits in memory. It returns when the whole file is queued or sent
// (the data may still be in flight), with ErrInterrupted after Interrupt,
// or with ErrTimedOut when a positive Timeout passes without progress. A
// file that cannot be opened, or a directory, is an error (an
// *fs.PathError) before anything is sent.
// It blocks its caller; called inside a hook it delays
// that connection's events only.
func (c *Conn) SendFile(name string) (int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if fi.IsDir() {
		return 0, &fs.PathError{Op: "sendfile", Path: name, Err: errIsDir}
	}
	intr := c.interruptChan()
	var total int64
	if fsnd, ok := c.ec.(engine.FileSender); ok && fi.Mode().IsRegular() && !copyFiles {
		size := fi.Size()
		err := c.sendWaiting(c.Timeout(), intr, func() (int, bool, error) {
			n, err := fsnd.WriteFile(f, total, size-total)
			total += n
			if err == io.EOF { // the file shrank: what it has is sent
				return int(n), true, nil
			}
			return int(n), err == nil && total >= size, err
		})
		if !errors.Is(err, errors.ErrUnsupported) {
			return total, err
		}
		if _, err := f.Seek(total, io.SeekStart); err != nil {
			return total, err
		}
	}
	buf := make([]byte, fileChunk)
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

// copyFiles makes SendFile copy through the send queue on every
// connection: the benchmarks' baseline.
var copyFiles = false

// errIsDir is SendFile's error for a directory.
var errIsDir = errors.New("is a directory")

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
	done := 0
	err := c.sendWaiting(timeout, intr, func() (int, bool, error) {
		n, err := c.ec.Write(p[done:])
		done += n
		return n, err == nil, err
	})
	return done, err
}

// sendWaiting calls step until it reports that it is done or fails,
// waiting for room after each ErrWouldBlock. step returns the bytes the
// engine took, whether all are taken, and the engine's error. timeout and
// intr are sendBlocking's. errors.ErrUnsupported from step is returned as
// it is.
func (c *Conn) sendWaiting(timeout time.Duration, intr chan struct{}, step func() (int, bool, error)) error {
	var timer *time.Timer
	var expired <-chan time.Time
	if timeout > 0 {
		timer = time.NewTimer(timeout)
		defer timer.Stop()
		expired = timer.C
	}
	for {
		// Taken before the write, so that the OnWritable which follows
		// a refusal is not missed.
		room := c.Writable()
		n, done, err := step()
		c.sent(n)
		if done {
			return nil
		}
		if errors.Is(err, errors.ErrUnsupported) {
			return err
		}
		if err != nil && !errors.Is(err, engine.ErrWouldBlock) {
			return c.sendError(err)
		}
		if err == nil {
			continue // more to take
		}
		if n > 0 && timer != nil {
			timer.Reset(timeout)
		}
		select {
		case <-room:
		case <-intr:
			return opError("send", c.id, ErrInterrupted, nil)
		case <-expired:
			return opError("send", c.id, ErrTimedOut, nil)
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
