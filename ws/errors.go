package ws

import (
	"errors"
	"fmt"

	"github.com/tlskit/tlskit/internal/errcode"
	"github.com/tlskit/tlskit/internal/wsproto"
	"github.com/tlskit/tlskit/server"
)

// Conditions, for errors.Is; the same values as package server's.
var (
	// ErrWouldBlock: the send queue is full; wait for OnReadyToSend.
	ErrWouldBlock = errcode.WouldBlock
	// ErrNotConnected: the connection is closed or closing (net.ErrClosed).
	ErrNotConnected = errcode.NotConnected
	// ErrTimedOut: a send, Ping or handshake timed out (os.ErrDeadlineExceeded).
	ErrTimedOut = errcode.TimedOut
	// ErrInterrupted: Interrupt stopped a send.
	ErrInterrupted = errcode.Interrupted
	// ErrInvalidConnectionID: no connection has the id given.
	ErrInvalidConnectionID = errcode.InvalidConnectionID
	// ErrSend: the transport refused data, not for a full queue (cause wrapped).
	ErrSend = errcode.Send
	// ErrUnknownSetting, ErrInvalidValue, ErrUnsupported, ErrReadOnly:
	// Config (or an option) was given a name that is not a setting, a value
	// it does not take, a setting with no meaning here, or a read-only one.
	ErrUnknownSetting = server.ErrUnknownSetting
	ErrInvalidValue   = server.ErrInvalidValue
	ErrUnsupported    = server.ErrUnsupported
	ErrReadOnly       = server.ErrReadOnly
	// ErrServerClosed: DoEvents found its Server or Handler closed, drained.
	ErrServerClosed = server.ErrServerClosed
)

// Protocol conditions, for errors.Is on what OnError and OnDisconnected report.
var (
	// ErrProtocolViolation: the peer broke a framing rule (close 1002).
	ErrProtocolViolation = wsproto.ErrProtocolViolation
	// ErrInvalidPayload: bad UTF-8, or data that does not inflate (close 1007).
	ErrInvalidPayload = wsproto.ErrInvalidPayload
	// ErrMessageTooBig: a message over MaxMessageSize or MaxMessageFrames (close 1009).
	ErrMessageTooBig = wsproto.ErrMessageTooBig
	// ErrBadHandshake: the opening handshake was refused or malformed.
	ErrBadHandshake = wsproto.ErrBadHandshake
	// ErrMessageOpen: a SetMessageLength message is open, or a send overruns it.
	ErrMessageOpen = wsproto.ErrMessageOpen
)

var (
	// ErrSendTooLarge: over twice the send queue; use WriteMessage or SendFile.
	ErrSendTooLarge = errors.New("ws: message too large to queue without waiting")
	// ErrTooSlow: Broadcast closed a connection whose backlog was full (1008).
	ErrTooSlow = errors.New("ws: the peer does not read fast enough: closed")
)

// OpError is an operation's error on a connection, shaped like
// net.OpError; Err's chain holds the condition (ErrSend ...).
type OpError struct {
	Op     string // "send", ...
	ConnID int64  // the connection concerned
	Err    error  // the cause, whose chain holds the condition
}

func (e *OpError) Error() string {
	return fmt.Sprintf("ws: %s: %v (connection %d)", e.Op, e.Err, e.ConnID)
}

// Unwrap returns the cause.
func (e *OpError) Unwrap() error { return e.Err }

// CloseError is how a connection ended (OnDisconnected, ReadMessage): the
// code the peer sent (1005: its Close had none; 1006: no Close came) or the
// one we closed with after a violation, and the reason.
type CloseError struct {
	Code   CloseCode
	Reason string
	// Err is the violation that made us close, nil for a close by either
	// side's choice.
	Err error
}

func (e *CloseError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("ws: closed with %v: %s", e.Code, e.Reason)
	}
	return fmt.Sprintf("ws: closed with %v", e.Code)
}

func (e *CloseError) Unwrap() error { return e.Err }

// HandshakeError is a refused opening handshake: the HTTP status the server
// answered (0 when the client refused the server's answer) and why.
type HandshakeError = wsproto.HandshakeError
