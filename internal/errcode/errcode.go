// Package errcode holds the error conditions that tlskit's packages share
// and the one table from which the products' numeric error codes are
// derived.
//
// A condition is a sentinel error, matched with errors.Is; where a standard
// error says the same thing the condition wraps it (NotConnected wraps
// net.ErrClosed, TimedOut wraps os.ErrDeadlineExceeded), so code written
// against the standard library keeps working. Packages re-export the
// conditions under their own names (server.ErrWouldBlock is WouldBlock, and
// so are engine.ErrWouldBlock, ws.ErrWouldBlock and socket.ErrWouldBlock):
// errors.Is matches across packages because the values are the same.
//
// The numbers are a view of the conditions, never the other way round: no
// error carries a code. IPWorks(err) gives IPWorks's number and description
// for err (package server, ws, certs and tlsconf document it), Xojo(err)
// Xojo SocketCore's (package socket). Both look err up in table, in order,
// then fall back on the operating system's error number.
package errcode

import (
	"errors"
	"net"
	"os"
)

// Condition is a sentinel error. Its chain holds its bases, so a
// condition derived from another (certs' ErrWrongPassword from
// CannotOpenStore) matches both, and one based on a standard error
// (NotConnected on net.ErrClosed) matches that too.
type Condition struct {
	text    string
	bases   []error
	timeout bool
}

// New returns a condition with text as its message whose chain holds
// bases.
func New(text string, bases ...error) *Condition {
	return &Condition{text: text, bases: bases}
}

func (c *Condition) Error() string { return c.text }

// Unwrap returns the condition's bases.
func (c *Condition) Unwrap() []error { return c.bases }

// Timeout reports whether the condition is a timeout, as net.Error asks.
func (c *Condition) Timeout() bool { return c.timeout }

// Temporary is Timeout, as net.Error asks (and os.ErrDeadlineExceeded
// answers).
func (c *Condition) Temporary() bool { return c.timeout }

// With returns an error that matches cond and, when cause is not nil,
// cause: "cond: cause". Call sites use it to say which condition an error
// is without a number: With(TimedOut, errors.New("idle timeout")).
func With(cond *Condition, cause error) error {
	if cause == nil {
		return cond
	}
	return &withCause{cond: cond, cause: cause}
}

// Withf is With with a cause built from a message.
func Withf(cond *Condition, msg string) error { return With(cond, errors.New(msg)) }

type withCause struct {
	cond  *Condition
	cause error
}

func (w *withCause) Error() string   { return w.cond.text + ": " + w.cause.Error() }
func (w *withCause) Unwrap() []error { return []error{w.cond, w.cause} }

// Timeout reports whether the condition or the cause is a timeout.
func (w *withCause) Timeout() bool {
	var t interface{ Timeout() bool }
	return w.cond.timeout || errors.As(w.cause, &t) && t.Timeout()
}

// Temporary is Timeout.
func (w *withCause) Temporary() bool { return w.Timeout() }

// The conditions shared by several packages.
var (
	// WouldBlock: a queue that does not wait is full; wait for the
	// writable event (engine, server, ws and socket).
	WouldBlock = New("operation would block")
	// NotConnected: the connection is closed or closing.
	NotConnected = New("connection is not connected", net.ErrClosed)
	// TimedOut: a deadline or timeout passed; a net.Error whose Timeout
	// is true.
	TimedOut = &Condition{text: "connection timed out", bases: []error{os.ErrDeadlineExceeded}, timeout: true}
	// Interrupted: Interrupt stopped an operation.
	Interrupted = New("interrupted")
	// Aborted: the connection was reset by tlskit itself (after a panic
	// in a hook, for example).
	Aborted = New("connection aborted")
	// Handshake: the TLS handshake failed.
	Handshake = New("TLS handshake failed")
	// CertificateRejected: the peer's certificate was refused.
	CertificateRejected = New("certificate verification failed")
	// ClientCertNotPresent: client authentication is required and the
	// client sent no certificate; it is a Handshake condition too.
	ClientCertNotPresent = New("client sent no certificate", Handshake)
	// NoCertificate: a secure listener has no certificate with its key.
	NoCertificate = New("no server certificate")
)

// The conditions of package server.
var (
	AlreadyListening    = New("server is already listening")
	LocalPortListening  = New("cannot change LocalPort while listening")
	LocalHostListening  = New("cannot change LocalHost while listening")
	MaxConnListening    = New("cannot change MaxConnections while listening")
	InvalidMaxLine      = New("invalid MaxLineLength")
	InvalidConnectionID = New("invalid ConnectionId")
	// Send: ws refused data for a reason other than a full queue.
	Send = New("error sending data to the connected client")
)

// The conditions of package socket.
var (
	LostConnection = New("lost connection")
	CannotResolve  = New("cannot resolve address")
	AddressInUse   = New("address in use")
	InvalidState   = New("invalid state")
	InvalidPort    = New("invalid port")
	OutOfMemory    = New("out of memory")
)

// The conditions of package certs (IPWorks's certificate numbers).
// Conditions derived from one of these (certs' ErrWrongPassword from
// CannotOpenStore) take its number.
var (
	CannotOpenStore          = New("cannot open certificate store")
	CertificateNotFound      = New("cannot find specified certificate")
	CannotAcquireCredentials = New("cannot acquire security credentials")
	Expired                  = New("certificate has expired", CertificateRejected)
	NotYetValid              = New("certificate is not yet valid", CertificateRejected)
)

// Cause returns what err adds to its condition: the cause of a With, nil
// for a bare condition, err itself for an error that is neither.
func Cause(err error) error {
	switch e := err.(type) {
	case *withCause:
		return e.cause
	case *Condition:
		return nil
	}
	return err
}
