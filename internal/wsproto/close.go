package wsproto

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// CloseCode is a WebSocket close status code (RFC 6455 §7.4, IANA
// "WebSocket Close Code Number Registry").
type CloseCode uint16

// Close codes. CloseNoStatus, CloseAbnormal and CloseTLSHandshake are for
// reporting only: RFC 6455 §7.4.1 forbids putting them in a Close frame.
const (
	CloseNormal             CloseCode = 1000
	CloseGoingAway          CloseCode = 1001
	CloseProtocolError      CloseCode = 1002
	CloseUnsupportedData    CloseCode = 1003
	CloseNoStatus           CloseCode = 1005
	CloseAbnormal           CloseCode = 1006
	CloseInvalidPayload     CloseCode = 1007
	ClosePolicyViolation    CloseCode = 1008
	CloseMessageTooBig      CloseCode = 1009
	CloseMandatoryExtension CloseCode = 1010
	CloseInternalError      CloseCode = 1011
	CloseServiceRestart     CloseCode = 1012
	CloseTryAgainLater      CloseCode = 1013
	CloseBadGateway         CloseCode = 1014
	CloseTLSHandshake       CloseCode = 1015
)

// MaxCloseReason is the longest close reason that fits a control frame
// (125 bytes of payload minus the 2-byte code).
const MaxCloseReason = 123

var closeCodeText = map[CloseCode]string{
	CloseNormal:             "normal closure",
	CloseGoingAway:          "going away",
	CloseProtocolError:      "protocol error",
	CloseUnsupportedData:    "unsupported data",
	CloseNoStatus:           "no status received",
	CloseAbnormal:           "abnormal closure",
	CloseInvalidPayload:     "invalid payload data",
	ClosePolicyViolation:    "policy violation",
	CloseMessageTooBig:      "message too big",
	CloseMandatoryExtension: "mandatory extension",
	CloseInternalError:      "internal error",
	CloseServiceRestart:     "service restart",
	CloseTryAgainLater:      "try again later",
	CloseBadGateway:         "bad gateway",
	CloseTLSHandshake:       "TLS handshake failure",
}

// String returns the code and its registered name, e.g. "1000 (normal closure)".
func (c CloseCode) String() string {
	if s, ok := closeCodeText[c]; ok {
		return strconv.Itoa(int(c)) + " (" + s + ")"
	}
	return strconv.Itoa(int(c))
}

// Text returns the registered description of c ("" when unregistered). The
// server uses it as the default DisconnectStatusDescription.
func (c CloseCode) Text() string { return closeCodeText[c] }

// ValidOnWire reports whether c may appear in a Close frame, sent or
// received: 1000-1003 and 1007-1011 (RFC 6455 §7.4.1), 1012-1014 (added to
// the IANA registry after RFC 6455 and sent by common servers), and
// 3000-4999 (§7.4.2, registered and private use). 1004, 1005, 1006, 1015,
// the rest of 1000-2999 and everything outside 1000-4999 are not.
func (c CloseCode) ValidOnWire() bool {
	switch {
	case c >= 1000 && c <= 1003:
		return true
	case c >= 1007 && c <= 1014:
		return true
	case c >= 3000 && c <= 4999:
		return true
	}
	return false
}

// AppendClosePayload appends the body of a Close frame: nothing when code is
// CloseNoStatus (a Close frame without a status, reason must be empty), else
// the 2-byte code and the reason. It fails with ErrInvalidCloseCode for codes
// that may not be sent, and with a *ProtocolError (1007) for a reason that is
// not UTF-8 or ErrControlTooLong for a reason over MaxCloseReason bytes.
func AppendClosePayload(dst []byte, code CloseCode, reason string) ([]byte, error) {
	if code == CloseNoStatus {
		if reason != "" {
			return dst, fmt.Errorf("%w: a reason needs a status code", ErrInvalidCloseCode)
		}
		return dst, nil
	}
	if !code.ValidOnWire() {
		return dst, fmt.Errorf("%w: %d", ErrInvalidCloseCode, code)
	}
	if len(reason) > MaxCloseReason {
		return dst, fmt.Errorf("%w: close reason is %d bytes, at most %d fit", ErrControlTooLong, len(reason), MaxCloseReason)
	}
	if !utf8.ValidString(reason) {
		return dst, protoErr(CloseInvalidPayload, "close reason is not valid UTF-8")
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(code))
	return append(dst, reason...), nil
}

// ParseClosePayload validates the body of a received Close frame
// (RFC 6455 §5.5.1, §7.1.5, §7.4). An empty body yields CloseNoStatus. A
// 1-byte body or a code not valid on the wire is a 1002 *ProtocolError; a
// reason that is not UTF-8 is 1007 (§8.1).
func ParseClosePayload(p []byte) (CloseCode, string, error) {
	switch len(p) {
	case 0:
		return CloseNoStatus, "", nil
	case 1:
		return 0, "", protoErr(CloseProtocolError, "close frame body of 1 byte")
	}
	code := CloseCode(binary.BigEndian.Uint16(p))
	if !code.ValidOnWire() {
		return 0, "", protoErr(CloseProtocolError, "close code "+strconv.Itoa(int(code))+" is not allowed on the wire")
	}
	if !utf8.Valid(p[2:]) {
		return 0, "", protoErr(CloseInvalidPayload, "close reason is not valid UTF-8")
	}
	return code, string(p[2:]), nil
}
