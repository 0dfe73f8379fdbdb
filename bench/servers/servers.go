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
	// Proto is the scheme the bench uses against it: "tcp", "tls" or "ws"
	// (WebSocket servers echo binary messages on every path).
	Proto string
	// Ours marks tlskit's server for Proto: the others' figures are given
	// as ratios to it. A protocol without one is compared to its first
	// server.
	Ours bool
	// Start serves on addr (host:port) until stop is called. cfg is the
	// TLS configuration for Proto "tls", nil otherwise.
	Start func(addr string, cfg *tls.Config) (stop func() error, err error)
}

// All is every server, tlskit's first within each protocol. Adding a
// server is adding its entry here and its file.
var All = []Server{
	{Name: "tlskit-tcp", Proto: "tcp", Ours: true, Start: startTlskit},
	{Name: "gnet", Proto: "tcp", Start: startGnet},
	{Name: "net", Proto: "tcp", Start: startNet},
	{Name: "tlskit-tls", Proto: "tls", Ours: true, Start: startTlskit},
	{Name: "crypto-tls", Proto: "tls", Start: startNet},
	{Name: "gorilla", Proto: "ws", Start: startGorilla},
	{Name: "gws", Proto: "ws", Start: startGws},
	{Name: "nbio", Proto: "ws", Start: startNbio},
	{Name: "coder", Proto: "ws", Start: startCoder},
}

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
// certificate for 127.0.0.1 (the bench connects with --insecure).
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
	return &tls.Config{Certificates: []tls.Certificate{pair}}, nil
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
