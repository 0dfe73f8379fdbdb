package wsproto

import (
	"errors"
	"strconv"
)

// Sentinel conditions. Every *ProtocolError unwraps to the sentinel for its
// close code, so callers can test errors.Is(err, ErrMessageTooBig) without
// knowing which rule failed.
var (
	// ErrProtocolViolation: the peer broke a framing or handshake rule (close 1002).
	ErrProtocolViolation = errors.New("wsproto: protocol violation")
	// ErrUnsupportedData: the peer sent a data type this endpoint refuses (close 1003).
	ErrUnsupportedData = errors.New("wsproto: unsupported data")
	// ErrInvalidPayload: a text message or close reason is not UTF-8, or a
	// compressed message does not decompress (close 1007).
	ErrInvalidPayload = errors.New("wsproto: invalid payload data")
	// ErrMessageTooBig: a frame or message exceeds the configured maximum (close 1009).
	ErrMessageTooBig = errors.New("wsproto: message too big")
	// ErrMessageOpen is returned by the Encoder when a new message is started
	// while a fragmented one is still open, or a continuation has nothing to continue.
	ErrMessageOpen = errors.New("wsproto: message state mismatch")
	// ErrInvalidCloseCode is returned when asked to send a close code that
	// RFC 6455 §7.4 forbids on the wire.
	ErrInvalidCloseCode = errors.New("wsproto: close code not allowed on the wire")
	// ErrControlTooLong is returned when a control frame payload exceeds 125 bytes.
	ErrControlTooLong = errors.New("wsproto: control frame payload over 125 bytes")
)

// ProtocolError is a violation detected in received bytes. Code is the close
// code the endpoint should send before closing the connection.
type ProtocolError struct {
	Code CloseCode
	Msg  string
}

func (e *ProtocolError) Error() string {
	return "wsproto: " + e.Msg + " (close " + strconv.Itoa(int(e.Code)) + ")"
}

// Unwrap returns the sentinel matching e.Code (nil for other codes).
func (e *ProtocolError) Unwrap() error {
	switch e.Code {
	case CloseProtocolError:
		return ErrProtocolViolation
	case CloseUnsupportedData:
		return ErrUnsupportedData
	case CloseInvalidPayload:
		return ErrInvalidPayload
	case CloseMessageTooBig:
		return ErrMessageTooBig
	}
	return nil
}

// CloseCodeOf returns the close code an endpoint should send after err:
// the code of a *ProtocolError in err's chain, CloseInternalError for any
// other non-nil error and CloseNormal for nil.
func CloseCodeOf(err error) CloseCode {
	if err == nil {
		return CloseNormal
	}
	var pe *ProtocolError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return CloseInternalError
}

func protoErr(code CloseCode, msg string) *ProtocolError {
	return &ProtocolError{Code: code, Msg: msg}
}
