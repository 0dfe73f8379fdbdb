package server

import (
	"crypto/tls"
	"crypto/x509"
	"net/netip"

	"github.com/tlskit/tlskit/internal/access"
)

// Events are the server's hooks. Nil means the default
// noted on each.
//
// Hooks run on the server's goroutines, or with ManualEvents inside
// DoEvents, with the guarantees stated once in internal/serial's package
// doc (one connection's in order, never re-entrantly; a blocking hook
// delays only its connection, whose reading pauses once InBufferSize bytes
// wait). A hook may call any method of the Server or of any Conn, including
// Send, Disconnect, PauseData and ChangeRecordLength on its own connection.
//
// As net/http does for a handler, a hook that panics is recovered: the
// panic is logged at Error with its stack (to Options.Logger, or slog's
// default logger when it is nil) and the connection is reset; its
// OnDisconnected still runs (with ErrAborted) and the other connections are
// served on. A panic in OnConnectionRequest refuses the connection, one in
// a TLS hook fails its handshake.
type Events struct {
	// OnConnectionRequest decides whether to accept a new connection
	// before anything is read from it. Accept is preset from
	// AllowedClients/BlockedClients. Default: that preset decides.
	OnConnectionRequest func(r *ConnectionRequest)

	// OnConnected reports an established connection (after the TLS
	// handshake for TLS servers).
	OnConnected func(c *Conn)

	// OnDataIn delivers received data, framed by the connection's EOL,
	// SingleLineMode, MaxLineLength and RecordLength. text is valid only
	// during the call; copy it to keep it. eol says whether the terminator
	// ended the record (always true without EOL or in record mode).
	OnDataIn func(c *Conn, text []byte, eol bool)

	// OnReadyToSend reports that a connection can take data: once after
	// OnConnected and after each Send that returned ErrWouldBlock, once
	// room has returned.
	OnReadyToSend func(c *Conn)

	// OnDisconnected is the last event of a connection: err is nil for an
	// orderly close by either side, otherwise an *Error saying why (for
	// example matching syscall.ECONNRESET, ErrTimedOut or ErrHandshake).
	// When the client closes its side first (TCP FIN, TLS close_notify),
	// OnDataIn still receives everything it sent, the unterminated last
	// record included (eol=false), and what those hooks Send is delivered
	// before the server closes the connection gracefully.
	OnDisconnected func(c *Conn, err error)

	// OnIdleTimeout reports that the connection's idle timeout passed with
	// no byte sent or received, in place of the default, which disconnects
	// it gracefully (OnDisconnected reports ErrTimedOut). The hook closes the
	// connection its own way (package ws sends a WebSocket Close frame
	// first) or keeps it: the timeout then fires again after another idle
	// period.
	OnIdleTimeout func(c *Conn)

	// OnError reports errors during data delivery or the handshake; c is
	// nil for errors of the server itself (for example accept failures).
	// err is an *Error.
	OnError func(c *Conn, err error)

	// OnSSLClientAuthentication runs during the handshake when the client
	// presents a certificate. Accept is preset to the verification result
	// (against TLSConfig.ClientCAs) and decides either way. Default: the
	// verification result decides.
	OnSSLClientAuthentication func(c *Conn, a *SSLClientAuthentication)

	// OnSSLConnectionRequest runs when a ClientHello arrives, before a
	// certificate is chosen; it may set Certificate to pick another one
	// (for example ECDSA or RSA depending on what the client supports).
	OnSSLConnectionRequest func(c *Conn, r *SSLConnectionRequest)

	// OnSSLStatus reports the progress of the handshake in words, for
	// logging. Messages never contain keys or passwords.
	OnSSLStatus func(c *Conn, message string)
}

// ConnectionRequest is the argument of OnConnectionRequest.
type ConnectionRequest struct {
	Address string         // the client's IP address (IPv4-mapped addresses as IPv4)
	Port    int            // the client's port
	Remote  netip.AddrPort // Address and Port
	Local   netip.AddrPort // the server address the client reached
	// Accept is preset by AllowedClients/BlockedClients; set it to decide.
	Accept bool
	// Reason says why Accept is preset to false ("" when true).
	Reason string
}

func newConnectionRequest(remote, local netip.AddrPort, v access.Verdict) *ConnectionRequest {
	r := &ConnectionRequest{
		Address: remote.Addr().Unmap().String(), Port: int(remote.Port()),
		Remote: remote, Local: local, Accept: v == access.Accept,
	}
	switch v {
	case access.NotAllowed:
		r.Reason = "address not in AllowedClients"
	case access.Blocked:
		r.Reason = "address in BlockedClients"
	}
	return r
}

// SSLClientAuthentication is the argument of OnSSLClientAuthentication.
type SSLClientAuthentication struct {
	CertEncoded []byte              // the client's leaf certificate, DER
	Chain       []*x509.Certificate // every certificate the client sent, leaf first
	CertSubject string              // the leaf's subject DN
	CertIssuer  string              // the leaf's issuer DN
	// Status is "OK" when the chain verified, otherwise why it did not.
	Status string
	// Accept is preset to whether the chain verified; it decides.
	Accept bool
}

// SSLConnectionRequest is the argument of OnSSLConnectionRequest.
type SSLConnectionRequest struct {
	ServerName string   // SNI, "" if the client sent none
	ALPN       []string // protocols the client offers
	// SupportedCipherSuites and SupportedSignatureAlgs are
	// comma-separated lists, by IANA name.
	SupportedCipherSuites  string
	SupportedSignatureAlgs string
	CipherSuites           []uint16
	SignatureSchemes       []tls.SignatureScheme
	SupportedVersions      []uint16
	Hello                  *tls.ClientHelloInfo // everything crypto/tls knows
	// Certificate, when set, is used for this connection instead of the
	// configured one.
	Certificate *tls.Certificate
}
