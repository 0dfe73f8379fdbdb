// Package server is tlskit's event-driven TCP/TLS server, modelled on the
// IPWorks SSLServer component: connections identified by id, events for each
// step of their life, line and record framing, flow control, and
// per-connection TLS control, all on Go's standard crypto/tls.
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
// Each connection's events (ConnectionRequest, the TLS hooks, Connected,
// DataIn, ReadyToSend, Error, Disconnected) arrive in order and one at a
// time, on a goroutine that exists only while the connection has events to
// deliver; different connections' events run in parallel. Hooks may block
// and may call any method. With Options.ManualEvents every event is instead
// delivered inside DoEvents, on the caller's goroutine.
//
// # Flow control
//
// Send never blocks by default: the send queue holds at most OutBufferSize
// bytes, a Send that does not fit takes what fits and returns ErrWouldBlock
// (code 135), and OnReadyToSend follows when there is room. A positive
// Timeout makes Send wait instead. PauseData stops delivery and, once
// InBufferSize bytes are held, reading, so TCP slows the client down.
//
// # Engines
//
// The socket work is done by an internal engine: today the portable one (a
// goroutine per connection reading, plus one writing only while data is
// queued). The engine interface is built so a Linux epoll engine can take its
// place without changes to this package; Options.Engine chooses.
//
// # Errors
//
// Errors are *Error values carrying the seed's numeric codes (100-135,
// 270-284, and 10000-range TCP/IP codes with the syscall.Errno kept as the
// cause), matched with errors.Is against the Err* sentinels.
package server
