package socket

import (
	"errors"
	"io"
	"net"
	"os"
)

// Read implements net.Conn: it blocks until data is available, the peer
// closed (io.EOF once the buffer is empty), the read deadline passed
// (os.ErrDeadlineExceeded) or the socket was closed (net.ErrClosed).
func (s *Socket) Read(p []byte) (int, error) {
	for {
		s.mu.Lock()
		if s.userClosed {
			s.mu.Unlock()
			return 0, net.ErrClosed
		}
		expired := s.rdl.wait()
		if isClosed(expired) {
			s.mu.Unlock()
			return 0, os.ErrDeadlineExceeded
		}
		if s.rbuf.Len() > 0 {
			n, _ := s.rbuf.Read(p)
			s.consumedLocked()
			s.mu.Unlock()
			return n, nil
		}
		if len(p) == 0 {
			s.mu.Unlock()
			return 0, nil
		}
		if err := s.endOfDataLocked("read"); err != nil {
			s.mu.Unlock()
			return 0, err
		}
		ch := s.changes()
		s.mu.Unlock()
		select {
		case <-ch:
		case <-expired:
		}
	}
}

// consumedLocked reports that received bytes were taken out of the buffer:
// blocked calls look again and the link may read more; s.mu must be held.
func (s *Socket) consumedLocked() {
	s.receiveRoomLocked()
	s.notify()
}

// endOfDataLocked returns the error a read of an empty buffer gives when no
// more data can come, or nil when more may; s.mu must be held.
func (s *Socket) endOfDataLocked(op string) error {
	switch {
	case s.rerr != nil && errors.Is(s.rerr, io.EOF):
		return io.EOF
	case s.rerr != nil:
		return newError(op, s.rerr)
	case s.state == StateClosed:
		return io.EOF
	case s.state == StateIdle:
		return opError(op, ErrInvalidState, errors.New("socket is not connected"))
	}
	return nil
}

// emptyLocked is what the non-blocking reads return for an empty buffer:
// ErrNoData while more may come, else endOfDataLocked's error.
func (s *Socket) emptyLocked(op string) error {
	if err := s.endOfDataLocked(op); err != nil {
		return err
	}
	return ErrNoData
}

func (s *Socket) checkFormat(op string, want Format) error {
	if s.cfg.Format != want {
		return opError(op, ErrInvalidState, ErrWrongFormat)
	}
	return nil
}

// ReadN removes and returns up to n received bytes without blocking (Xojo
// Read, ECMA-419 read(byteLength)). When nothing is buffered it returns
// ErrNoData while the connection may still deliver more, and io.EOF once
// it cannot. Data received before Close stays readable after it. It
// requires FormatBuffer.
func (s *Socket) ReadN(n int) ([]byte, error) {
	if err := s.checkFormat("read", FormatBuffer); err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, opError("read", ErrInvalidState, errors.New("negative byte count"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rbuf.Len() == 0 {
		return nil, s.emptyLocked("read")
	}
	p := make([]byte, min(n, s.rbuf.Len()))
	s.rbuf.Read(p)
	s.consumedLocked()
	return p, nil
}

// ReadInto fills buf with received bytes without blocking and returns how
// many (ECMA-419 read(buffer)); its errors are ReadN's.
func (s *Socket) ReadInto(buf []byte) (int, error) {
	if err := s.checkFormat("read", FormatBuffer); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rbuf.Len() == 0 {
		return 0, s.emptyLocked("read")
	}
	n, _ := s.rbuf.Read(buf)
	s.consumedLocked()
	return n, nil
}

// ReadNumber removes and returns the next received byte without blocking
// (ECMA-419 read() with format "number"); its errors are ReadN's. It
// requires FormatNumber.
func (s *Socket) ReadNumber() (byte, error) {
	if err := s.checkFormat("read", FormatNumber); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rbuf.Len() == 0 {
		return 0, s.emptyLocked("read")
	}
	b, _ := s.rbuf.ReadByte()
	s.consumedLocked()
	return b, nil
}

// ReadAll removes and returns every received byte, nil when there is none
// (Xojo ReadAll). It never blocks and works in either Format.
func (s *Socket) ReadAll() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rbuf.Len() == 0 {
		return nil
	}
	p := make([]byte, s.rbuf.Len())
	s.rbuf.Read(p)
	s.consumedLocked()
	return p
}

// Lookahead returns a copy of every received byte without removing any
// (Xojo Lookahead), nil when there is none.
func (s *Socket) Lookahead() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rbuf.Len() == 0 {
		return nil
	}
	return append([]byte(nil), s.rbuf.Bytes()...)
}

// Purge discards every received byte (Xojo Purge). The send buffer is not
// affected.
func (s *Socket) Purge() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rbuf.Reset()
	s.consumedLocked()
}

// BytesAvailable is how many received bytes are waiting to be read.
func (s *Socket) BytesAvailable() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rbuf.Len()
}

// Format reports the socket's read format (ECMA-419 format).
func (s *Socket) Format() Format { return s.cfg.Format }
