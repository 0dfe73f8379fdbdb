package socket

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/tlskit/tlskit/certs"
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
	if c > 0 && c < 4096 {
		if text := syscall.Errno(c).Error(); !strings.HasPrefix(text, "errno ") {
			return text
		}
	}
	return fmt.Sprintf("errno %d", int(c))
}

// Error is the error every operation of this package returns (except the
// timeouts of the net.Conn methods, which return os.ErrDeadlineExceeded as
// net.Conn requires) and the value the Error event receives.
//
// errors.Is(err, ErrLostConnection) and the other sentinels compare codes;
// errors.Is(err, syscall.ECONNREFUSED) and errors.As into *net.DNSError or
// *tls.CertificateVerificationError work through Unwrap.
type Error struct {
	Code Code   // the error number
	Op   string // "connect", "bind", "listen", "send", "read", "handshake", ...
	Err  error  // the cause; nil for the sentinels
}

// Error describes the failure in words: "socket: connect: connection
// refused (127.0.0.1:1)". The number stays in Code for those who want it.
func (e *Error) Error() string {
	msg := "socket"
	if e.Op != "" {
		msg += ": " + e.Op
	}
	msg += ": " + e.Code.String()
	// An errno from a dial, read or write: its text is the code's, and
	// the address is what the cause adds ("dial tcp ADDR: connect: ...").
	var op *net.OpError
	var errno syscall.Errno
	if errors.As(e.Err, &errno) && Code(errno) == e.Code && errors.As(e.Err, &op) && op.Addr != nil {
		return msg + " (" + op.Addr.String() + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same code and no cause:
// that is, one of the sentinels below or an equivalent value.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Err == nil && t.Op == "" && t.Code == e.Code
}

// Sentinels for errors.Is.
var (
	ErrLostConnection = &Error{Code: CodeLostConnection}
	ErrCannotResolve  = &Error{Code: CodeCannotResolve}
	ErrAddressInUse   = &Error{Code: CodeAddressInUse}
	ErrInvalidState   = &Error{Code: CodeInvalidState}
	ErrInvalidPort    = &Error{Code: CodeInvalidPort}
	ErrOutOfMemory    = &Error{Code: CodeOutOfMemory}
	ErrHandshake      = &Error{Code: CodeHandshake}
	ErrVerify         = &Error{Code: CodeVerify}
)

// Conditions that carry no error code of their own; they appear as the Err of
// an *Error.
var (
	// ErrNoData is the non-blocking reads' "nothing yet" (ECMA-419 read
	// returning undefined): the receive buffer is empty but the connection
	// may still deliver more.
	ErrNoData = errors.New("socket: no data available yet")
	// ErrBufferFull is the cause of the CodeOutOfMemory error Send returns
	// when the send buffer cannot take all of the data (ECMA-419 write
	// throws); nothing was queued.
	ErrBufferFull = errors.New("socket: send buffer cannot take the data")
	// ErrUnsupported marks settings Go's crypto/tls cannot honour, such as
	// ECMA-419 maximumFragmentLength.
	ErrUnsupported = errors.New("socket: unsupported setting")
	// ErrWrongFormat is returned by the reads that do not match the
	// socket's Format (ECMA-419 accepts read(n) only for "buffer" and read()
	// only for "number").
	ErrWrongFormat = errors.New("socket: read does not match the socket's format")
	// ErrRevoked is the cause of a verification failure because a CRL or an
	// OCSP responder says the certificate is revoked.
	ErrRevoked = errors.New("socket: certificate revoked")
	// ErrRevocationUnknown is the cause of a verification failure in
	// RevocationRequire mode when no definitive answer could be obtained.
	ErrRevocationUnknown = errors.New("socket: certificate revocation status unknown")
	// ErrRejected is the cause of a verification failure because the peer's
	// certificate is listed in CertificateRejectionFile.
	ErrRejected = errors.New("socket: certificate is listed in the rejection file")
)

// newError wraps err with op and a code derived from it.
func newError(op string, err error) *Error {
	var se *Error
	if errors.As(err, &se) && se.Err != nil && se.Op == op {
		return se
	}
	return &Error{Code: codeOf(err), Op: op, Err: err}
}

// isAlert reports whether err is a TLS alert: one the peer sent, such as a
// TLS 1.3 server's "certificate required" that arrives on the first read
// after the client's side of the handshake ended, or one crypto/tls sent,
// such as its refusal of a renegotiation. crypto/tls reports those as a
// *net.OpError with Op "remote error" or "local error" around an
// unexported type.
func isAlert(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && (op.Op == "remote error" || op.Op == "local error")
}

// codeOf maps an error from the net and tls packages to an error code.
func codeOf(err error) Code {
	var se *Error
	var ce *certs.Error
	var dns *net.DNSError
	var errno syscall.Errno
	var verr *tls.CertificateVerificationError
	var uaerr x509.UnknownAuthorityError
	var hnerr x509.HostnameError
	var cierr x509.CertificateInvalidError
	var alert tls.AlertError
	var recErr tls.RecordHeaderError
	switch {
	case err == nil:
		return CodeNone
	case errors.As(err, &se):
		return se.Code
	case errors.As(err, &ce) && ce.Code != 0:
		return Code(ce.Code)
	case errors.As(err, &dns):
		return CodeCannotResolve
	case errors.As(err, &errno):
		switch errno {
		case syscall.EADDRINUSE:
			return CodeAddressInUse
		case syscall.EACCES:
			return CodeInvalidPort // a privileged port, as Xojo reports it
		case syscall.ENOMEM, syscall.ENOBUFS:
			return CodeOutOfMemory
		}
		return Code(errno)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return CodeLostConnection
	case errors.As(err, &verr), errors.As(err, &uaerr), errors.As(err, &hnerr), errors.As(err, &cierr),
		errors.Is(err, ErrRevoked), errors.Is(err, ErrRevocationUnknown), errors.Is(err, ErrRejected):
		return CodeVerify
	case errors.As(err, &alert), errors.As(err, &recErr), isAlert(err):
		return CodeHandshake
	case errors.Is(err, context.Canceled):
		return Code(syscall.ECANCELED)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return Code(syscall.ETIMEDOUT)
	}
	return CodeDriver
}
