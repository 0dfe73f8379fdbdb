// Package ws is tlskit's WebSocket server and client (RFC 6455, RFC 7692),
// modelled on the IPWorks WSServer component: connections identified by id,
// an event for each step of their life (WebSocketOpenRequest, Connected,
// DataIn, ReadyToSend, Ping, Disconnected, Error, Log), sends that never
// block the event loop, and IPWorks's Config settings.
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
// All three produce the same *Conn with the same Events: the protocol core
// is sans-I/O (internal/wsproto) and is fed bytes by whichever engine owns
// the socket.
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
// # Events
//
// A connection's events are delivered in order and one at a time, never
// re-entrantly; hooks may call any method, including Send and Disconnect
// on their own connection. A hook that blocks delays only its connection.
//
// # Sending and flow control
//
// Send, SendText, SendBytes and SendMessage queue a whole message (split in
// frames of MaxFrameSize) or nothing: when the connection's queue is full
// they return an error matching ErrWouldBlock and OnReadyToSend fires once
// there is room. SetMessageLength streams one message over several sends.
//
// # Compression
//
// permessage-deflate is on by default (as in IPWorks), without context
// takeover in either direction by default (the server answers
// server_no_context_takeover and client_no_context_takeover), so an idle
// connection holds no compression state: flate writers and readers are
// pooled and taken only while a message is moving. DeflateOptions can allow
// context takeover for a better ratio at a memory cost per connection.
//
// # Metrics and logs
//
// Options.Observer (an Observer, such as a metrics.Metrics) is told of
// messages received and sent, and of what the TCP/TLS layer does.
// Options.Logger gets the Log events as log/slog records when OnLog is
// nil. A Server's certificate can be replaced while it runs through
// TCP().SetCertificate.
package ws
