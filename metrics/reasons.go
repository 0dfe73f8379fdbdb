package metrics

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/ws"
)

// handshakeFailure is a reason a TLS handshake failed: an index of
// handshakeFailureNames.
type handshakeFailure uint8

const (
	hsOther handshakeFailure = iota
	hsTimeout
	hsProtocolVersion
	hsNoSharedCipher
	hsUnknownCA
	hsBadCertificate
	hsClientCertMissing
	hsCertificateRejected
	hsNotTLS
	hsPeerAlert
	hsPeerClosed
	numHandshakeFailures
)

var handshakeFailureNames = [numHandshakeFailures]string{
	"other", "timeout", "protocol_version", "no_shared_cipher", "unknown_ca", "bad_certificate",
	"client_cert_missing", "certificate_rejected", "not_tls", "peer_alert", "peer_closed",
}

// HandshakeFailureReason returns the reason label that
// tlskit_tls_handshake_failures_total counts a failed handshake's err
// under:
//
//   - timeout: server.ErrTimedOut (DefaultConnectionTimeout) or a deadline
//   - client_cert_missing: server.ErrClientCertNotPresent
//   - certificate_rejected: server.ErrCertificateRejected
//     (OnSSLClientAuthentication refused it)
//   - unknown_ca, bad_certificate: the client's certificate failed
//     verification (x509.UnknownAuthorityError; other x509 errors), or the
//     client sent the alert of that name about the server's
//   - protocol_version: no TLS version both sides accept, either side's
//   - no_shared_cipher: no cipher suite, or no key exchange group, both
//     sides accept
//   - not_tls: the first bytes were no TLS record (tls.RecordHeaderError)
//   - peer_alert: another alert from the client
//   - peer_closed: the client closed or reset the connection
//   - other: anything else.
//
// It reads crypto/tls's errors through their types where it has them and
// through its fixed messages otherwise; nothing a peer sent ends up in the
// label.
func HandshakeFailureReason(err error) string {
	return handshakeFailureNames[handshakeFailureOf(err)]
}

func handshakeFailureOf(err error) handshakeFailure {
	var (
		uaErr  x509.UnknownAuthorityError
		ciErr  x509.CertificateInvalidError
		hnErr  x509.HostnameError
		verErr *tls.CertificateVerificationError
		recErr tls.RecordHeaderError
		opErr  *net.OpError
		tmErr  interface{ Timeout() bool }
	)
	switch {
	case errors.Is(err, server.ErrTimedOut), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &tmErr) && tmErr.Timeout():
		return hsTimeout
	case errors.Is(err, server.ErrClientCertNotPresent):
		return hsClientCertMissing
	case errors.Is(err, server.ErrCertificateRejected):
		return hsCertificateRejected
	case errors.As(err, &uaErr):
		return hsUnknownCA
	case errors.As(err, &ciErr), errors.As(err, &hnErr), errors.As(err, &verErr):
		return hsBadCertificate
	case errors.As(err, &recErr):
		return hsNotTLS
	case errors.As(err, &opErr) && opErr.Op == "remote error":
		return peerAlert(opErr.Err.Error())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return hsPeerClosed
	}
	// crypto/tls's own refusals carry no type, only these messages.
	msg := err.Error()
	switch {
	case strings.Contains(msg, "tls: client offered only unsupported versions"),
		strings.Contains(msg, "tls: client offered TLS version older than TLS 1.3"),
		strings.Contains(msg, "tls: client using inappropriate protocol fallback"):
		return hsProtocolVersion
	case strings.Contains(msg, "tls: no cipher suite supported by both client and server"),
		strings.Contains(msg, "tls: no key exchanges supported by both client and server"),
		strings.Contains(msg, "tls: client offered only incompatible point formats"):
		return hsNoSharedCipher
	case strings.Contains(msg, "tls: client didn't provide a certificate"):
		return hsClientCertMissing
	}
	return hsOther
}

// peerAlert is the reason of an alert the client sent, from crypto/tls's
// fixed text for it.
func peerAlert(text string) handshakeFailure {
	switch strings.TrimPrefix(text, "tls: ") {
	case "unknown certificate authority":
		return hsUnknownCA
	case "bad certificate", "unsupported certificate", "revoked certificate", "expired certificate",
		"unknown certificate", "certificate required":
		return hsBadCertificate
	case "protocol version not supported":
		return hsProtocolVersion
	case "insufficient security", "handshake failure":
		return hsNoSharedCipher
	}
	return hsPeerAlert
}

// closeCodes are the close codes tlskit sends for errors, each a label of
// tlskit_websocket_protocol_errors_total; "other" follows them.
var closeCodes = [...]ws.CloseCode{
	ws.CloseProtocolError, ws.CloseUnsupportedData, ws.CloseInvalidPayload, ws.ClosePolicyViolation,
	ws.CloseMessageTooBig, ws.CloseInternalError, 0,
}

func closeCodeIndex(code ws.CloseCode) int {
	for i, c := range closeCodes[:len(closeCodes)-1] {
		if c == code {
			return i
		}
	}
	return len(closeCodes) - 1
}

func closeCodeLabel(i int) string {
	if i == len(closeCodes)-1 {
		return "other"
	}
	return strconv.Itoa(int(closeCodes[i]))
}
