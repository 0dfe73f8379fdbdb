// Package server is tlskit's event-driven TCP/TLS server: connections
// identified by id, events for each step of their life, line and record
// framing, flow control, and per-connection TLS control, all on Go's
// standard crypto/tls. docs/porting.md maps IPWorks SSLServer's members to
// this package.
//
// # Use
//
// Create a server with New, set hooks in Options.Events, and StartListening:
//
//	s, err := server.New(server.Options{
//		LocalHost:  "127.0.0.1",
//		DefaultEOL: []byte("\n"),
//		TLSConfig:  &tls.Config{Certificates: []tls.Certificate{cert}}, // nil: plain TCP
//		Events: server.Events{
//			OnDataIn: func(c *server.Conn, line []byte, eol bool) { c.SendLine(string(line)) },
//		},
//	})
//	...
//	err = s.StartListening()
//	...
//	err = s.Shutdown(ctx) // stop listening, flush, disconnect everyone
//
// # Events
//
// Each connection's events arrive with internal/serial's guarantees (see
// Events), on a goroutine that exists only while the connection has events
// to deliver, or with Options.ManualEvents inside DoEvents.
//
// # Flow control
//
// Send never blocks by default: the send queue holds at most OutBufferSize
// bytes, a Send that does not fit takes what fits and returns
// ErrWouldBlock, and OnReadyToSend follows when there is room. A positive
// Timeout makes Send wait instead. PauseData stops delivery and, once
// InBufferSize bytes are held, reading, so TCP slows the client down.
//
// # Engines
//
// The socket work is done by an internal engine, which Options.Engine
// chooses. On Linux the default is the epoll engine: one event loop per
// CPU, no goroutine and no read buffer for an idle connection, TLS through
// the standard crypto/tls over an in-memory conn the loop feeds (the
// handshake on a short-lived goroutine). The portable engine, for every
// other OS, has a goroutine per connection reading, plus one writing only
// while data is queued. Events are the same on both.
//
// # Limits
//
// A server that faces untrusted clients should bound what each can hold:
// DefaultConnectionTimeout is a deadline for the whole TLS handshake from
// the accept, MaxConnectionsPerAddress keeps one address (an IPv6 /64) from
// taking every connection, DefaultIdleTimeout closes connections that move
// no byte, and MaxConnections counts handshakes too. A full server gives a
// new connection the place of the one whose handshake has run longest, once
// that is a second, so stalled handshakes cannot keep honest clients out.
// BusyResponse answers refused plain clients (ws.Server: 503 with
// Retry-After). All but MaxConnections are off by default.
//
// # Certificates at run time
//
// SetCertificate and SetTLSConfig replace the TLS configuration while the
// server runs: new handshakes use it, open connections keep theirs. A
// configuration whose GetCertificate is a certs.Watcher follows a
// certificate file as it is renewed.
//
// # Metrics and logs
//
// Options.Observer is told of connections, TLS handshakes (with their
// times) and bytes; package metrics exports them to Prometheus.
// Options.Logger gets structured log/slog records of connections refused,
// opened and closed, and of errors.
//
// # Errors
//
// Errors are *Error values, shaped like net.OpError (Op, ConnID, Err),
// whose chain holds a condition, matched with errors.Is against the Err*
// sentinels, and the cause (a syscall.Errno, a crypto/tls error). The
// conditions shared with packages ws and socket are the same values there;
// ErrNotConnected wraps net.ErrClosed, ErrTimedOut os.ErrDeadlineExceeded.
// Events receive an error too: OnDisconnected a nil one for an orderly
// close. Code gives the seed's number of any error, for ported code.
package server
