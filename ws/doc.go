// Package ws is tlskit's WebSocket server and client (RFC 6455, RFC 7692):
// connections identified by id, an event for each step of their life, sends
// that never block the event loop, and settings by name through Config.
// docs/porting.md maps IPWorks WSServer's members to this package.
//
// # Three ways in
//
// Server listens itself, plain or TLS, through server.Server, whose options
// (limits, allowed clients, TLS hooks, keep-alive ...) apply. Handler
// upgrades requests of a net/http server and passes the others to a
// fallback, so one port serves a page and its WebSocket. Dial connects to
// ws:// or wss://. All three give the same *Conn and Events.
//
//	srv, _ := ws.NewServer(ws.Options{Events: ws.Events{
//		OnDataIn: func(c *ws.Conn, f ws.DataFormat, data []byte, eom, eol bool) {
//			c.SendMessage(ws.SendFormatOf(f), data) // echo
//		},
//	}})
//	srv.StartListening()
//	fmt.Println(srv.URL())
//
// # Sending and flow control
//
// Send, SendMessage and Broadcast never wait: they queue a whole message or
// nothing, and return ErrWouldBlock when the send queue (ConnOptions'
// SendQueue, or OutBufferSize on a Server) is full, OnReadyToSend following
// when there is room; a message over twice the queue fails with
// ErrSendTooLarge. WriteMessage, WriteFragment, NextWriter and SendFile
// (and Send after SetTimeout) wait for room, from hooks too, and send a
// large message in uncompressed pieces as the queue drains, other data
// sends getting ErrWouldBlock meanwhile; ctx or Interrupt ends the wait,
// and a message left unfinished fails the connection.
//
// # Compression
//
// permessage-deflate is on by default, without context takeover, so an idle
// connection holds no compression state (flate writers and readers are
// pooled); DeflateOptions can allow takeover, at a memory cost.
//
// # Origin check
//
// Server and Handler refuse with 403 a handshake whose Origin is another
// site than the request's Host, so that no other site's page can use a
// visitor's cookies here (cross-site WebSocket hijacking); requests without
// Origin (not browsers) pass. OriginPatterns
// allows other origins: host patterns ("*.example.com", "localhost:*") or
// with a scheme ("https://a.example"), matched by path.Match in any case.
// InsecureSkipOriginCheck turns it off (danger: any site's page may then
// connect as its visitors).
//
// # Metrics and logs
//
// An Observer (such as a metrics.Metrics) is told of messages and of the
// TCP/TLS layer. A Logger gets the Log events as slog records when OnLog is
// nil (LogInfo as Info, LogVerbose as Debug, LogDebug as Debug-4) with the
// connection's id, escaped and rate-limited as server.Options.Logger's.
package ws
