package certs

import (
	"errors"
	"fmt"
)

// Error codes carried by [Error.Code]. They are IPWorks's error numbers,
// so that code ported from IPWorks can keep testing them.
const (
	CodeCannotOpenStore         = 271 // the store could not be read, decoded or decrypted
	CodeCertificateNotFound     = 272 // no certificate in the store matches the selection
	CodeCannotAcquireCredential = 273 // no private key, or a key that matches no certificate
	CodeVerifyCertificate       = 280 // the certificate failed a validity check
)

// Sentinel errors. Every error of loading, selecting, pairing or checking a
// certificate is an *[Error] whose chain contains one of these, so errors.Is
// works on the condition while errors.As gives the code, the operation and
// the file. Generate fails with ErrCannotAcquireCredentials when the issuer
// has no private key; its other errors, and those of the Encode methods,
// are an *Error with Code 0 that wraps none of these. ParseKeyType and
// Watch return plain errors for bad arguments.
//
// errors.Is(err, ErrCannotOpenStore) also holds for every other code-271
// condition (wrong password, unknown format, unsupported store type), and
// likewise for codes 272 and 273. Code 280 has no such umbrella: test for
// ErrExpired or ErrNotYetValid.
var (
	// ErrCannotOpenStore (271): the file is missing or unreadable, or the store is damaged.
	ErrCannotOpenStore = errors.New("cannot open certificate store")
	// ErrWrongPassword (271): the password does not open the store or key,
	// or the data was corrupted in a way only the password check can detect.
	ErrWrongPassword = errors.New("wrong password or corrupted store")
	// ErrUnknownFormat (271): the data is none of the formats this package reads,
	// or is truncated beyond recognition.
	ErrUnknownFormat = errors.New("unrecognised certificate format")
	// ErrUnsupportedStore (271): a store type this package cannot open
	// (Windows stores, PKCS#11, SSH, PPK, XML, BCFKS) or an unknown number.
	ErrUnsupportedStore = errors.New("unsupported certificate store type")
	// ErrCertificateNotFound (272): the store holds no certificate matching the subject or thumbprint.
	ErrCertificateNotFound = errors.New("cannot find specified certificate")
	// ErrCannotAcquireCredentials (273): the certificate has no private key, or
	// a private key matches no certificate.
	ErrCannotAcquireCredentials = errors.New("cannot acquire security credentials")
	// ErrExpired (280): the certificate's ExpirationDate has passed.
	ErrExpired = errors.New("certificate has expired")
	// ErrNotYetValid (280): the certificate's EffectiveDate is in the future.
	ErrNotYetValid = errors.New("certificate is not yet valid")
)

// codeBase maps a code to the sentinel that errors.Is matches for every error
// carrying that code.
var codeBase = map[int]error{
	CodeCannotOpenStore:         ErrCannotOpenStore,
	CodeCertificateNotFound:     ErrCertificateNotFound,
	CodeCannotAcquireCredential: ErrCannotAcquireCredentials,
}

// Error is the error type of this package.
type Error struct {
	Code int    // IPWorks's error number (271, 272, 273, 280); 0 for other errors of Generate and the Encode methods
	Op   string // what was being done: "open", "parse", "decrypt", "select", "pair", "generate", "encode", "verify"
	Path string // file involved, "" when the input was bytes
	Err  error  // cause; unless Code is 0, its chain holds one of the sentinel errors
}

func (e *Error) Error() string {
	msg := "certs: " + e.Op
	if e.Path != "" {
		msg += " " + e.Path
	}
	msg += ": " + e.Err.Error()
	if e.Code != 0 {
		msg += fmt.Sprintf(" (error %d)", e.Code)
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel that stands for e's code.
func (e *Error) Is(target error) bool {
	base, ok := codeBase[e.Code]
	return ok && target == base
}

// newError builds an *Error whose cause is kind, followed by a hint telling the
// user what to do, and optionally the lower-level cause.
func newError(code int, op string, kind error, hint string, cause error) *Error {
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
	return &Error{Code: code, Op: op, Err: err}
}

// withPath sets the path of err if it is an *Error without one.
func withPath(err error, path string) error {
	var e *Error
	if errors.As(err, &e) && e.Path == "" {
		e.Path = path
	}
	return err
}
