package ws

import "github.com/tlskit/tlskit/server"

// An Observer is told of a WebSocket server's connections, handshakes and
// bytes (as a server.Observer) and messages, for metrics (package metrics).
// Its methods are called concurrently on the data path: they must be cheap
// and must not call back into the server.
type Observer interface {
	server.Observer
	// MessageReceived: a data message's last frame arrived. MessageSent:
	// one was queued (a Broadcast counts once per connection that took it).
	MessageReceived()
	MessageSent()
}
