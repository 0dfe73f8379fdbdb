package servers

import (
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
)

// startTLSFloor is not an echo server: it measures the least that any
// server on the standard crypto/tls keeps for an idle WebSocket
// connection. Each accepted connection has its TLS handshake and its
// upgrade answered on a goroutine that then ends; the *tls.Conn is kept in
// a list and never read again. What stays per connection is Go's socket,
// crypto/tls's state after the handshake, and the garbage the handshake
// left behind in the heap, nothing of a WebSocket library. It is IdleOnly:
// it answers no message.
func startTLSFloor(addr string, cfg *tls.Config) (func() error, error) {
	return startTLSFloorWith(&floor{}, addr, cfg)
}

func startTLSFloorWith(f *floor, addr string, cfg *tls.Config) (func() error, error) {
	if cfg == nil {
		return nil, errors.New("crypto-tls-floor needs a TLS configuration")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	serveEach(ln, func(c net.Conn) { f.hold(c, cfg) })
	return func() error {
		err := ln.Close()
		f.closeAll()
		return err
	}, nil
}

// floor holds the connections of startTLSFloor.
type floor struct {
	mu     sync.Mutex
	held   []*tls.Conn
	closed bool
}

// hold runs the handshake and the upgrade, then keeps tc.
func (f *floor) hold(c net.Conn, cfg *tls.Config) {
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	tc := tls.Server(c, cfg)
	if err := upgradeOnly(tc); err != nil {
		tc.Close()
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		tc.Close()
		return
	}
	f.held = append(f.held, tc)
}

func (f *floor) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.held)
}

func (f *floor) closeAll() {
	f.mu.Lock()
	held := f.held
	f.held, f.closed = nil, true
	f.mu.Unlock()
	for _, tc := range held {
		tc.Close()
	}
}

// upgradeOnly reads an upgrade request and answers 101 (wsproto, as
// tlskit's server does), without anything of a connection after that.
func upgradeOnly(c net.Conn) error {
	var p wsproto.RequestParser
	var buf [1024]byte
	for {
		n, err := c.Read(buf[:])
		if n > 0 {
			req, _, perr := p.Feed(buf[:n])
			if perr != nil {
				return perr
			}
			if req != nil {
				resp, err := wsproto.AppendAccept(make([]byte, 0, 256), req, wsproto.AcceptOptions{})
				if err != nil {
					return err
				}
				_, err = c.Write(resp)
				return err
			}
		}
		if err != nil {
			return err
		}
	}
}
