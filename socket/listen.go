package socket

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"

	"github.com/tlskit/tlskit/tlsconf"
)

// Listen binds cfg.LocalAddress (default: every address) and cfg.Port
// (0 = the system picks; Port then reports it) and accepts one incoming
// connection in the background (Xojo TCPSocket.Listen); the listener is
// closed once it has one. With cfg.Secure the socket is the TLS server of
// that connection. Listen returns once bound; the Connected event, or
// WaitConnected, tells when the connection is ready, and a failure is
// delivered to the Error event. ctx bounds the accepted connection's
// handshake, not the wait for it; Close stops listening.
func (s *Socket) Listen(ctx context.Context) error {
	if s.cfg.Port < 0 || s.cfg.Port > 65535 {
		return s.refuse(opError("listen", ErrInvalidPort, fmt.Errorf("port %d is not in 0-65535", s.cfg.Port)))
	}
	var tlsCfg *tls.Config
	if s.cfg.Secure {
		var err error
		if tlsCfg, err = s.serverTLSConfig(); err != nil {
			return s.refuse(newError("listen", err))
		}
	}
	ip, err := s.localIP()
	if err != nil {
		return s.refuse(newError("listen", err))
	}
	host := ""
	if ip != nil {
		host = ip.String()
	}
	s.settle()
	s.mu.Lock()
	if err := s.begin("listen", StateListening); err != nil {
		s.mu.Unlock()
		_ = tlsconf.Close(tlsCfg)
		return err
	}
	s.mu.Unlock()

	lc := net.ListenConfig{KeepAlive: -1}
	if s.cfg.KeepAlive > 0 {
		lc.KeepAliveConfig = net.KeepAliveConfig{Enable: true, Idle: s.cfg.KeepAlive, Interval: s.cfg.KeepAlive, Count: -1}
	}
	ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(s.cfg.Port)))
	if err != nil {
		_ = tlsconf.Close(tlsCfg)
		return s.fail("listen", err)
	}
	s.mu.Lock()
	if s.state != StateListening {
		s.mu.Unlock()
		ln.Close()
		_ = tlsconf.Close(tlsCfg)
		return opError("listen", ErrInvalidState, ErrNotConnected)
	}
	s.listener = ln
	s.tlsCfg = tlsCfg
	s.localAddr = ln.Addr()
	s.port = ln.Addr().(*net.TCPAddr).Port
	wg := s.io
	wg.Add(1)
	s.mu.Unlock()
	go s.acceptOne(ctx, ln, tlsCfg, wg)
	return nil
}

// acceptOne waits for the connection Listen accepts.
func (s *Socket) acceptOne(ctx context.Context, ln net.Listener, tlsCfg *tls.Config, wg *sync.WaitGroup) {
	defer wg.Done()
	raw, err := ln.Accept()
	ln.Close()
	s.mu.Lock()
	if s.listener == ln {
		s.listener = nil
	}
	closed := s.state != StateListening
	s.mu.Unlock()
	if err != nil || closed {
		if raw != nil {
			raw.Close()
		}
		if !closed && !errors.Is(err, net.ErrClosed) {
			s.fail("accept", err)
		}
		return
	}
	if s.cfg.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.ConnectTimeout)
		defer cancel()
	}
	s.mu.Lock()
	s.state = StateConnecting
	s.mu.Unlock()
	_ = s.attach(ctx, raw, tlsCfg, true)
}
