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
	// Request is a Handler's upgrade request, with its Context (what
	// middleware put there, such as an authenticated user), URL, TLS state
	// and RemoteAddr; nil on a standalone Server (use Conn.ServerConn).
	Request *http.Request
	// URI is the request target ("/chat?room=1"), Host and Origin the
	// headers of those names (Origin "" when absent).
	URI, Host, Origin string
	// Protocols (in the client's order of preference) and Extensions are
	// the offered ones, Header every request header.
	Protocols  []string
	Extensions []Extension
	Header     http.Header

	// Protocol is the subprotocol to answer with: "" (default) for none, or
	// one of Protocols; anything else fails the handshake with 500.
	Protocol string
	// StatusCode is 101 (default) to accept, or 200-599 to refuse.
	StatusCode int
	// ResponseHeader holds extra headers for the response (such as
	// WWW-Authenticate with 401), ResponseBody the text of a refusal.
	ResponseHeader http.Header
	ResponseBody   string
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
// They run with internal/serial's guarantees (in order, never re-entrantly;
// a blocking hook delays only its connection), on the server's goroutines
// for a standalone Server, on the connection's own for Handler and Dial
// (its reading waits for each hook), inside DoEvents with ManualEvents.
// Hooks may call any method but Ping on their own connection. A hook's
// panic is recovered and logged with its stack (OnLog type "Error", else the
// Logger or slog's): its connection is reset and gets only OnDisconnected
// (1006), or its upgrade is refused.
type Events struct {
	// OnWebSocketOpenRequest (servers) inspects the opening handshake and
	// may choose a subprotocol or refuse. Default: accept, no subprotocol.
	OnWebSocketOpenRequest func(r *OpenRequest)
	// OnConnected reports that the WebSocket is open.
	OnConnected func(c *Conn)
	// OnDataIn delivers received data, valid only during the call: format
	// is FormatText or FormatBinary on a message's first piece, else
	// FormatContinuation; eom marks its last piece; eol (line mode) a line
	// terminator. Default: messages are kept for ReadMessage.
	OnDataIn func(c *Conn, format DataFormat, data []byte, eom, eol bool)
	// OnReadyToSend fires after OnConnected and, after a send returned
	// ErrWouldBlock, once the queue has room again.
	OnReadyToSend func(c *Conn)
	// OnPing reports a received ping (its pong already queued) or pong.
	OnPing func(c *Conn, payload []byte, response bool)
	// OnDisconnected is a connection's last event; err is always a
	// *CloseError, as CloseStatus gives it.
	OnDisconnected func(c *Conn, err error)
	// OnError reports a peer's protocol violation (the connection then
	// closes), a refused handshake or a transport error; c is nil for a
	// standalone Server's own errors (accept failures).
	OnError func(c *Conn, err error)
	// OnLog receives log messages up to ConnOptions.LogLevel; logType is
	// "Info", "Error", "Verbose" or "Debug". Default: the Logger's, if any.
	OnLog func(c *Conn, level LogLevel, message, logType string)
}
