package tlsconf

import (
	"errors"
	"strings"

	"github.com/tlskit/tlskit/internal/errcode"
	"github.com/tlskit/tlskit/internal/settings"
)

// Sentinel errors. Every error that rejects a setting or aborts a handshake
// is an [*Error] wrapping one of these, so callers test conditions with
// [errors.Is]. (KeyLog's Write and Close return the file's errors.)
var (
	// ErrUnsupportedProtocol: a protocol version crypto/tls cannot speak
	// (SSL 2.0, SSL 3.0), a set of versions that is not one contiguous
	// range, or an unknown version name, bit or constant.
	ErrUnsupportedProtocol = errors.New("tlsconf: unsupported protocol version")
	// ErrUnknownCipher: a cipher suite name crypto/tls does not implement.
	ErrUnknownCipher = errors.New("tlsconf: unknown or unsupported cipher suite")
	// ErrInsecureCipher: an insecure cipher suite named without
	// Settings.AllowInsecureCipherSuites.
	ErrInsecureCipher = errors.New("tlsconf: insecure cipher suite not allowed")
	// ErrNoCipherSuites: the cipher settings leave no usable suite for an
	// enabled protocol version, or ask for a TLS 1.3 restriction that
	// crypto/tls cannot apply.
	ErrNoCipherSuites = errors.New("tlsconf: cipher settings cannot be applied")
	// ErrUnsupportedGroup: a key-exchange group crypto/tls does not
	// implement (x448, ffdhe_*), or one not usable with the version.
	ErrUnsupportedGroup = errors.New("tlsconf: unsupported key-exchange group")
	// ErrGroupRejected: the peer negotiated a group that is enabled for the
	// other protocol version only. It is a handshake failure:
	// errors.Is(err, server.ErrHandshake) holds too (IPWorks's 276).
	ErrGroupRejected = errcode.New("tlsconf: negotiated group not allowed for this protocol version", errcode.Handshake)
	// ErrUnknownSignatureAlgorithm: a signature algorithm name that is not
	// recognised in a TLS12/TLS13SignatureAlgorithms list.
	ErrUnknownSignatureAlgorithm = errors.New("tlsconf: unknown signature algorithm")
	// ErrSignatureAlgorithm: a certificate of the peer's chain is signed
	// with an algorithm outside the allow list. It is a certificate
	// rejection: errors.Is(err, server.ErrCertificateRejected) holds too
	// (IPWorks's 280).
	ErrSignatureAlgorithm = errcode.New("tlsconf: certificate signature algorithm not allowed", errcode.CertificateRejected)
	// ErrUnknownSetting: [Settings.Set] or [Settings.Get] was given a name
	// that does not belong to the TLS layer. Callers that own other
	// settings fall through to their own names on this error.
	ErrUnknownSetting = settings.ErrUnknownSetting
	// ErrUnsupportedSetting: a known IPWorks setting that cannot be
	// honoured with Go's crypto/tls (the OpenSSL-only settings).
	ErrUnsupportedSetting = settings.ErrUnsupported
	// ErrInvalidValue: a setting value that does not parse.
	ErrInvalidValue = settings.ErrInvalidValue
)

// Error describes a rejected setting or an aborted handshake. It unwraps
// to one of the package's sentinel errors and, when there is one, the
// underlying cause. server.Code gives IPWorks's number of an aborted
// handshake (276) or a refused certificate (280).
type Error struct {
	// Setting is the name of the setting involved, as Set takes it, if any
	// (e.g. "SSLEnabledCipherSuites").
	Setting string
	// Value is the offending value or list item, if any.
	Value string
	// Err is the sentinel (ErrUnknownCipher, ...).
	Err error
	// Detail explains what is wrong and what to do instead.
	Detail string
	// Cause is an underlying error (an os or x509 error), or nil.
	Cause error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	if e.Setting != "" {
		b.WriteString(": ")
		b.WriteString(e.Setting)
	}
	if e.Value != "" {
		b.WriteString(" ")
		b.WriteString(quote(e.Value))
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if e.Cause != nil {
		b.WriteString(": ")
		b.WriteString(e.Cause.Error())
	}
	return b.String()
}

// Unwrap returns the sentinel and the cause, so errors.Is matches both.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Err, e.Cause}
	}
	return []error{e.Err}
}

// quote shortens and quotes a value for an error message.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max] + "..."
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}

// withSetting returns err with Setting filled in when it is an *Error
// without one; other errors are returned unchanged.
func withSetting(err error, name string) error {
	var e *Error
	if errors.As(err, &e) && e.Setting == "" {
		c := *e
		c.Setting = name
		return &c
	}
	return err
}
