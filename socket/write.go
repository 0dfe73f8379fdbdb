package socket

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"

	"github.com/tlskit/tlskit/internal/errcode"
)

const writeChunk = 16 << 10

// writeLoop sends the send buffer's bytes to conn until conn fails or stop
// is closed. It is one of the two I/O goroutines of a connection.
func (s *Socket) writeLoop(conn net.Conn, stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	chunk := make([]byte, writeChunk)
	for {
		s.mu.Lock()
		for s.sbuf.Len() == 0 || (isClosed(stop) && s.lingering != conn) {
			if isClosed(stop) {
				s.endWriteLocked(conn)
				return
			}
			ch := s.changed
			s.mu.Unlock()
			select {
			case <-ch:
			case <-stop:
			}
			s.mu.Lock()
		}
		n := copy(chunk, s.sbuf.Bytes())
		s.inflight = n
		s.mu.Unlock()

		w, err := conn.Write(chunk[:n])

		s.mu.Lock()
		s.sbuf.Next(w)
		s.inflight = 0
		s.ev.progressSent += w
		if w > 0 {
			s.push(event{kind: evSendProgress})
			if s.sbuf.Len() == 0 {
				if s.sendAborted { // SendComplete(true) was reported already
					s.sendAborted = false
				} else {
					s.push(event{kind: evSendComplete})
				}
			}
			s.push(event{kind: evWritable})
		}
		s.notify()
		if err == nil {
			s.mu.Unlock()
			continue
		}
		if isClosed(stop) {
			s.sbuf.Reset()
			s.endWriteLocked(conn)
			return
		}
		s.werr = err
		s.mu.Unlock()
		s.fail("write", err)
		return
	}
}

// endWriteLocked ends the writer of a stopped connection: when Close left
// it lingering, the writer closes it. It unlocks s.mu.
func (s *Socket) endWriteLocked(conn net.Conn) {
	lingering := s.lingering == conn
	if lingering {
		s.lingering = nil
	}
	s.mu.Unlock()
	if lingering {
		_ = conn.Close()
	}
}

// abortSend discards the queued bytes the writer has not taken yet and
// reports SendComplete(true) if there were any.
func (s *Socket) abortSend() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sbuf.Len() <= s.inflight {
		return
	}
	s.sbuf.Truncate(s.inflight)
	s.sendAborted = s.inflight > 0
	s.push(event{kind: evSendComplete, userAborted: true})
	s.notify()
}

// writableLocked is how many bytes Send accepts now; s.mu must be held.
func (s *Socket) writableLocked() int {
	if s.state != StateConnected {
		return 0
	}
	return max(s.cfg.SendBufferSize-s.sbuf.Len(), 0)
}

// Writable is how many bytes Send accepts now (ECMA-419 writable count).
func (s *Socket) Writable() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writableLocked()
}

// BytesLeftToSend is how many queued bytes have not been written to the
// network yet (Xojo BytesLeftToSend).
func (s *Socket) BytesLeftToSend() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sbuf.Len()
}

// sendableLocked returns why nothing can be queued now, or nil; s.mu must
// be held.
func (s *Socket) sendableLocked(op string) error {
	switch {
	case s.userClosed:
		return net.ErrClosed
	case s.werr != nil:
		return newError(op, s.werr)
	case s.writeShut && s.state == StateConnected:
		return opError(op, ErrInvalidState, errWriteShut)
	case s.state != StateConnected:
		return opError(op, ErrInvalidState, fmt.Errorf("socket is %s", s.state))
	}
	return nil
}

// Send queues all of p for sending without blocking and returns how many
// more bytes the buffer accepts (Xojo Write, ECMA-419 write). When p does
// not fit, nothing is queued and the error matches ErrBufferFull (and so
// ErrWouldBlock and ErrOutOfMemory). The I/O goroutine writes the data;
// SendProgress, SendComplete and Writable report on it.
func (s *Socket) Send(p []byte) (writable int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.sendableLocked("send"); err != nil {
		if errors.Is(err, net.ErrClosed) {
			err = opError("send", ErrInvalidState, errcode.With(ErrNotConnected, err))
		}
		return 0, err
	}
	free := s.writableLocked()
	if len(p) > free {
		return free, &Error{Op: "send", Err: fmt.Errorf("%w: %d bytes, room for %d", ErrBufferFull, len(p), free)}
	}
	s.sbuf.Write(p)
	s.sendAborted = false
	s.notify()
	return free - len(p), nil
}

// Write implements net.Conn: it queues p, waiting for room in the send
// buffer as needed, and returns once all of p is queued, the write
// deadline passed (os.ErrDeadlineExceeded, with the count queued so far)
// or the connection failed. Queued bytes are sent even if a later Write
// times out; Close drops them.
func (s *Socket) Write(p []byte) (int, error) {
	done := 0
	for {
		s.mu.Lock()
		if err := s.sendableLocked("write"); err != nil {
			s.mu.Unlock()
			return done, err
		}
		expired := s.wdl.wait()
		if isClosed(expired) {
			s.mu.Unlock()
			return done, os.ErrDeadlineExceeded
		}
		if n := min(s.writableLocked(), len(p)-done); n > 0 {
			s.sbuf.Write(p[done : done+n])
			s.sendAborted = false
			done += n
			s.notify()
		}
		if done == len(p) {
			s.mu.Unlock()
			return done, nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-expired:
		}
	}
}
