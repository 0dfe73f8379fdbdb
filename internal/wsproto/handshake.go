package wsproto

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
)

// Handshake sentinels; a *HandshakeError unwraps to one of them.
var (
	// ErrBadHandshake: the upgrade request or response breaks RFC 6455 §4.
	ErrBadHandshake = errors.New("wsproto: bad WebSocket handshake")
	// ErrNotWebSocket: the request is valid HTTP/1.x and not a WebSocket
	// handshake: no "Upgrade: websocket" and no Sec-WebSocket-Key or
	// Sec-WebSocket-Version header. An http.Handler may serve it normally;
	// a request with those headers that is not a valid upgrade is a
	// malformed handshake (ErrBadHandshake) instead.
	ErrNotWebSocket = errors.New("wsproto: not a WebSocket upgrade request")
	// ErrHeaderTooLarge: the header block exceeds the configured bound.
	ErrHeaderTooLarge = errors.New("wsproto: handshake header too large")
)

// HandshakeError is a rejected handshake: the HTTP status and extra
// response headers a server should answer with, and the reason.
type HandshakeError struct {
	// Status is the HTTP status: on the server side the one to answer
	// with (400, 405, 426, 431, 505 ...), on the client side the one the
	// server answered instead of 101 (0 for other client-side failures).
	Status int
	// Header holds the headers the rejection must carry (server side:
	// Sec-WebSocket-Version, Upgrade, Allow) or the refusal's headers
	// (client side, e.g. WWW-Authenticate).
	Header http.Header
	Msg    string
	Err    error // ErrBadHandshake, ErrNotWebSocket or ErrHeaderTooLarge
}

func (e *HandshakeError) Error() string {
	if e.Status == 0 {
		return "wsproto: " + e.Msg
	}
	return "wsproto: " + e.Msg + " (HTTP " + strconv.Itoa(e.Status) + ")"
}

func (e *HandshakeError) Unwrap() error { return e.Err }

// AppendResponse appends the HTTP rejection for e (see AppendReject).
func (e *HandshakeError) AppendResponse(dst []byte) []byte {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	out, err := AppendReject(dst, status, e.Header, e.Msg+"\n")
	if err != nil { // only if Msg held a forbidden byte; send it bare
		out, _ = AppendReject(dst, status, e.Header, "")
	}
	return out
}

func badRequest(status int, msg string) *HandshakeError {
	return &HandshakeError{Status: status, Msg: msg, Err: ErrBadHandshake}
}

// websocketGUID is the fixed string of RFC 6455 §1.3 / §4.2.2.
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// AcceptKey returns the Sec-WebSocket-Accept value for a Sec-WebSocket-Key:
// base64(SHA-1(key + GUID)).
func AcceptKey(key string) string { return string(appendAcceptKey(nil, key)) }

// appendAcceptKey appends AcceptKey(key) to dst.
func appendAcceptKey(dst []byte, key string) []byte {
	var in [64]byte // a valid key is 24 bytes, the GUID 36
	sum := sha1.Sum(append(append(in[:0], key...), websocketGUID...))
	return base64.StdEncoding.AppendEncode(dst, sum[:])
}

// DefaultMaxHeaderBytes bounds a handshake's header block when the parser's
// MaxHeaderBytes is zero.
const DefaultMaxHeaderBytes = 16 << 10

// headScanner accumulates bytes until the blank line ending an HTTP head.
// It finds that line whether lines end in CRLF or in a bare LF, so that a
// head with bare LFs is complete (and then refused by scanHead) instead of
// waiting for a CRLF CRLF that never comes.
type headScanner struct {
	max     int
	buf     []byte
	scanned int
	done    bool
}

// feed returns the complete head (without the blank line that ends it)
// and the bytes after it, or ok=false when more are needed. Both may share
// p's memory.
func (s *headScanner) feed(p []byte) (head, rest []byte, ok bool, err error) {
	if s.done {
		return nil, p, false, errors.New("wsproto: parser already returned a head")
	}
	limit := s.max
	if limit <= 0 {
		limit = DefaultMaxHeaderBytes
	}
	if len(s.buf) == 0 { // the usual case, a head that arrives whole: no copy
		if end, next := headEnd(p, 0); end >= 0 {
			if next > limit {
				return nil, nil, false, headTooLarge(limit)
			}
			s.done = true
			return p[:end], p[next:], true, nil
		}
	}
	s.buf = append(s.buf, p...)
	if end, next := headEnd(s.buf, max(0, s.scanned-2)); end >= 0 {
		if next > limit {
			return nil, nil, false, headTooLarge(limit)
		}
		s.done = true
		head, rest = s.buf[:end], s.buf[next:]
		s.buf = nil
		return head, rest, true, nil
	}
	s.scanned = len(s.buf)
	if len(s.buf) >= limit {
		s.buf = nil
		return nil, nil, false, headTooLarge(limit)
	}
	return nil, nil, false, nil
}

// headEnd finds the first empty line in b at or after from: a LF followed
// by LF or by CRLF. It returns where the head before it ends and where the
// bytes after it start, or -1. A head that does not end in CRLF CRLF keeps
// its last line ends (end == next), so that scanHead sees the bare LF.
func headEnd(b []byte, from int) (end, next int) {
	for i := from; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1, -1
		}
		i += j
		switch {
		case i+1 < len(b) && b[i+1] == '\n':
			return i + 2, i + 2
		case i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n':
			if i > 0 && b[i-1] == '\r' {
				return i - 1, i + 3 // CRLF CRLF
			}
			return i + 3, i + 3
		}
		i++
	}
}

func headTooLarge(limit int) *HandshakeError {
	return &HandshakeError{Status: http.StatusRequestHeaderFieldsTooLarge, Msg: "header block over " + strconv.Itoa(limit) + " bytes", Err: ErrHeaderTooLarge}
}

// parseHead splits a head into its start line and header fields, strictly
// (RFC 9112 §5): CRLF line ends (a bare LF is refused, which RFC 9112 §2.2
// allows, as the other leniencies of net/textproto are), no obs-fold, no whitespace before the
// colon, token names, no control characters in values.
func parseHead(head string) (start string, h http.Header, err error) {
	h = make(http.Header, strings.Count(head, "\r\n"))
	start, err = scanHead(head, func(name, value string) {
		key := textproto.CanonicalMIMEHeaderKey(name)
		h[key] = append(h[key], value)
	})
	if err != nil {
		return "", nil, err
	}
	return start, h, nil
}

// scanHead checks a head as parseHead does and calls field with each
// header field in order, the value trimmed, without building anything.
func scanHead(head string, field func(name, value string)) (start string, err error) {
	if strings.Count(head, "\n") != strings.Count(head, "\r\n") {
		return "", errors.New("a line ends in a bare LF: HTTP lines must end in CRLF")
	}
	start, rest, more := strings.Cut(head, "\r\n")
	if strings.ContainsAny(start, "\r\n\x00") {
		return "", errors.New("control character in start line")
	}
	for more {
		var line string
		line, rest, more = strings.Cut(rest, "\r\n")
		if line == "" {
			return "", errors.New("empty header line")
		}
		if line[0] == ' ' || line[0] == '\t' {
			return "", errors.New("obsolete header line folding")
		}
		name, value, found := strings.Cut(line, ":")
		if !found {
			return "", errors.New("header line without colon")
		}
		if !isToken(name) {
			return "", errors.New("invalid header name " + strconv.Quote(name))
		}
		value = trimOWS(value)
		for i := 0; i < len(value); i++ {
			if c := value[i]; c < 0x20 && c != '\t' || c == 0x7f {
				return "", errors.New("control character in header " + name)
			}
		}
		field(name, value)
	}
	return start, nil
}

// checkHeaderValue rejects bytes that would split or corrupt a header line.
func checkHeaderField(name, value string) error {
	if !isToken(name) {
		return errors.New("wsproto: invalid header name " + strconv.Quote(name))
	}
	if strings.ContainsAny(value, "\r\n\x00") {
		return errors.New("wsproto: header " + name + " value contains CR, LF or NUL")
	}
	return nil
}

func appendHeader(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// appendExtra appends extra headers in a stable order, validated.
func appendExtra(dst []byte, h http.Header, skip func(string) bool) ([]byte, error) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if skip != nil && skip(textproto.CanonicalMIMEHeaderKey(k)) {
			continue
		}
		for _, v := range h[k] {
			if err := checkHeaderField(k, v); err != nil {
				return dst, err
			}
			dst = appendHeader(dst, k, v)
		}
	}
	return dst, nil
}

// parseHTTPVersion parses "HTTP/x.y".
func parseHTTPVersion(s string) (major, minor int, ok bool) {
	if len(s) != 8 || !strings.HasPrefix(s, "HTTP/") || s[6] != '.' {
		return 0, 0, false
	}
	if s[5] < '0' || s[5] > '9' || s[7] < '0' || s[7] > '9' {
		return 0, 0, false
	}
	return int(s[5] - '0'), int(s[7] - '0'), true
}
