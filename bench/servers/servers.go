// Package servers holds the echo servers the comparison runs `tlskit bench`
// against: tlskit's own and the same echo written on peer libraries, each
// in its own file, all listed in All.
package servers

import (
	"crypto/tls"
	"fmt"
	"net"
	"strings"

	"github.com/tlskit/tlskit/certs"
)

// Server is one echo server of the comparison.
type Server struct {
	// Name identifies it on the command line and in the tables.
	Name string
	// Proto is the scheme the bench uses against it: "tcp", "tls", "ws"
	// or "wss" (WebSocket servers echo every message, binary or text,
	// with its own opcode, on every path).
	Proto string
	// Ours marks tlskit's server for Proto: the others' figures are given
	// as ratios to it. A protocol without one is compared to its first
	// server.
	Ours bool
	// Deflate marks a server that accepts permessage-deflate: the bench
	// offers it to this one (no context takeover) and checks it was
	// negotiated.
	Deflate bool
	// IdleOnly marks a server that is not an echo: it only holds idle
	// connections (crypto-tls-floor), and the comparison runs no load on it.
	IdleOnly bool
	// Start serves on addr (host:port) until stop is called. cfg is the
	// TLS configuration for Proto "tls" and "wss", nil otherwise.
	Start func(addr string, cfg *tls.Config) (stop func() error, err error)
}

// All is every server, tlskit's first within each protocol. Adding a
// server is adding its entry here and its file.
// tlskit has an entry per engine; the epoll one is the base of its
// protocol.
var All = []Server{
	{Name: "tlskit-tcp-epoll", Proto: "tcp", Ours: true, Start: tlskitEcho("epoll")},
	{Name: "tlskit-tcp-portable", Proto: "tcp", Start: tlskitEcho("portable")},
	{Name: "gnet", Proto: "tcp", Start: startGnet},
	{Name: "net", Proto: "tcp", Start: startNet},
	{Name: "tlskit-tls-epoll", Proto: "tls", Ours: true, Start: tlskitEcho("epoll")},
	{Name: "tlskit-tls-portable", Proto: "tls", Start: tlskitEcho("portable")},
	{Name: "crypto-tls", Proto: "tls", Start: startNet},
	{Name: "tlskit-ws-epoll", Proto: "ws", Ours: true, Start: tlskitWSEcho("epoll")},
	{Name: "tlskit-ws-portable", Proto: "ws", Start: tlskitWSEcho("portable")},
	{Name: "gorilla", Proto: "ws", Start: startGorilla},
	{Name: "gws", Proto: "ws", Start: startGws},
	{Name: "nbio", Proto: "ws", Start: startNbio},
	{Name: "coder", Proto: "ws", Start: startCoder},
	{Name: "tlskit-ws-epoll-deflate", Proto: "ws", Deflate: true, Start: tlskitWSDeflateEcho("epoll")},
	{Name: "gorilla-deflate", Proto: "ws", Deflate: true, Start: startGorillaDeflate},
	{Name: "gws-deflate", Proto: "ws", Deflate: true, Start: startGwsDeflate},
	{Name: "tlskit-wss-epoll", Proto: "wss", Ours: true, Start: tlskitWSEcho("epoll")},
	{Name: "tlskit-wss-portable", Proto: "wss", Start: tlskitWSEcho("portable")},
	{Name: "gorilla-wss", Proto: "wss", Start: startGorilla},
	{Name: "gws-wss", Proto: "wss", Start: startGws},
	{Name: "nbio-wss", Proto: "wss", Start: startNbio},
	{Name: "coder-wss", Proto: "wss", Start: startCoder},
	{Name: "crypto-tls-floor", Proto: "wss", IdleOnly: true, Start: startTLSFloor},
}

// Secure reports whether the server speaks TLS (Proto "tls" or "wss"), so
// that Start needs a configuration.
func (s Server) Secure() bool { return s.Proto == "tls" || s.Proto == "wss" }

// Lookup returns the server called name.
func Lookup(name string) (Server, error) {
	var names []string
	for _, s := range All {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return Server{}, fmt.Errorf("no server %q; known: %s", name, strings.Join(names, ", "))
}

// TLSConfig returns a server configuration with a fresh self-signed ECDSA
// certificate for 127.0.0.1 (the bench connects with --insecure). It
// offers HTTP/1.1 by ALPN, which wss clients ask for.
func TLSConfig() (*tls.Config, error) {
	c, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"127.0.0.1"}})
	if err != nil {
		return nil, err
	}
	certPEM, keyPEM, err := c.EncodePEM()
	if err != nil {
		return nil, err
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, NextProtos: []string{"http/1.1"}}, nil
}

// listen opens addr, wrapped in TLS when cfg is set.
func listen(addr string, cfg *tls.Config) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	return ln, nil
}
