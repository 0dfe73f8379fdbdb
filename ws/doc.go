// Package ws is tlskit's WebSocket server and client (RFC 6455, RFC 7692):
// connections identified by id, an event for each step of their life, sends
// that never block the event loop, and settings by name through Config.
// docs/porting.md maps IPWorks WSServer's members to this package.
//
// # Three ways in
//
//   - Server is standalone: it listens itself, plain or TLS, through
//     server.Server, so every option of that package (limits, allowed
//     clients, TLS hooks, keep-alive ...) applies.
//   - Handler upgrades requests of an existing net/http server and passes
//     the others to a fallback handler, so one port can serve a web page
//     and its WebSocket.
//   - Dial connects a client to ws:// or wss:// with a net.Dialer and
//     crypto/tls, its TLS configuration built by tlsconf.
//
// All three produce the same *Conn with the same Events (see there for
// the order and goroutines of hooks): the protocol core is sans-I/O
// (internal/wsproto) and is fed bytes by whichever engine owns the socket.
//
// # Echo in a few lines
//
//	srv, _ := ws.NewServer(ws.Options{
//		Server: server.Options{LocalHost: "127.0.0.1"},
//		Events: ws.Events{
//			OnDataIn: func(c *ws.Conn, f ws.DataFormat, data []byte, eom, eol bool) {
//				c.SendMessage(ws.SendFormatOf(f), data)
//			},
//		},
//	})
//	srv.StartListening()
//	fmt.Println("ws://" + srv.Addr().String())
//
// # Sending and flow control
//
// Send, SendMessage and Broadcast never wait: they queue a whole message
// (in frames of MaxFrameSize) or nothing, and when the connection's send
// queue (ConnOptions.SendQueue, or server.Options.OutBufferSize on a
// standalone Server) is full they return an error matching ErrWouldBlock;
// OnReadyToSend follows once there is room. A connection holds at most
// twice its send queue: a larger message fails with ErrSendTooLarge.
//
// WriteMessage, WriteFragment, NextWriter and SendFile wait for room
// instead and send a large message piece by piece, uncompressed, as the
// queue drains; other data sends get ErrWouldBlock until it ends. ctx (or
// Interrupt) ends the wait, and a message left unfinished fails the
// connection. They may be called from hooks. SetTimeout makes Send wait
// the same way; SetMessageLength streams one message over several sends.
//
// # Compression
//
// permessage-deflate is on by default, without context takeover in either
// direction (the server answers server_no_context_takeover and
// client_no_context_takeover), so an idle connection holds no compression
// state: flate writers and readers are pooled and taken only while a
// message is moving. DeflateOptions can allow context takeover for a
// better ratio at a memory cost per connection.
//
// # Origin check
//
// Server and Handler refuse with 403 Forbidden an opening handshake whose
// Origin header names another site than the request's Host, so that
// another site's page cannot use a visitor's cookies or credentials to talk
// to the server (cross-site WebSocket hijacking). Requests without Origin
// (not browsers) are accepted. OriginPatterns allows other origins, as host
// patterns ("*.example.com", "localhost:*") or with a scheme
// ("https://app.example.com"), matched with path.Match, case-insensitively.
// InsecureSkipOriginCheck turns the check off: any site's page may then
// open a WebSocket in its visitors' names; set it only when cookies
// authenticate nothing.
//
// # Metrics and logs
//
// Options.Observer (an Observer, such as a metrics.Metrics) is told of
// messages received and sent, and of what the TCP/TLS layer does.
// The Logger of Options, HandlerOptions or DialOptions gets the Log events
// as log/slog records when OnLog is nil: LogInfo as slog's Info, LogVerbose
// as Debug, LogDebug as Debug-4 (ConnOptions.LogLevel still selects them),
// with the connection's id and log type; what the peer sent is escaped and
// cut, and a server's records are rate-limited as server.Options.Logger's.
// A Server's certificate can be replaced while it runs through
// TCP().SetCertificate.
package ws
