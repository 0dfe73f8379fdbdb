package socket

import (
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/tlskit/tlskit/internal/errcode"
)

// Code is an error number as Xojo's SocketCore defines it. Codes Xojo does
// not name are the operating system's errno values (POSIX on Linux and
// macOS), and TLS failures use IPWorks's numbers (276, 280).
type Code int

// The error codes.
const (
	CodeNone           Code = 0   // no error
	CodeDriver         Code = 100 // the socket could not be created
	CodeLostConnection Code = 102 // the peer closed the connection
	CodeCannotResolve  Code = 103 // the host name could not be resolved
	CodeAddressInUse   Code = 105 // the local address is already in use
	CodeInvalidState   Code = 106 // the operation does not fit the socket's state
	CodeInvalidPort    Code = 107 // the port is out of range or not permitted
	CodeOutOfMemory    Code = 108 // a buffer cannot take the data
	CodeHandshake      Code = 276 // the TLS handshake failed (IPWorks)
	CodeVerify         Code = 280 // the peer's certificate was refused (IPWorks)
)

// String describes c in words: the named codes' descriptions, the
// operating system's text for an errno ("connection refused"), or
// "errno N" for a number that is neither.
func (c Code) String() string {
	switch c {
	case CodeNone:
		return "no error"
	case CodeDriver:
		return "cannot create socket"
	case CodeLostConnection:
		return "lost connection"
	case CodeCannotResolve:
		return "cannot resolve address"
	case CodeAddressInUse:
		return "address in use"
	case CodeInvalidState:
		return "invalid state"
	case CodeInvalidPort:
		return "invalid port"
	case CodeOutOfMemory:
		return "out of memory"
	case CodeHandshake:
		return "TLS handshake failed"
	case CodeVerify:
		return "certificate verification failed"
	}
	if text := errcode.ErrnoText(int(c)); text != "" {
		return text
	}
	return fmt.Sprintf("errno %d", int(c))
}

// ErrorCode returns Xojo's number for err, the code LastErrorCode reports:
// CodeNone for nil, the code of the condition err matches (ErrInvalidPort
// is CodeInvalidPort, ErrWouldBlock and ErrOutOfMemory are CodeOutOfMemory,
// ErrTimedOut is ETIMEDOUT), otherwise the errno of an operating system
// error, CodeLostConnection for an end of stream, CodeCannotResolve for a
// name that does not resolve, CodeVerify for a refused certificate,
// CodeHandshake for a TLS alert, CodeDriver for anything else. It is a
// view for code ported from Xojo: test conditions with errors.Is.
func ErrorCode(err error) Code { return Code(errcode.Xojo(err)) }

// Error is the error every operation of this package returns (except the
// timeouts of the net.Conn methods, which return os.ErrDeadlineExceeded as
// net.Conn requires) and the value the Error event receives. It is shaped
// like net.OpError: the operation and the cause, whose chain holds the
// condition.
//
// errors.Is(err, ErrLostConnection) and the other sentinels match the
// condition in Err; errors.Is(err, syscall.ECONNREFUSED) and errors.As into
// *net.DNSError or *tls.CertificateVerificationError work through Unwrap.
// ErrorCode gives Xojo's number.
type Error struct {
	Op  string // "connect", "bind", "listen", "send", "read", "handshake", ...
	Err error  // the cause, whose chain holds the condition
}

// Error describes the failure in words: "socket: connect: connection
// refused (127.0.0.1:1)".
func (e *Error) Error() string {
	msg := "socket"
	if e.Op != "" {
		msg += ": " + e.Op
	}
	if errcode.IsCondition(e.Err) {
		return msg + ": " + e.Err.Error()
	}
	code := ErrorCode(e.Err)
	msg += ": " + code.String()
	// An errno from a dial, read or write: its text is the code's, and
	// the address is what the cause adds ("dial tcp ADDR: connect: ...").
	var op *net.OpError
	var errno syscall.Errno
	if errors.As(e.Err, &errno) && Code(errno) == code && errors.As(e.Err, &op) && op.Addr != nil {
		return msg + " (" + op.Addr.String() + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Conditions, for errors.Is. The ones shared with packages server and ws
// are the same values there: errors.Is(err, server.ErrHandshake) holds for
// a socket's failed handshake.
var (
	ErrLostConnection = errcode.LostConnection
	ErrCannotResolve  = errcode.CannotResolve
	ErrAddressInUse   = errcode.AddressInUse
	ErrInvalidState   = errcode.InvalidState
	ErrInvalidPort    = errcode.InvalidPort
	ErrOutOfMemory    = errcode.OutOfMemory
	ErrHandshake      = errcode.Handshake
	ErrVerify         = errcode.CertificateRejected
	// ErrWouldBlock: a send that does not wait found the send buffer
	// full (ErrBufferFull is one).
	ErrWouldBlock = errcode.WouldBlock
	// ErrTimedOut: a timeout passed; it wraps os.ErrDeadlineExceeded.
	ErrTimedOut = errcode.TimedOut
	// ErrNotConnected: the connection is closed; it wraps net.ErrClosed.
	ErrNotConnected = errcode.NotConnected
)

// Conditions that carry no error code of their own; they appear as the Err of
// an *Error.
var (
	// ErrNoData is the non-blocking reads' "nothing yet" (ECMA-419 read
	// returning undefined): the receive buffer is empty but the connection
	// may still deliver more.
	ErrNoData = errors.New("socket: no data available yet")
	// ErrBufferFull is the condition of the error Send returns when the
	// send buffer cannot take all of the data (ECMA-419 write throws);
	// nothing was queued. It is ErrWouldBlock, and ErrOutOfMemory as Xojo
	// names it (CodeOutOfMemory).
	ErrBufferFull = errcode.New("socket: send buffer cannot take the data", errcode.WouldBlock, errcode.OutOfMemory)
	// ErrUnsupported marks settings Go's crypto/tls cannot honour, such as
	// ECMA-419 maximumFragmentLength.
	ErrUnsupported = errors.New("socket: unsupported setting")
	// ErrWrongFormat is returned by the reads that do not match the
	// socket's Format (ECMA-419 accepts read(n) only for "buffer" and read()
	// only for "number").
	ErrWrongFormat = errors.New("socket: read does not match the socket's format")
	// ErrRevoked is the cause of a verification failure because a CRL or an
	// OCSP responder says the certificate is revoked.
	ErrRevoked = errcode.New("socket: certificate revoked", errcode.CertificateRejected)
	// ErrRevocationUnknown is the cause of a verification failure in
	// RevocationRequire mode when no definitive answer could be obtained.
	ErrRevocationUnknown = errcode.New("socket: certificate revocation status unknown", errcode.CertificateRejected)
	// ErrRejected is the cause of a verification failure because the peer's
	// certificate is listed in CertificateRejectionFile.
	ErrRejected = errcode.New("socket: certificate is listed in the rejection file", errcode.CertificateRejected)
)

// newError wraps err with op.
func newError(op string, err error) *Error {
	var se *Error
	if errors.As(err, &se) && se.Err != nil && se.Op == op {
		return se
	}
	if c := errcode.XojoCondition(err); c != nil && !errors.Is(err, c) {
		err = errcode.With(c, err)
	}
	return &Error{Op: op, Err: err}
}

// opError is an *Error of op whose chain holds cond and cause.
func opError(op string, cond *errcode.Condition, cause error) *Error {
	return &Error{Op: op, Err: errcode.With(cond, cause)}
}
