package socket

import "net"

// The seeds' names for what has a Go name here, kept for code ported from
// Xojo and ECMA-419 (docs/porting.md maps the rest; the non-blocking Xojo and
// ECMA-419 methods, which net.Conn has no form of, stay with their kind).

// IsConnected is the seed name (Xojo SocketCore.IsConnected); prefer
// State() == StateConnected.
func (s *Socket) IsConnected() bool { return s.State() == StateConnected }

// LocalAddress is the seed name (Xojo SocketCore.LocalAddress) of the local
// IP address, "" when not connected or listening; prefer LocalAddr.
func (s *Socket) LocalAddress() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != StateConnected && s.state != StateListening {
		return ""
	}
	return hostOf(s.localAddr)
}

// RemoteAddress is the seed name (Xojo SSLSocket.RemoteAddress, ECMA-419
// remoteAddress) of the peer's IP address, "" when not known; prefer
// RemoteAddr.
func (s *Socket) RemoteAddress() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return hostOf(s.remoteAddr)
}

// RemotePort is the seed name (ECMA-419 remotePort) of the peer's port, 0
// when not known; prefer RemoteAddr.
func (s *Socket) RemotePort() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.remoteAddr.(*net.TCPAddr); ok {
		return a.Port
	}
	return 0
}
