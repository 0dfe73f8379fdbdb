package socket

import (
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/tlskit/tlskit/internal/errcode"
)

// abortSend discards the queued bytes no write has taken yet and reports
// SendComplete(true) if there were any.
func (s *Socket) abortSend() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.link == nil {
		return
	}
	n := s.link.ec.DiscardQueued()
	if n == 0 {
		return
	}
	s.unsent -= n
	s.sendAborted = s.unsent > 0 // the write under way ends without SendComplete(false)
	s.push(event{kind: evSendComplete, userAborted: true})
	s.notify()
}

// queueLocked hands p, which fits (writableLocked), to the link's engine
// conn; s.mu must be held.
func (s *Socket) queueLocked(op string, p []byte) error {
	n, err := s.link.ec.Write(p)
	s.unsent += n
	s.sendAborted = false
	s.notify()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, net.ErrClosed): // ended; OnClose will say why
		return opError(op, ErrInvalidState, errcode.With(ErrNotConnected, err))
	}
	return newError(op, err)
}

// writableLocked is how many bytes Send accepts now; s.mu must be held.
func (s *Socket) writableLocked() int {
	if s.state != StateConnected || s.link == nil {
		return 0
	}
	return max(s.cfg.SendBufferSize-s.unsent, 0)
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
	return s.unsent
}

// sendableLocked returns why nothing can be queued now, or nil; s.mu must
// be held.
func (s *Socket) sendableLocked(op string) error {
	switch {
	case s.userClosed:
		return net.ErrClosed
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
// ErrWouldBlock and ErrOutOfMemory). The connection's engine writes the
// data; SendProgress, SendComplete and Writable report on it.
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
	if err := s.queueLocked("send", p); err != nil {
		return 0, err
	}
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
			if err := s.queueLocked("write", p[done:done+n]); err != nil {
				s.mu.Unlock()
				return done, err
			}
			done += n
		}
		if done == len(p) {
			s.mu.Unlock()
			return done, nil
		}
		ch := s.changes()
		s.mu.Unlock()
		select {
		case <-ch:
		case <-expired:
		}
	}
}
