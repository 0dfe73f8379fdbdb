package errcode

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
)

// Entry is a row of the table: a condition and its number in each product,
// 0 where the product has none (the lookup then goes on to the next row
// the error matches).
type Entry struct {
	Cond    *Condition
	IPWorks int    // IPWorks's number (packages server, ws, certs, tlsconf)
	Xojo    int    // Xojo SocketCore's number (package socket)
	Desc    string // IPWorks's description of the number
}

// Table is the one table of codes. An error takes the numbers of the first
// row whose condition it matches, so derived conditions come before their
// bases. Numbers shared by two rows of one column are deliberate and
// noted.
var Table = []Entry{
	{ClientCertNotPresent, 281, 276, "could not find client certificate"}, // Xojo: a handshake failure
	{Handshake, 276, 276, "error during handshake"},
	{CertificateRejected, 280, 280, "error verifying certificate"},
	{NoCertificate, 282, 282, "no certificate with its private key"},
	{CannotOpenStore, 271, 271, "cannot open certificate store"},
	{CertificateNotFound, 272, 272, "cannot find specified certificate"},
	{CannotAcquireCredentials, 273, 273, "cannot acquire security credentials"},
	{AlreadyListening, 104, 0, "server is already listening"},
	{LocalPortListening, 106, 0, "cannot change LocalPort while listening"},
	{LocalHostListening, 107, 0, "cannot change LocalHost while listening"},
	{MaxConnListening, 108, 0, "cannot change MaxConnections while listening"},
	{InvalidMaxLine, 112, 0, "invalid MaxLineLength"},
	{InvalidConnectionID, 126, 0, "invalid ConnectionId"},
	{Send, 4202, 0, "error sending data to the connected client"},
	{LostConnection, 0, 102, "lost connection"},
	{CannotResolve, 0, 103, "cannot resolve address"},
	{AddressInUse, 10048, 105, "address already in use"},
	{InvalidState, 0, 106, "invalid state"},
	{InvalidPort, 0, 107, "invalid port"},
	// Xojo reports a full send buffer and a lack of memory both as 108.
	{WouldBlock, 135, 108, "operation would block"},
	{OutOfMemory, 10055, 108, "no buffer space available"},
	{Interrupted, 10004, int(syscall.EINTR), "interrupted"},
	{Aborted, 10053, 0, "software caused connection abort"},
	{NotConnected, 10057, 0, "socket is not connected"},
	{TimedOut, 10060, int(syscall.ETIMEDOUT), "connection timed out"},
}

// Lookup returns the first row err matches with a number in the column
// col picks, or nil.
func lookup(err error, col func(*Entry) int) *Entry {
	for i := range Table {
		e := &Table[i]
		if col(e) != 0 && errors.Is(err, e.Cond) {
			return e
		}
	}
	return nil
}

// IPWorks returns IPWorks's number and description for err: 0 and "OK"
// for nil; the number of the first row of the table err matches; for an
// operating system error, Winsock's number of its errno; 10060 for a
// deadline, 10057 for a closed connection; 10053 (software caused
// connection abort) for anything else.
func IPWorks(err error) (int, string) {
	if err == nil {
		return 0, "OK"
	}
	if e := lookup(err, func(e *Entry) int { return e.IPWorks }); e != nil {
		return e.IPWorks, e.Desc
	}
	if c := IPWorksCondition(err); c != nil {
		e := lookup(c, func(e *Entry) int { return e.IPWorks })
		return e.IPWorks, e.Desc
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if code, ok := winsock[errno]; ok {
			return code, winsockText[code]
		}
	}
	return 10053, winsockText[10053]
}

// Xojo returns Xojo SocketCore's number for err: 0 for nil; the number of
// the first row of the table err matches; for other errors, the number
// Xojo would give the cause (see XojoCondition; the errno for another
// operating system error), and 100 (the socket could not be created) for
// anything else.
func Xojo(err error) int {
	if err == nil {
		return 0
	}
	if e := lookup(err, func(e *Entry) int { return e.Xojo }); e != nil {
		return e.Xojo
	}
	cond, code := xojoCause(err)
	if cond != nil {
		return lookup(cond, func(e *Entry) int { return e.Xojo }).Xojo
	}
	return code
}

// XojoCondition returns the condition Xojo's numbers give an error of the
// net, tls and x509 packages: CannotResolve for a name that does not
// resolve, AddressInUse, InvalidPort (a privileged port) or OutOfMemory
// for those errnos, LostConnection for an end of stream or a closed
// connection, CertificateRejected for a certificate crypto/x509 refused,
// Handshake for a TLS alert, TimedOut for a deadline; nil for others.
func XojoCondition(err error) *Condition {
	cond, _ := xojoCause(err)
	return cond
}

func xojoCause(err error) (*Condition, int) {
	var dns *net.DNSError
	var errno syscall.Errno
	var verr *tls.CertificateVerificationError
	var uaerr x509.UnknownAuthorityError
	var hnerr x509.HostnameError
	var cierr x509.CertificateInvalidError
	var alert tls.AlertError
	var recErr tls.RecordHeaderError
	switch {
	case errors.As(err, &dns):
		return CannotResolve, 0
	case errors.As(err, &errno):
		switch errno {
		case syscall.EADDRINUSE:
			return AddressInUse, 0
		case syscall.EACCES:
			return InvalidPort, 0 // a privileged port, as Xojo reports it
		case syscall.ENOMEM, syscall.ENOBUFS:
			return OutOfMemory, 0
		}
		return nil, int(errno)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return LostConnection, 0
	case errors.As(err, &verr), errors.As(err, &uaerr), errors.As(err, &hnerr), errors.As(err, &cierr):
		return CertificateRejected, 0
	case errors.As(err, &alert), errors.As(err, &recErr), isAlert(err):
		return Handshake, 0
	case errors.Is(err, context.Canceled):
		return nil, int(syscall.ECANCELED)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return TimedOut, 0
	}
	return nil, 100
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

// IsCondition reports whether err itself (not its chain) is a condition
// or a With of one, so that a message can put the condition first.
func IsCondition(err error) bool {
	switch err.(type) {
	case *Condition, *withCause:
		return true
	}
	return false
}

// ErrnoText is the operating system's text for an errno, "" when it has
// none.
func ErrnoText(n int) string {
	if n > 0 && n < 4096 {
		if text := syscall.Errno(n).Error(); !strings.HasPrefix(text, "errno ") {
			return text
		}
	}
	return ""
}

// winsock maps OS errors to Winsock's TCP/IP error numbers.
var winsock = map[syscall.Errno]int{
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

// winsockText holds the descriptions of the TCP/IP numbers.
var winsockText = map[int]string{
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

// Number returns IPWorks's number of the row of the table err matches, and
// whether it matches one (the fallbacks of IPWorks do not count).
func Number(err error) (int, bool) {
	if e := lookup(err, func(e *Entry) int { return e.IPWorks }); e != nil {
		return e.IPWorks, true
	}
	return 0, false
}

// IPWorksCondition returns the condition IPWorks's numbers give an error of
// the network: TimedOut for a deadline or ETIMEDOUT, NotConnected for a
// closed connection or ENOTCONN, Interrupted for EINTR, Aborted for
// ECONNABORTED, AddressInUse and OutOfMemory for EADDRINUSE and ENOBUFS;
// nil for others.
func IPWorksCondition(err error) *Condition {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		switch errno {
		case syscall.ETIMEDOUT:
			return TimedOut
		case syscall.ENOTCONN:
			return NotConnected
		case syscall.EINTR:
			return Interrupted
		case syscall.ECONNABORTED:
			return Aborted
		case syscall.EADDRINUSE:
			return AddressInUse
		case syscall.ENOBUFS:
			return OutOfMemory
		}
		return nil
	}
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return TimedOut
	case errors.Is(err, net.ErrClosed):
		return NotConnected
	}
	return nil
}
