package wsproto

import (
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// UpgradeRequest is a parsed and validated client opening handshake
// (RFC 6455 §4.2.1) with what IPWorks's WebSocketOpenRequest event exposes.
type UpgradeRequest struct {
	Method string // always "GET" once validated
	URI    string // request-target as sent (RequestURI)
	Proto  string // "HTTP/1.1"
	Host   string // HostHeader
	Origin string // OriginHeader ("" when absent)
	Key    string // Sec-WebSocket-Key
	// Protocols are the offered subprotocols in the client's order of preference.
	Protocols []string
	// Extensions are the offered extensions with their parameters, in order.
	Extensions []Extension

	header http.Header // CheckRequest's; nil when parsed from bytes
	head   RequestHead // the head as received, when parsed from bytes
}

// Header returns every request header, keys canonicalised, values in
// order. For a request parsed from bytes the map is built by this call
// (the parse itself builds none), and the caller may change it.
func (r *UpgradeRequest) Header() http.Header {
	if r.header != nil || r.head == "" {
		return r.header
	}
	return r.head.Header()
}

// SetHeader sets what Header returns, for a request built by hand (the
// one a client sent).
func (r *UpgradeRequest) SetHeader(h http.Header) { r.header = h }

// Head returns the request as it was received, "" for a request that was
// not parsed from bytes (CheckRequest).
func (r *UpgradeRequest) Head() RequestHead { return r.head }

// RequestHead is a request head that RequestParser has validated, kept as
// the bytes received (request line, headers, blank line). An open
// connection keeps this one string instead of the parsed request: its
// fields are read from it on demand, and the ones that return strings
// share its memory.
type RequestHead string

// URI returns the request target.
func (h RequestHead) URI() string {
	line, _, _ := strings.Cut(string(h), "\r\n")
	_, rest, _ := strings.Cut(line, " ")
	uri, _, _ := strings.Cut(rest, " ")
	return uri
}

// Value returns the first value of the header name (any case), "" when
// absent, trimmed as Header holds it.
func (h RequestHead) Value(name string) string {
	for v := range h.values(name) {
		return v
	}
	return ""
}

// Values returns every value of the header name, in order.
func (h RequestHead) Values(name string) []string {
	var vs []string
	for v := range h.values(name) {
		vs = append(vs, v)
	}
	return vs
}

func (h RequestHead) values(name string) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		_, rest, _ := strings.Cut(string(h), "\r\n")
		for line := range strings.SplitSeq(rest, "\r\n") {
			k, v, ok := strings.Cut(line, ":")
			if ok && strings.EqualFold(k, name) && !yield(trimOWS(v)) {
				return
			}
		}
	}
}

// Protocols returns the offered subprotocols, as UpgradeRequest.Protocols.
func (h RequestHead) Protocols() []string {
	return headerTokens(h.Values("Sec-WebSocket-Protocol"))
}

// Header returns every header as a new map, as UpgradeRequest.Header.
func (h RequestHead) Header() http.Header {
	_, hdr, err := parseHead(string(h))
	if err != nil { // validated when it was received: cannot happen
		return http.Header{}
	}
	return hdr
}

// RequestParser reads a client's upgrade request incrementally. The zero
// value is ready, with a DefaultMaxHeaderBytes bound.
type RequestParser struct {
	// MaxHeaderBytes bounds the request line and headers together (0:
	// DefaultMaxHeaderBytes); a longer head fails with HTTP 431.
	MaxHeaderBytes int
	s              headScanner
	req            UpgradeRequest // what Feed returns, so that it is not allocated apart
}

// Feed adds received bytes. It returns the validated request once the
// head is complete, with the bytes that followed it (which belong to the
// WebSocket connection, and may share b's memory), or (nil, nil, nil) when
// more bytes are needed. A non-nil error is a *HandshakeError with the status to answer.
func (p *RequestParser) Feed(b []byte) (req *UpgradeRequest, rest []byte, err error) {
	p.s.max = p.MaxHeaderBytes
	head, rest, ok, err := p.s.feed(b)
	if err != nil || !ok {
		return nil, nil, err
	}
	if err = parseUpgradeHead(&p.req, head); err != nil {
		return nil, nil, err
	}
	return &p.req, rest, nil
}

// ParseUpgradeRequest parses and validates a complete request head (with
// or without the final blank line) in one call.
func ParseUpgradeRequest(head []byte) (*UpgradeRequest, error) {
	var p RequestParser
	p.MaxHeaderBytes = len(head) + 4
	if !strings.HasSuffix(string(head), "\r\n\r\n") {
		head = append(head[:len(head):len(head)], "\r\n\r\n"...)
	}
	req, _, err := p.Feed(head)
	return req, err
}

// parseUpgradeHead parses and checks a head into r, building no map: the
// header fields the checks need are picked out in one pass.
func parseUpgradeHead(r *UpgradeRequest, b []byte) error {
	head := string(b)
	var u upgradeFields
	start, err := scanHead(head, u.add)
	if err != nil {
		return badRequest(http.StatusBadRequest, err.Error())
	}
	method, rest, ok1 := strings.Cut(start, " ")
	uri, proto, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || strings.Contains(proto, " ") || !isToken(method) || uri == "" {
		return badRequest(http.StatusBadRequest, "malformed request line")
	}
	*r = UpgradeRequest{Method: method, URI: uri, Proto: proto, head: RequestHead(head)}
	return checkUpgrade(r, &u)
}

// CheckRequest validates a request already parsed by net/http (an
// http.Handler's upgrade) with the same rules as RequestParser, and
// returns the UpgradeRequest it describes. The Host header, which net/http
// moves to r.Host, is put back into Header.
func CheckRequest(req *http.Request) (*UpgradeRequest, error) {
	h := req.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if req.Host != "" {
		h["Host"] = []string{req.Host}
	}
	r := &UpgradeRequest{Method: req.Method, URI: req.RequestURI, Proto: req.Proto, header: h}
	if r.URI == "" && req.URL != nil {
		r.URI = req.URL.RequestURI()
	}
	var u upgradeFields
	for k, vs := range h {
		for _, v := range vs {
			u.add(k, v)
		}
	}
	if err := checkUpgrade(r, &u); err != nil {
		return nil, err
	}
	return r, nil
}

// fieldValue is the first value of a header field and how many it has.
type fieldValue struct {
	v string
	n int
}

func (f *fieldValue) add(v string) {
	if f.n == 0 {
		f.v = v
	}
	f.n++
}

// upgradeFields is what the checks of an upgrade request read from its
// header fields, gathered by add from each field in order.
type upgradeFields struct {
	host, version, key, origin, contentLength fieldValue
	transferEncoding                          bool
	upgrade, connection                       bool // have the websocket and upgrade tokens
	protocols                                 []string
	extensions                                []string
}

func (u *upgradeFields) add(name, value string) {
	switch {
	case strings.EqualFold(name, "Host"):
		u.host.add(value)
	case strings.EqualFold(name, "Upgrade"):
		u.upgrade = u.upgrade || hasToken1(value, "websocket")
	case strings.EqualFold(name, "Connection"):
		u.connection = u.connection || hasToken1(value, "upgrade")
	case strings.EqualFold(name, "Sec-WebSocket-Version"):
		u.version.add(value)
	case strings.EqualFold(name, "Sec-WebSocket-Key"):
		u.key.add(value)
	case strings.EqualFold(name, "Origin"):
		u.origin.add(value)
	case strings.EqualFold(name, "Content-Length"):
		u.contentLength.add(value)
	case strings.EqualFold(name, "Transfer-Encoding"):
		u.transferEncoding = true
	case strings.EqualFold(name, "Sec-WebSocket-Protocol"):
		u.protocols = appendTokens(u.protocols, value)
	case strings.EqualFold(name, "Sec-WebSocket-Extensions"):
		u.extensions = append(u.extensions, value)
	}
}

// checkUpgrade applies RFC 6455 §4.2.1 to a request whose line is parsed
// and whose header fields u gathered, filling the fields derived from them.
func checkUpgrade(r *UpgradeRequest, u *upgradeFields) error {
	var err error
	major, minor, ok := parseHTTPVersion(r.Proto)
	switch {
	case !ok:
		return badRequest(http.StatusBadRequest, "malformed HTTP version "+strconv.Quote(r.Proto))
	case major != 1:
		// The HTTP/2 connection preface ("PRI * HTTP/2.0") among them.
		return badRequest(http.StatusHTTPVersionNotSupported, "HTTP version "+r.Proto+" not supported")
	}
	if !validTarget(r.URI) {
		return badRequest(http.StatusBadRequest, "malformed request target")
	}
	hostOK := u.host.n == 1 && !strings.ContainsAny(u.host.v, " \t,/")
	// A request with none of the handshake's own headers is plain HTTP,
	// for an http.Handler to serve (HTTP/1.0 needs no Host); one with any
	// of them is a handshake, and a bad one is answered as such, never
	// served as a page.
	if !u.upgrade && u.key.n == 0 && u.version.n == 0 && (hostOK || minor == 0 && u.host.n == 0) {
		e := badRequest(http.StatusUpgradeRequired, "the request does not ask for \"Upgrade: websocket\"")
		e.Err = ErrNotWebSocket
		e.Header = http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}, "Sec-Websocket-Version": {"13"}}
		return e
	}
	if minor < 1 {
		return badRequest(http.StatusBadRequest, "a WebSocket handshake needs HTTP/1.1 or higher")
	}
	if !hostOK {
		return badRequest(http.StatusBadRequest, "exactly one valid Host header is required")
	}
	r.Host = u.host.v
	if !u.upgrade {
		e := badRequest(http.StatusUpgradeRequired, "a request with Sec-WebSocket headers does not ask for \"Upgrade: websocket\"")
		e.Header = http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}, "Sec-Websocket-Version": {"13"}}
		return e
	}
	if r.Method != http.MethodGet {
		e := badRequest(http.StatusMethodNotAllowed, "a WebSocket handshake must use GET, not "+r.Method)
		e.Header = http.Header{"Allow": {"GET"}}
		return e
	}
	if !u.connection {
		e := badRequest(http.StatusUpgradeRequired, "the Connection header lacks the \"Upgrade\" token")
		e.Header = http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}}
		return e
	}
	if u.version.n != 1 || u.version.v != "13" {
		e := badRequest(http.StatusUpgradeRequired, "Sec-WebSocket-Version must be 13")
		e.Header = http.Header{"Sec-Websocket-Version": {"13"}}
		return e
	}
	if u.key.n != 1 {
		return badRequest(http.StatusBadRequest, "exactly one Sec-WebSocket-Key header is required")
	}
	// The length is checked before decoding: base64 of 16 bytes is 24
	// characters, and decoding a longer key into k would overrun it.
	var k [18]byte
	if len(u.key.v) != 24 {
		return badRequest(http.StatusBadRequest, "Sec-WebSocket-Key is not the base64 encoding of 16 bytes")
	}
	if n, err := base64.StdEncoding.Decode(k[:], []byte(u.key.v)); err != nil || n != 16 {
		return badRequest(http.StatusBadRequest, "Sec-WebSocket-Key is not the base64 encoding of 16 bytes")
	}
	r.Key = u.key.v
	if u.contentLength.n > 1 || u.contentLength.n == 1 && u.contentLength.v != "0" || u.transferEncoding {
		return badRequest(http.StatusBadRequest, "an upgrade request cannot carry a body")
	}
	if u.origin.n > 1 {
		return badRequest(http.StatusBadRequest, "more than one Origin header")
	}
	r.Origin = u.origin.v
	r.Protocols = u.protocols
	for _, p := range r.Protocols {
		if !isToken(p) {
			return badRequest(http.StatusBadRequest, "subprotocol "+strconv.Quote(p)+" is not a token")
		}
	}
	if r.Extensions, err = ParseExtensions(u.extensions); err != nil {
		return badRequest(http.StatusBadRequest, err.Error())
	}
	return nil
}

// validTarget accepts origin-form ("/path?query") and absolute-form
// ("ws://host/path", also http, https, wss) request targets without
// fragments or control characters.
func validTarget(t string) bool {
	if strings.ContainsAny(t, "#\x00\x7f") {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' {
			return false
		}
	}
	if strings.HasPrefix(t, "/") {
		return true
	}
	for _, s := range []string{"ws://", "wss://", "http://", "https://"} {
		if len(t) > len(s) && strings.EqualFold(t[:len(s)], s) {
			return true
		}
	}
	return false
}

// AcceptOptions is what a server answers to an accepted request.
type AcceptOptions struct {
	// Protocol is the chosen subprotocol; it must be one the client offered
	// ("" for none).
	Protocol string
	// Extensions are the accepted extensions with their response
	// parameters (from DeflateConfig.Negotiate); nil for none.
	Extensions []Extension
	// Header holds extra response headers. Handshake headers set here are
	// ignored: the handshake's own values win.
	Header http.Header
}

var handshakeHeaders = map[string]bool{
	"Upgrade": true, "Connection": true, "Sec-Websocket-Accept": true,
	"Sec-Websocket-Protocol": true, "Sec-Websocket-Extensions": true, "Content-Length": true,
}

// AppendAccept appends the 101 Switching Protocols response to req
// (RFC 6455 §4.2.2).
func AppendAccept(dst []byte, req *UpgradeRequest, opt AcceptOptions) ([]byte, error) {
	if opt.Protocol != "" && !slices.Contains(req.Protocols, opt.Protocol) {
		return dst, errors.New("wsproto: subprotocol " + strconv.Quote(opt.Protocol) + " was not offered by the client")
	}
	out := append(dst, "HTTP/1.1 101 Switching Protocols\r\n"...)
	out = appendHeader(out, "Upgrade", "websocket")
	out = appendHeader(out, "Connection", "Upgrade")
	out = append(out, "Sec-WebSocket-Accept: "...)
	out = append(appendAcceptKey(out, req.Key), "\r\n"...)
	if opt.Protocol != "" {
		out = appendHeader(out, "Sec-WebSocket-Protocol", opt.Protocol)
	}
	if len(opt.Extensions) > 0 {
		ext := FormatExtensions(opt.Extensions)
		if err := checkHeaderField("Sec-WebSocket-Extensions", ext); err != nil {
			return dst, err
		}
		out = appendHeader(out, "Sec-WebSocket-Extensions", ext)
	}
	out, err := appendExtra(out, opt.Header, func(k string) bool { return handshakeHeaders[k] })
	if err != nil {
		return dst, err
	}
	return append(out, "\r\n"...), nil
}

// AppendReject appends a complete HTTP/1.1 response refusing the upgrade:
// any status from 200 to 599 except 101, the extra headers (e.g.
// WWW-Authenticate for 401), Content-Length, Connection: close and body as
// text/plain. The connection should be closed after it is written.
func AppendReject(dst []byte, status int, header http.Header, body string) ([]byte, error) {
	if status < 200 || status > 599 {
		return dst, errors.New("wsproto: rejection status " + strconv.Itoa(status) + " is not a final 2xx-5xx status")
	}
	text := http.StatusText(status)
	if text == "" {
		text = "Status " + strconv.Itoa(status)
	}
	out := append(dst, "HTTP/1.1 "+strconv.Itoa(status)+" "+text+"\r\n"...)
	out, err := appendExtra(out, header, func(k string) bool { return k == "Content-Length" || k == "Connection" })
	if err != nil {
		return dst, err
	}
	if body != "" && header.Get("Content-Type") == "" {
		out = appendHeader(out, "Content-Type", "text/plain; charset=utf-8")
	}
	out = appendHeader(out, "Content-Length", strconv.Itoa(len(body)))
	out = appendHeader(out, "Connection", "close")
	out = append(out, "\r\n"...)
	return append(out, body...), nil
}
