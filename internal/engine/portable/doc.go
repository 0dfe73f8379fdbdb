// Package portable is the engine that works on every OS: one goroutine per
// connection reads (and runs the TLS handshake), and a second one exists only
// while the send queue holds bytes. It uses net and the standard crypto/tls
// unmodified; it never sets a write deadline on a TLS connection, since a
// timed-out TLS write leaves the connection unusable: stuck writes are ended
// by closing the socket instead. Adopt runs a connection made elsewhere (a
// hijacked net/http connection, a dialed one) the same way.
package portable
