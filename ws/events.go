package ws

import (
	"net/http"

	"github.com/tlskit/tlskit/internal/wsproto"
)

// DataFormat is the DataIn format: FormatContinuation (0) for later pieces
// of a message (and every line in line mode), FormatText (1), FormatBinary (2).
type DataFormat = wsproto.DataFormat

// DataIn formats.
const (
	FormatContinuation = wsproto.FormatContinuation
	FormatText         = wsproto.FormatText
	FormatBinary       = wsproto.FormatBinary
)

// CloseCode is a WebSocket close status code (RFC 6455 §7.4).
type CloseCode = wsproto.CloseCode

// Close codes used by the package.
const (
	CloseNormal          = wsproto.CloseNormal
	CloseGoingAway       = wsproto.CloseGoingAway
	CloseProtocolError   = wsproto.CloseProtocolError
	CloseUnsupportedData = wsproto.CloseUnsupportedData
	CloseNoStatus        = wsproto.CloseNoStatus
	CloseAbnormal        = wsproto.CloseAbnormal
	CloseInvalidPayload  = wsproto.CloseInvalidPayload
	ClosePolicyViolation = wsproto.ClosePolicyViolation
	CloseMessageTooBig   = wsproto.CloseMessageTooBig
	CloseInternalError   = wsproto.CloseInternalError
)

// Extension is one offered or accepted WebSocket extension with its parameters.
type Extension = wsproto.Extension

// OpenRequest is the argument of OnWebSocketOpenRequest: the client's
// opening handshake, and the answer to give. Leaving it unchanged accepts
// the connection with no subprotocol.
type OpenRequest struct {
	// Conn is the connection being opened; it cannot send yet.
	Conn *Conn
	// Request is the net/http request of a Handler's upgrade: its
	// Context (with what middleware put there, such as an authenticated
	// user), URL, Header, TLS state and RemoteAddr. It is nil on a
	// standalone Server, which has no net/http request; use the fields
	// below and Conn.ServerConn there.
	Request *http.Request
	// URI is the request target ("/chat?room=1"), Host and Origin the
	// headers of those names (Origin "" when absent).
	URI, Host, Origin string
	// Protocols are the offered subprotocols, in the client's preference order.
	Protocols []string
	// Extensions are the offered extensions with their parameters.
	Extensions []Extension
	// Header holds every request header.
	Header http.Header

	// Protocol is the subprotocol to answer with: "" (default) for none, or
	// one of Protocols; anything else fails the handshake with 500.
	Protocol string
	// StatusCode is 101 (default) to accept; any status from 200 to 599
	// refuses the connection with that status (401, 403, 404 ...).
	StatusCode int
	// ResponseHeader holds extra headers for the response, accepted or
	// refused (for example WWW-Authenticate with 401).
	ResponseHeader http.Header
	// ResponseBody is the text body of a refusal.
	ResponseBody string
}

// LogLevel selects which Log events fire.
type LogLevel int

// Log levels.
const (
	LogNone    LogLevel = 0 // nothing is logged
	LogInfo    LogLevel = 1 // connections opened and closed, errors (default)
	LogVerbose LogLevel = 2 // handshake requests and responses
	LogDebug   LogLevel = 3 // every message and control frame received
)

// String returns the LogType of OnLog messages of this level.
func (l LogLevel) String() string {
	switch l {
	case LogInfo:
		return "Info"
	case LogVerbose:
		return "Verbose"
	case LogDebug:
		return "Debug"
	}
	return "None"
}

// Events are a connection's hooks; nil means the default noted on each.
// They run with internal/serial's guarantees (one connection's in order,
// never re-entrantly; a hook that blocks delays only its connection), on
// the server's goroutines for a standalone Server and on the connection's
// own for Handler and Dial, whose reading waits for each hook. Hooks may
// call any method of any Conn, blocking sends included, but not Ping on
// their own connection (its pong waits for the hook to return).
//
// A hook that panics is recovered, as net/http does for a handler: the
// panic is logged with its stack (OnLog type "Error", else at Error to the
// Logger or slog's default), the connection is reset and gets no other
// hook but OnDisconnected (1006). A panic in OnWebSocketOpenRequest refuses
// the upgrade.
type Events struct {
	// OnWebSocketOpenRequest inspects the opening handshake and may choose
	// a subprotocol or refuse (server side only). Default: accept, no
	// subprotocol.
	OnWebSocketOpenRequest func(r *OpenRequest)
	// OnConnected reports that the WebSocket is open.
	OnConnected func(c *Conn)
	// OnDataIn delivers received data. format is FormatText or
	// FormatBinary on a message's first piece, FormatContinuation on
	// later ones and always in line mode. eom marks a message's last
	// piece; eol (line mode only) says a line terminator ended the piece
	// rather than MaxLineLength. data is valid only during the call.
	// Default (client connections): whole messages are kept for
	// ReadMessage.
	OnDataIn func(c *Conn, format DataFormat, data []byte, eom, eol bool)
	// OnReadyToSend fires once after OnConnected and after each send that
	// returned ErrWouldBlock, when the queue has room again.
	OnReadyToSend func(c *Conn)
	// OnPing reports a received ping (response=false; a pong has already
	// been queued in answer) or pong (response=true).
	OnPing func(c *Conn, payload []byte, response bool)
	// OnDisconnected is a connection's last event; err is always a
	// *CloseError, as CloseStatus gives it.
	OnDisconnected func(c *Conn, err error)
	// OnError reports a failure: a protocol violation by the peer
	// (ErrProtocolViolation, ErrInvalidPayload, ErrMessageTooBig; the
	// connection then closes), a refused handshake, or a transport error.
	// c is nil for a standalone Server's own errors (accept failures).
	OnError func(c *Conn, err error)
	// OnLog receives log messages up to ConnOptions.LogLevel; logType is
	// "Info", "Error", "Verbose" or "Debug". Default: the Logger's, if any.
	OnLog func(c *Conn, level LogLevel, message, logType string)
}
