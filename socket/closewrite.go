package socket

import (
	"context"
	"errors"
	"fmt"
	"net"
)

// errWriteShut is the cause of the ErrInvalidState error of sends after
// CloseWrite.
var errWriteShut = errors.New("the sending side was shut down by CloseWrite")

// CloseWrite shuts down the sending side of the connection, as
// (*net.TCPConn).CloseWrite does, once the queued data is sent (for at most
// Config.Linger): over TLS it sends a close_notify alert first, then
// the TCP FIN. Reading goes on until the peer closes, so a client can
// signal the end of its request and still receive the whole answer. Later
// sends fail with ErrInvalidState, as does CloseWrite when the socket is
// not connected.
func (s *Socket) CloseWrite() error {
	s.mu.Lock()
	if err := s.sendableLocked("closewrite"); err != nil {
		s.mu.Unlock()
		return err
	}
	s.writeShut = true
	linger := s.cfg.Linger
	s.mu.Unlock()

	ctx := context.Background()
	if linger > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, linger)
		defer cancel()
	}
	if err := s.drain(ctx); err != nil {
		return err
	}
	// The queue is empty: the engine is not writing, so the shutdown
	// goes on the connection directly (the engine has no half-close).
	s.mu.Lock()
	tc, raw, st, lastErr := s.tlsConn, s.raw, s.state, s.lastErr
	s.mu.Unlock()
	if st != StateConnected {
		if lastErr != nil {
			return lastErr
		}
		return opError("closewrite", ErrInvalidState, ErrNotConnected)
	}
	if tc != nil {
		if err := tc.CloseWrite(); err != nil {
			return newError("closewrite", err)
		}
	}
	cw, ok := raw.(interface{ CloseWrite() error })
	if !ok {
		return opError("closewrite", ErrInvalidState, fmt.Errorf("%T cannot shut down its sending side", raw))
	}
	if err := cw.CloseWrite(); err != nil && !errors.Is(err, net.ErrClosed) {
		return newError("closewrite", err)
	}
	return nil
}
