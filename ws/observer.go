package ws

import "github.com/tlskit/tlskit/server"

// An Observer is told what a WebSocket server does, for metrics (package
// metrics turns it into Prometheus metrics): its connections, handshakes
// and bytes as a server.Observer, and its messages. Set it in
// Options.Observer or HandlerOptions.Observer. Its methods are called from
// many goroutines at once, on the data path: they must be cheap, safe for
// concurrent use, and must not call back into the server.
type Observer interface {
	server.Observer
	// MessageReceived: a whole data message arrived (its last frame, in
	// streaming delivery).
	MessageReceived()
	// MessageSent: a whole data message was queued (Send, SendMessage, the
	// last part of a SetMessageLength message; a Broadcast counts once per
	// connection that took it). Bytes are counted by BytesSent.
	MessageSent()
}
