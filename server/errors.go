package server

import (
	"errors"
	"fmt"
	"github.com/tlskit/tlskit/internal/settings"
	"net"
	"os"
	"syscall"
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

// errnoCodes maps OS errors to Winsock-style TCP/IP error codes.
var errnoCodes = map[syscall.Errno]int{
	syscall.EINTR:           10004,
	syscall.EBADF:           10009,
	syscall.EACCES:          10013,
	syscall.EFAULT:          10014,
	syscall.EINVAL:          10022,
	syscall.EMFILE:          10024,
	syscall.EAGAIN:          10035,
	syscall.EINPROGRESS:     10036,
	syscall.EALREADY:        10037,
	syscall.ENOTSOCK:        10038,
	syscall.EMSGSIZE:        10040,
	syscall.EPROTOTYPE:      10041,
	syscall.ENOPROTOOPT:     10042,
	syscall.EPROTONOSUPPORT: 10043,
	syscall.EOPNOTSUPP:      10045,
	syscall.EAFNOSUPPORT:    10047,
	syscall.EADDRINUSE:      10048,
	syscall.EADDRNOTAVAIL:   10049,
	syscall.ENETDOWN:        10050,
	syscall.ENETUNREACH:     10051,
	syscall.ENETRESET:       10052,
	syscall.ECONNABORTED:    10053,
	syscall.ECONNRESET:      10054,
	syscall.ENOBUFS:         10055,
	syscall.EISCONN:         10056,
	syscall.ENOTCONN:        10057,
	syscall.EPIPE:           10058,
	syscall.ETIMEDOUT:       10060,
	syscall.ECONNREFUSED:    10061,
	syscall.EHOSTDOWN:       10064,
	syscall.EHOSTUNREACH:    10065,
}

// seedText holds the descriptions of the TCP/IP codes.
var seedText = map[int]string{
	10004: "interrupted system call", 10009: "bad file number", 10013: "access denied",
	10014: "bad address", 10022: "invalid argument", 10024: "too many open files",
	10035: "operation would block", 10036: "operation now in progress",
	10037: "operation already in progress", 10038: "socket operation on nonsocket",
	10040: "message is too long", 10041: "protocol wrong type for socket",
	10042: "bad protocol option", 10043: "protocol is not supported",
	10045: "operation is not supported on socket", 10047: "address family is not supported by protocol family",
	10048: "address already in use", 10049: "cannot assign requested address",
	10050: "network is down", 10051: "network is unreachable",
	10052: "net dropped connection or reset", 10053: "software caused connection abort",
	10054: "connection reset by peer", 10055: "no buffer space available",
	10056: "socket is already connected", 10057: "socket is not connected",
	10058: "cannot send after socket shutdown", 10060: "connection timed out",
	10061: "connection refused", 10064: "host is down", 10065: "no route to host",
}

// socketError converts an error of the socket layer into an *Error with a
// Winsock-style TCP/IP code. Errors without a known code get code 10053 (the
// connection was aborted), keeping the cause.
func socketError(err error, id int64) *Error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return newError(10060, seedText[10060], id, err)
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if code, ok := errnoCodes[errno]; ok {
			return newError(code, seedText[code], id, err)
		}
	}
	if errors.Is(err, net.ErrClosed) {
		return newError(10057, seedText[10057], id, err)
	}
	return newError(10053, seedText[10053], id, err)
}
