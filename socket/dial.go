package socket

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
)

// Connect connects to cfg.Address and cfg.Port, with TLS when cfg.Secure,
// and blocks until the connection is ready or failed (Xojo Connect). A
// failure is returned and also delivered to the Error event, so a program
// that prefers events may run go s.Connect(ctx). A closed socket may
// connect again; Connect on a connecting or connected socket fails with
// ErrInvalidState.
func (s *Socket) Connect(ctx context.Context) error {
	if s.cfg.Port < 1 || s.cfg.Port > 65535 {
		return s.refuse(opError("connect", ErrInvalidPort, fmt.Errorf("port %d is not in 1-65535", s.cfg.Port)))
	}
	if s.cfg.LocalPort < 0 || s.cfg.LocalPort > 65535 {
		return s.refuse(opError("connect", ErrInvalidPort, fmt.Errorf("local port %d is not in 0-65535", s.cfg.LocalPort)))
	}
	if s.cfg.Address == "" {
		return s.refuse(opError("connect", ErrCannotResolve, errors.New("no address")))
	}
	s.settle()
	s.mu.Lock()
	if err := s.begin("connect", StateConnecting); err != nil {
		s.mu.Unlock()
		return err
	}
	s.port = s.cfg.Port
	s.mu.Unlock()

	if s.cfg.ConnectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.cfg.ConnectTimeout)
		defer cancel()
	}
	var tlsCfg *tls.Config
	if s.cfg.Secure {
		var err error
		if tlsCfg, err = s.clientTLSConfig(ctx); err != nil {
			return s.fail("connect", err)
		}
		if !s.useTLSConfig(tlsCfg) {
			return opError("connect", ErrInvalidState, ErrNotConnected)
		}
	}
	d, err := s.dialer()
	if err != nil {
		return s.fail("connect", err)
	}
	raw, err := d.DialContext(ctx, "tcp", net.JoinHostPort(s.cfg.Address, strconv.Itoa(s.cfg.Port)))
	if err != nil {
		return s.fail("connect", err)
	}
	return s.attach(ctx, raw, tlsCfg, false)
}

// refuse records and reports an error found before any state change.
func (s *Socket) refuse(e *Error) error {
	s.mu.Lock()
	if s.state == StateIdle || s.state == StateClosed {
		s.lastErr = e
		s.push(event{kind: evError, err: e})
	}
	s.mu.Unlock()
	return e
}

// dialer builds the net.Dialer for the local binding and keep-alive
// settings.
func (s *Socket) dialer() (*net.Dialer, error) {
	d := &net.Dialer{}
	if s.cfg.KeepAlive > 0 {
		d.KeepAliveConfig = net.KeepAliveConfig{Enable: true, Idle: s.cfg.KeepAlive, Interval: s.cfg.KeepAlive, Count: -1}
	} else {
		d.KeepAlive = -1
	}
	ip, err := s.localIP()
	if err != nil {
		return nil, err
	}
	if ip != nil || s.cfg.LocalPort != 0 {
		d.LocalAddr = &net.TCPAddr{IP: ip, Port: s.cfg.LocalPort}
	}
	return d, nil
}

// localIP resolves LocalAddress or NetworkInterface to the IP to bind, nil
// for the system's choice.
func (s *Socket) localIP() (net.IP, error) {
	switch {
	case s.cfg.LocalAddress != "" && s.cfg.NetworkInterface != "":
		return nil, opError("bind", ErrInvalidState, errors.New("set LocalAddress or NetworkInterface, not both"))
	case s.cfg.LocalAddress != "":
		ip := net.ParseIP(s.cfg.LocalAddress)
		if ip == nil {
			return nil, opError("bind", ErrCannotResolve, fmt.Errorf("local address %q is not an IP address", s.cfg.LocalAddress))
		}
		return ip, nil
	case s.cfg.NetworkInterface != "":
		return interfaceIP(s.cfg.NetworkInterface, s.cfg.Address)
	}
	return nil, nil
}

// interfaceIP returns the first address of the named interface, of the
// family of remote when remote is an IP address, IPv4 preferred otherwise.
func interfaceIP(name, remote string) (net.IP, error) {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return nil, opError("bind", ErrCannotResolve, err)
	}
	addrs, err := ifi.Addrs()
	if err != nil {
		return nil, opError("bind", ErrCannotResolve, err)
	}
	want4 := true
	if ip := net.ParseIP(remote); ip != nil && ip.To4() == nil {
		want4 = false
	}
	var fallback net.IP
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		if (n.IP.To4() != nil) == want4 {
			return n.IP, nil
		}
		if fallback == nil {
			fallback = n.IP
		}
	}
	if fallback != nil && net.ParseIP(remote) == nil {
		return fallback, nil
	}
	return nil, opError("bind", ErrCannotResolve, fmt.Errorf("interface %s has no usable address", name))
}

// attach makes raw the socket's connection: it applies the TCP options,
// runs the TLS handshake when tlsCfg is set, runs the connection on the
// engine and delivers the connection events. On failure it closes raw.
func (s *Socket) attach(ctx context.Context, raw net.Conn, tlsCfg *tls.Config, server bool) error {
	if tc, ok := raw.(*net.TCPConn); ok {
		if err := tc.SetNoDelay(!s.cfg.Nagle); err != nil {
			raw.Close()
			return s.fail("connect", err)
		}
	}
	s.mu.Lock()
	if s.state == StateClosed { // closed while connecting
		s.mu.Unlock()
		raw.Close()
		return opError("connect", ErrInvalidState, ErrNotConnected)
	}
	s.raw, s.conn = raw, raw
	s.localAddr, s.remoteAddr = raw.LocalAddr(), raw.RemoteAddr()
	if a, ok := s.localAddr.(*net.TCPAddr); ok {
		s.port = a.Port
	}
	s.mu.Unlock()

	if tlsCfg != nil {
		if err := s.handshake(ctx, raw, tlsCfg, server); err != nil {
			return err
		}
	}

	s.mu.Lock()
	if s.state == StateClosed {
		s.mu.Unlock()
		return opError("connect", ErrInvalidState, ErrNotConnected)
	}
	s.state = StateConnected
	s.startIOLocked()
	s.push(event{kind: evConnected})
	s.push(event{kind: evWritable})
	s.notify()
	s.mu.Unlock()
	return nil
}

// handshake runs the TLS handshake over raw and installs the *tls.Conn.
func (s *Socket) handshake(ctx context.Context, raw net.Conn, cfg *tls.Config, server bool) error {
	var tc *tls.Conn
	if server {
		tc = tls.Server(raw, cfg)
	} else {
		tc = tls.Client(raw, cfg)
	}
	s.mu.Lock()
	if s.state == StateClosed {
		s.mu.Unlock()
		raw.Close()
		return opError("handshake", ErrInvalidState, ErrNotConnected)
	}
	s.handshaking = true
	s.conn = tc
	s.push(event{kind: evSSLConnecting})
	s.mu.Unlock()

	if err := tc.HandshakeContext(ctx); err != nil {
		if ErrorCode(err) == CodeDriver {
			err = opError("handshake", ErrHandshake, err)
		}
		return s.fail("handshake", err)
	}
	s.mu.Lock()
	s.handshaking = false
	s.tlsConn = tc
	s.push(event{kind: evSSLConnected, state: tc.ConnectionState()})
	s.mu.Unlock()
	return nil
}
