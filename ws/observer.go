package ws

import "github.com/tlskit/tlskit/server"

// An Observer is told of a WebSocket server's connections, handshakes and
// bytes (as a server.Observer) and messages, for metrics (package metrics).
// Its methods are called concurrently on the data path: they must be cheap
// and must not call back into the server.
type Observer interface {
	server.Observer
	// MessageReceived: a data message's last frame arrived (size: after
	// decompression). MessageSent: one was queued, a Broadcast once per
	// connection that took it (size: before compression).
	MessageReceived(size int)
	MessageSent(size int)
	// ProtocolError: the connection closes for an error with code.
	ProtocolError(code CloseCode)
}
