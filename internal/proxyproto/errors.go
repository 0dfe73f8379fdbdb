package proxyproto

import "errors"

// Conditions Parse reports. Every error but ErrNeedMore is final for the
// connection: the caller resets it (or, after ErrNotProxy, may treat the
// bytes as having no header, if its policy allows that). Errors other than
// ErrNeedMore and ErrNotProxy wrap their sentinel with detail.
var (
	// ErrNeedMore: the bytes so far are a valid beginning of a header;
	// call Parse again with more.
	ErrNeedMore = errors.New("proxyproto: incomplete header")
	// ErrNotProxy: the bytes start neither the version 1 nor the version 2
	// signature. It is reported as soon as the first byte that differs
	// arrives.
	ErrNotProxy = errors.New("proxyproto: not a PROXY protocol header")
	// ErrInvalid: the header breaks the format.
	ErrInvalid = errors.New("proxyproto: malformed header")
	// ErrTooLong: a version 1 line without its CRLF within MaxV1Length
	// bytes, or a version 2 length over MaxV2Length.
	ErrTooLong = errors.New("proxyproto: header too long")
	// ErrUnsupported: a version 2 header with a version, command, address
	// family or transport the specification does not define.
	ErrUnsupported = errors.New("proxyproto: unsupported header")
	// ErrChecksum: a version 2 header whose CRC32C TLV does not match its
	// bytes.
	ErrChecksum = errors.New("proxyproto: CRC32C mismatch")
)
