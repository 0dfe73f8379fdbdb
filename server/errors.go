package server

import (
	"errors"
	"fmt"

	"github.com/tlskit/tlskit/internal/errcode"
	"github.com/tlskit/tlskit/internal/logsafe"
	"github.com/tlskit/tlskit/internal/settings"
)

// Error is the error type of the server, shaped like net.OpError: the
// operation that failed, the connection it concerns and the cause. Err's
// chain holds the condition (ErrWouldBlock, ErrTimedOut, ...) and the
// underlying error, such as the syscall.Errno of a socket error, so
// errors.Is(err, ErrTimedOut) and errors.Is(err, syscall.ECONNRESET) both
// work. The error carries no number: Code gives the seed's.
type Error struct {
	Op     string // "listen", "accept", "send", "sendfile", "handshake", "read", "close", ...
	ConnID int64  // the connection concerned, 0 for the server itself
	Err    error  // the cause, whose chain holds the condition
}

// Error describes the failure in words: "server: send: operation would
// block (connection 3)".
func (e *Error) Error() string {
	s := "server: "
	if e.Op != "" {
		s += e.Op + ": "
	}
	if e.Err != nil {
		s += e.Err.Error()
	}
	if e.ConnID != 0 {
		s += fmt.Sprintf(" (connection %d)", e.ConnID)
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Conditions, for errors.Is. The ones other packages share are the same
// values there: ErrWouldBlock is ws.ErrWouldBlock and socket.ErrWouldBlock,
// ErrHandshake is socket.ErrHandshake, ErrCertificateRejected is
// socket.ErrVerify. ErrNotConnected wraps net.ErrClosed and ErrTimedOut
// wraps os.ErrDeadlineExceeded (it is a net.Error whose Timeout is true).
// The numbers in the comments are IPWorks's, which Code gives.
var (
	ErrAlreadyListening     = errcode.AlreadyListening     // 104
	ErrLocalPortListening   = errcode.LocalPortListening   // 106
	ErrLocalHostListening   = errcode.LocalHostListening   // 107
	ErrMaxConnListening     = errcode.MaxConnListening     // 108
	ErrInvalidMaxLineLength = errcode.InvalidMaxLine       // 112
	ErrInvalidConnectionID  = errcode.InvalidConnectionID  // 126
	ErrWouldBlock           = errcode.WouldBlock           // 135
	ErrHandshake            = errcode.Handshake            // 276
	ErrCertificateRejected  = errcode.CertificateRejected  // 280
	ErrClientCertNotPresent = errcode.ClientCertNotPresent // 281; also ErrHandshake
	ErrInterrupted          = errcode.Interrupted          // 10004
	ErrAborted              = errcode.Aborted              // 10053
	ErrNotConnected         = errcode.NotConnected         // 10057
	ErrTimedOut             = errcode.TimedOut             // 10060
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

// opError is an *Error of op on connection id whose chain holds cond and,
// if not nil, cause.
func opError(op string, id int64, cond *errcode.Condition, cause error) *Error {
	return &Error{Op: op, ConnID: id, Err: errcode.With(cond, cause)}
}

// netError converts an error of the network into an *Error of op,
// adding the condition IPWorks's numbers give it (ErrTimedOut for a
// deadline, ErrNotConnected for a closed connection, ...) and keeping the
// cause.
func netError(op string, id int64, err error) *Error {
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	if c := errcode.IPWorksCondition(err); c != nil && !errors.Is(err, c) {
		err = errcode.With(c, err)
	}
	return &Error{Op: op, ConnID: id, Err: err}
}

// description is IPWorks's description of err's number.
func description(err error) string {
	_, d := errcode.IPWorks(err)
	return d
}

// The causes the server gives the errors it chooses, for their messages.
var (
	errIdle         = errors.New("idle timeout: no data sent or received")
	errStalled      = errors.New("send stalled: the client does not read")
	errEvicted      = errors.New("handshake too slow: replaced by a new connection while the server was full")
	errShuttingDown = errors.New("server is shutting down")
)

// errorAttrs are the log attributes of e: IPWorks's number and
// description, the operation and the cause (which may quote what the
// peer sent, hence logsafe). A nil e, an orderly close, is code 0.
// handshakeFailed reports whether e is a failed TLS handshake: what a
// client does wrong, logged at Info.
func handshakeFailed(e *Error) bool {
	return errors.Is(e, ErrHandshake) || errors.Is(e, ErrCertificateRejected) || errors.Is(e, ErrClientCertNotPresent)
}

func errorAttrs(e *Error) []any {
	if e == nil {
		return []any{"code", 0}
	}
	attrs := []any{"code", Code(e), "err", description(e), "op", e.Op}
	if cause := errcode.Cause(e.Err); cause != nil {
		attrs = append(attrs, "cause", logsafe.Error(cause))
	}
	return attrs
}
