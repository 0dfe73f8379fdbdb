// Package socket is tlskit's client socket: a TCP or TLS connection with
// the buffers, events and error codes of Xojo's SSLSocket (SocketCore,
// TCPSocket) and of the ECMA-419 TLS client socket, that is also a
// net.Conn.
//
// # Connecting
//
// A Socket is created idle from a Config and then connects (Connect, or
// Dial which does both), accepts one incoming connection (Listen), or takes
// over an open connection (FromConn, ECMA-419 from). StartTLS upgrades an
// open plain connection to TLS, for STARTTLS protocols. Config carries the
// address and port, the local binding (LocalAddress, LocalPort,
// NetworkInterface), Nagle, KeepAlive and ConnectTimeout; TLSOptions the
// server name, ALPN, trusted CAs, the client certificate, and the
// verification choices: SecurityFlags relaxations, AcceptAnyServerCert, CRL
// and OCSP checking (RevocationMode 0/1/2), ReuseSSLSession and
// EnableRenegotiation.
//
// After Connect, Port reports the local port the system bound, as Xojo
// does; Close keeps the port, the address and the unread data.
//
// # Two ways to do I/O
//
// The Xojo and ECMA-419 methods never block. ReadN, ReadInto, ReadNumber
// (format "number"), ReadAll, Lookahead, Purge and BytesAvailable work on the
// receive buffer, which the connection's reader fills as data arrives;
// when it is empty they return ErrNoData ("nothing yet") or io.EOF once the
// peer has closed. Send queues data into a bounded send buffer and refuses,
// queuing nothing, data that does not fit (ErrBufferFull, which is
// ErrWouldBlock); the connection's writer sends it to the network and
// BytesLeftToSend, Writable, SendProgress and SendComplete report on it.
//
// The net.Conn methods Read and Write block, honour deadlines and share the
// same buffers, so a Socket plugs into any Go code that takes a net.Conn.
//
// # Events and errors
//
// Events are function fields, delivered as internal/serial says (see
// Events), or only by Poll when Config.ManualEvents is set. Every failure is
// an *Error whose chain holds a condition (ErrLostConnection ...), matched
// with errors.Is, and the cause; ErrorCode gives Xojo's number.
package socket
