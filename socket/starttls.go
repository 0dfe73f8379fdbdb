package socket

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	"github.com/tlskit/tlskit/internal/errcode"
	"github.com/tlskit/tlskit/tlsconf"
)

// errUnreadPlaintext explains why StartTLS refuses a socket with unread data.
var errUnreadPlaintext = errors.New("unread plaintext data would be mixed into the TLS session (read it, or Purge, before StartTLS)")

// FromConn makes a socket of an open connection (ECMA-419 from): the socket
// owns conn from then on. With cfg.Secure it runs the TLS client handshake
// over conn first. When conn is a plain *Socket, its connection is taken
// over and it is left closed, as ECMA-419 says of the original instance.
// cfg.Address, Port and the binding fields are not used.
func FromConn(ctx context.Context, conn net.Conn, cfg Config) (*Socket, error) {
	if old, ok := conn.(*Socket); ok {
		raw, err := old.release("from")
		if err != nil {
			return nil, err
		}
		conn = raw
	}
	s := New(cfg)
	s.mu.Lock()
	_ = s.begin("from", StateConnecting)
	s.mu.Unlock()
	if s.cfg.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.ConnectTimeout)
		defer cancel()
	}
	var tlsCfg *tls.Config
	if cfg.Secure {
		var err error
		if tlsCfg, err = s.clientTLSConfig(ctx); err != nil {
			conn.Close()
			return nil, s.fail("from", err)
		}
		s.useTLSConfig(tlsCfg)
	}
	if err := s.attach(ctx, conn, tlsCfg, false); err != nil {
		return nil, err
	}
	return s, nil
}

// StartTLS upgrades the open plain connection to TLS as a client
// (STARTTLS), using the socket's TLS options. It first waits until the
// queued data has been sent (the protocol's "STARTTLS" command), and it
// refuses with ErrInvalidState when received data is still unread, since
// bytes that arrived in the clear must never be taken as part of the
// secure session.
func (s *Socket) StartTLS(ctx context.Context) error {
	if s.cfg.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.ConnectTimeout)
		defer cancel()
	}
	tlsCfg, err := s.clientTLSConfig(ctx)
	if err != nil {
		return newError("starttls", err)
	}
	raw, err := s.pause("starttls", ctx)
	if err != nil {
		_ = tlsconf.Close(tlsCfg)
		return err
	}
	if !s.useTLSConfig(tlsCfg) {
		return opError("starttls", ErrInvalidState, ErrNotConnected)
	}
	if err := s.handshake(ctx, raw, tlsCfg, false); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != StateConnected {
		return opError("starttls", ErrInvalidState, ErrNotConnected)
	}
	s.startIOLocked()
	return nil
}

// pause waits for the send buffer to drain, takes the connection back from
// the engine and returns the raw connection, which the socket still owns.
func (s *Socket) pause(op string, ctx context.Context) (net.Conn, error) {
	if err := s.drain(ctx); err != nil {
		return nil, newError(op, err)
	}
	s.mu.Lock()
	switch {
	case s.state != StateConnected:
		s.mu.Unlock()
		return nil, opError(op, ErrInvalidState, fmt.Errorf("socket is %s", s.state))
	case s.tlsConn != nil:
		s.mu.Unlock()
		return nil, opError(op, ErrInvalidState, errors.New("connection already uses TLS"))
	case s.rbuf.Len() > 0:
		s.mu.Unlock()
		return nil, opError(op, ErrInvalidState, errUnreadPlaintext)
	case s.unsent > 0:
		s.mu.Unlock()
		return nil, opError(op, ErrInvalidState, errors.New("data was queued while draining"))
	case s.link == nil:
		s.mu.Unlock()
		return nil, opError(op, ErrInvalidState, errors.New("another StartTLS is under way"))
	}
	l := s.link
	s.mu.Unlock()

	// The engine stops reading (a read deadline in the past wakes its
	// reader) and writing without closing the connection; what it read
	// meanwhile is in rbuf.
	_, err := l.ec.Release()
	if err != nil { // it ended: its OnClose fails the socket
		return nil, opError(op, ErrInvalidState, errcode.With(ErrNotConnected, err))
	}
	defer l.wg.Done() // released: no OnClose
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.link != l || s.state != StateConnected {
		return nil, opError(op, ErrInvalidState, ErrNotConnected)
	}
	s.link = nil
	if s.rbuf.Len() > 0 { // arrived while pausing
		s.startIOLocked()
		return nil, opError(op, ErrInvalidState, errUnreadPlaintext)
	}
	return s.raw, nil
}

// release pauses the socket and hands its raw connection to the caller,
// leaving the socket closed.
func (s *Socket) release(op string) (net.Conn, error) {
	raw, err := s.pause(op, context.Background())
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.raw, s.conn = nil, nil
	s.state = StateClosed
	s.notify()
	s.mu.Unlock()
	return raw, nil
}
