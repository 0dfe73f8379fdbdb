package server

import (
	"errors"
	"fmt"

	"github.com/tlskit/tlskit/internal/errcode"
	"github.com/tlskit/tlskit/internal/settings"
)

// Error is the error type of the server. Code is IPWorks's numeric code:
// 100-135 for the server's own conditions, 270-284 for TLS, and Winsock's
// 10000-range TCP/IP codes for socket errors (Err then holds the
// syscall.Errno, so errors.Is(err, syscall.ECONNRESET) works too).
//
// errors.Is(err, ErrWouldBlock) and the other sentinels compare codes, so
// an *Error carrying data still matches the sentinel of its code.
type Error struct {
	Code         int    // IPWorks's error code
	Description  string // what happened, in words
	ConnectionID int64  // the connection concerned, 0 for the server itself
	Err          error  // the underlying cause, if any
}

// Error describes the failure in words ("server: operation would block
// (connection 3)"); the number stays in Code for those who want it.
func (e *Error) Error() string {
	s := "server: " + e.Description
	if e.ConnectionID != 0 {
		s += fmt.Sprintf(" (connection %d)", e.ConnectionID)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same non-zero code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code != 0 && t.Code == e.Code
}

// Sentinels for the error codes, for use with errors.Is.
var (
	ErrAlreadyListening     = &Error{Code: 104, Description: "server is already listening"}
	ErrLocalPortListening   = &Error{Code: 106, Description: "cannot change LocalPort while listening"}
	ErrLocalHostListening   = &Error{Code: 107, Description: "cannot change LocalHost while listening"}
	ErrMaxConnListening     = &Error{Code: 108, Description: "cannot change MaxConnections while listening"}
	ErrInvalidConnectionID  = &Error{Code: 126, Description: "invalid ConnectionId"}
	ErrWouldBlock           = &Error{Code: 135, Description: "operation would block"}
	ErrHandshake            = &Error{Code: 276, Description: "error during handshake"}
	ErrCertificateRejected  = &Error{Code: 280, Description: "error verifying certificate"}
	ErrClientCertNotPresent = &Error{Code: 281, Description: "could not find client certificate"}
	ErrInterrupted          = &Error{Code: 10004, Description: "interrupted"}
	ErrNotConnected         = &Error{Code: 10057, Description: "socket is not connected"}
	ErrTimedOut             = &Error{Code: 10060, Description: "connection timed out"}
)

var (
	// ErrServerClosed is returned by methods of a Server after Close.
	ErrServerClosed = errors.New("server: closed")
	// ErrUnknownSetting is matched by Config errors for names that
	// are not settings.
	ErrUnknownSetting = settings.ErrUnknownSetting
	// ErrInvalidValue is matched by Config and New errors for values a
	// setting does not accept.
	ErrInvalidValue = settings.ErrInvalidValue
	// ErrReadOnly is matched by Config errors for settings that can only
	// be read.
	ErrReadOnly = settings.ErrReadOnly
	// ErrUnsupported is matched by errors for settings that have no
	// meaning with Go's crypto/tls or on this platform.
	ErrUnsupported = settings.ErrUnsupported
)

func newError(code int, desc string, id int64, err error) *Error {
	return &Error{Code: code, Description: desc, ConnectionID: id, Err: err}
}

// socketError converts an error of the socket layer into an *Error with
// IPWorks's number of it: Winsock's TCP/IP numbers for OS errors, 10060 for
// a deadline, 10057 for a closed connection, 10053 (the connection was
// aborted) for others, keeping the cause.
func socketError(err error, id int64) *Error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	code, desc := errcode.IPWorks(err)
	return newError(code, desc, id, err)
}

// Code returns IPWorks's number for err, for code ported from IPWorks: 0
// for nil, the code of a server error, and for errors of packages certs
// and tlsconf their IPWorks numbers (271 to 273, 276, 280).
func Code(err error) int {
	var se *Error
	if errors.As(err, &se) && se.Code != 0 {
		return se.Code
	}
	n, _ := errcode.IPWorks(err)
	return n
}
