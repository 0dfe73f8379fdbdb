package certs

import (
	"errors"
	"fmt"

	"github.com/tlskit/tlskit/internal/errcode"
)

// Sentinel errors. Every error of loading, selecting, pairing or checking a
// certificate is an *[Error] whose chain contains one of these, so errors.Is
// works on the condition while errors.As gives the operation and the file.
// Generate fails with ErrCannotAcquireCredentials when the issuer has no
// private key; its other errors, and those of the Encode methods, are an
// *Error that wraps none of these. ParseKeyType and Watch return plain
// errors for bad arguments.
//
// errors.Is(err, ErrCannotOpenStore) also holds for every other condition
// of IPWorks's number 271 (wrong password, unknown format, unsupported
// store type). ErrExpired and ErrNotYetValid (280) are certificate
// rejections: errors.Is(err, server.ErrCertificateRejected) holds for
// them. server.Code gives IPWorks's number of any of these errors, for
// code ported from IPWorks.
var (
	// ErrCannotOpenStore (271): the file is missing or unreadable, or the store is damaged.
	ErrCannotOpenStore = errcode.CannotOpenStore
	// ErrWrongPassword (271): the password does not open the store or key,
	// or the data was corrupted in a way only the password check can detect.
	ErrWrongPassword = errcode.New("wrong password or corrupted store", errcode.CannotOpenStore)
	// ErrUnknownFormat (271): the data is none of the formats this package reads,
	// or is truncated beyond recognition.
	ErrUnknownFormat = errcode.New("unrecognised certificate format", errcode.CannotOpenStore)
	// ErrUnsupportedStore (271): a store type this package cannot open
	// (Windows stores, PKCS#11, SSH, PPK, XML, BCFKS) or an unknown number.
	ErrUnsupportedStore = errcode.New("unsupported certificate store type", errcode.CannotOpenStore)
	// ErrCertificateNotFound (272): the store holds no certificate matching the subject or thumbprint.
	ErrCertificateNotFound = errcode.CertificateNotFound
	// ErrCannotAcquireCredentials (273): the certificate has no private key, or
	// a private key matches no certificate.
	ErrCannotAcquireCredentials = errcode.CannotAcquireCredentials
	// ErrExpired (280): the certificate's ExpirationDate has passed.
	ErrExpired = errcode.Expired
	// ErrNotYetValid (280): the certificate's EffectiveDate is in the future.
	ErrNotYetValid = errcode.NotYetValid
)

// Error is the error type of this package, shaped like net.OpError: the
// operation, the file and the cause, whose chain holds the condition.
type Error struct {
	Op   string // what was being done: "open", "parse", "decrypt", "select", "pair", "generate", "encode", "verify"
	Path string // file involved, "" when the input was bytes
	Err  error  // cause, whose chain holds one of the sentinel errors (but see Generate and Encode above)
}

func (e *Error) Error() string {
	msg := "certs: " + e.Op
	if e.Path != "" {
		msg += " " + e.Path
	}
	msg += ": " + e.Err.Error()
	if code, ok := errcode.Number(e.Err); ok {
		msg += fmt.Sprintf(" (error %d)", code)
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// newError builds an *Error whose cause is kind, followed by a hint telling the
// user what to do, and optionally the lower-level cause.
func newError(op string, kind error, hint string, cause error) *Error {
	var err error
	switch {
	case hint != "" && cause != nil:
		err = fmt.Errorf("%w: %s: %w", kind, hint, cause)
	case hint != "":
		err = fmt.Errorf("%w: %s", kind, hint)
	case cause != nil:
		err = fmt.Errorf("%w: %w", kind, cause)
	default:
		err = kind
	}
	return &Error{Op: op, Err: err}
}

// withPath sets the path of err if it is an *Error without one.
func withPath(err error, path string) error {
	var e *Error
	if errors.As(err, &e) && e.Path == "" {
		e.Path = path
	}
	return err
}
