package wsproto

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// ClientHandshake is a client's opening handshake (RFC 6455 §4.1): it
// builds the request and checks the server's response against it.
type ClientHandshake struct {
	URI        string      // request-target, e.g. "/chat?room=1" (default "/")
	Host       string      // Host header, "host[:port]"
	Origin     string      // Origin header; "" omits it
	Protocols  []string    // offered subprotocols, in preference order
	Extensions []Extension // offered extensions (DeflateConfig.Offer)
	Header     http.Header // extra request headers (handshake headers are ignored)
	Key        string      // Sec-WebSocket-Key; NewClientHandshake fills it from crypto/rand
}

// NewClientHandshake returns a handshake for host and uri with a fresh
// random key (16 bytes from crypto/rand, base64; RFC 6455 §4.1).
func NewClientHandshake(host, uri string) *ClientHandshake {
	var k [16]byte
	_, _ = rand.Read(k[:])
	return &ClientHandshake{Host: host, URI: uri, Key: base64.StdEncoding.EncodeToString(k[:])}
}

var clientHandshakeHeaders = map[string]bool{
	"Host": true, "Upgrade": true, "Connection": true, "Sec-Websocket-Key": true, "Sec-Websocket-Version": true,
	"Sec-Websocket-Protocol": true, "Sec-Websocket-Extensions": true, "Origin": true,
}

// AppendRequest appends the GET upgrade request.
func (c *ClientHandshake) AppendRequest(dst []byte) ([]byte, error) {
	uri := c.URI
	if uri == "" {
		uri = "/"
	}
	if !validTarget(uri) {
		return dst, errors.New("wsproto: invalid request URI " + strconv.Quote(uri))
	}
	if k, err := base64.StdEncoding.DecodeString(c.Key); err != nil || len(k) != 16 {
		return dst, errors.New("wsproto: Sec-WebSocket-Key must be the base64 encoding of 16 bytes")
	}
	for _, p := range c.Protocols {
		if !isToken(p) {
			return dst, errors.New("wsproto: subprotocol " + strconv.Quote(p) + " is not a token")
		}
	}
	if err := checkHeaderField("Host", c.Host); err != nil || c.Host == "" {
		return dst, errors.New("wsproto: invalid Host " + strconv.Quote(c.Host))
	}
	out := append(dst, "GET "+uri+" HTTP/1.1\r\n"...)
	out = appendHeader(out, "Host", c.Host)
	out = appendHeader(out, "Upgrade", "websocket")
	out = appendHeader(out, "Connection", "Upgrade")
	out = appendHeader(out, "Sec-WebSocket-Key", c.Key)
	out = appendHeader(out, "Sec-WebSocket-Version", "13")
	if c.Origin != "" {
		if err := checkHeaderField("Origin", c.Origin); err != nil {
			return dst, err
		}
		out = appendHeader(out, "Origin", c.Origin)
	}
	if len(c.Protocols) > 0 {
		out = appendHeader(out, "Sec-WebSocket-Protocol", strings.Join(c.Protocols, ", "))
	}
	if len(c.Extensions) > 0 {
		ext := FormatExtensions(c.Extensions)
		if err := checkHeaderField("Sec-WebSocket-Extensions", ext); err != nil {
			return dst, err
		}
		out = appendHeader(out, "Sec-WebSocket-Extensions", ext)
	}
	out, err := appendExtra(out, c.Header, func(k string) bool { return clientHandshakeHeaders[k] })
	if err != nil {
		return dst, err
	}
	return append(out, "\r\n"...), nil
}

// UpgradeResponse is a parsed server response head.
type UpgradeResponse struct {
	Proto  string
	Status int
	Reason string
	Header http.Header
	// Protocol is the subprotocol the server chose ("" for none).
	Protocol string
	// Extensions are the extensions the server accepted, with parameters.
	Extensions []Extension
}

// ResponseParser reads a server's handshake response incrementally. The
// zero value is ready, with a DefaultMaxHeaderBytes bound.
type ResponseParser struct {
	MaxHeaderBytes int // 0: DefaultMaxHeaderBytes
	s              headScanner
}

// Feed adds received bytes and returns the response head once complete,
// with the bytes after it (the first WebSocket frames, or the body of a
// rejection), or (nil, nil, nil) when more bytes are needed. It checks
// only HTTP syntax; ClientHandshake.Check validates the upgrade.
func (p *ResponseParser) Feed(b []byte) (*UpgradeResponse, []byte, error) {
	p.s.max = p.MaxHeaderBytes
	head, rest, ok, err := p.s.feed(b)
	if err != nil || !ok {
		return nil, nil, err
	}
	start, h, err := parseHead(string(head))
	if err != nil {
		return nil, nil, clientErr(err.Error())
	}
	proto, rest2, _ := strings.Cut(start, " ")
	code, reason, _ := strings.Cut(rest2, " ")
	if _, _, ok := parseHTTPVersion(proto); !ok || len(code) != 3 {
		return nil, nil, clientErr("malformed status line " + strconv.Quote(start))
	}
	status, err := strconv.Atoi(code)
	if err != nil || status < 100 {
		return nil, nil, clientErr("malformed status code " + strconv.Quote(code))
	}
	return &UpgradeResponse{Proto: proto, Status: status, Reason: reason, Header: h}, rest, nil
}

func clientErr(msg string) *HandshakeError {
	return &HandshakeError{Msg: msg, Err: ErrBadHandshake}
}

// Check validates resp as the answer to c (RFC 6455 §4.1, the client's
// checks of the server's handshake): status 101, "Upgrade: websocket",
// "Connection: Upgrade", the expected Sec-WebSocket-Accept, a subprotocol
// only if one was offered, and only offered extensions. It fills
// resp.Protocol and resp.Extensions. Extension parameters are validated by
// the extension (DeflateConfig.AcceptResponse). Failures are
// *HandshakeError wrapping ErrBadHandshake.
func (c *ClientHandshake) Check(resp *UpgradeResponse) error {
	h := resp.Header
	if resp.Status != http.StatusSwitchingProtocols {
		e := clientErr("server answered " + strconv.Itoa(resp.Status) + " " + resp.Reason + " instead of 101")
		e.Status, e.Header = resp.Status, resp.Header
		return e
	}
	if !hasToken(h["Upgrade"], "websocket") {
		return clientErr("response lacks \"Upgrade: websocket\"")
	}
	if !hasToken(h["Connection"], "upgrade") {
		return clientErr("response Connection header lacks \"Upgrade\"")
	}
	if a := h["Sec-Websocket-Accept"]; len(a) != 1 || a[0] != AcceptKey(c.Key) {
		return clientErr("Sec-WebSocket-Accept does not match the key")
	}
	switch p := h["Sec-Websocket-Protocol"]; {
	case len(p) > 1 || len(p) == 1 && strings.Contains(p[0], ","):
		return clientErr("server chose more than one subprotocol")
	case len(p) == 1 && !slices.Contains(c.Protocols, p[0]):
		return clientErr("server chose subprotocol " + strconv.Quote(p[0]) + " which was not offered")
	case len(p) == 1:
		resp.Protocol = p[0]
	}
	exts, err := ParseExtensions(h["Sec-Websocket-Extensions"])
	if err != nil {
		return clientErr(err.Error())
	}
	seen := map[string]bool{}
	for _, e := range exts {
		offered := slices.ContainsFunc(c.Extensions, func(o Extension) bool { return strings.EqualFold(o.Name, e.Name) })
		if !offered {
			return clientErr("server accepted extension " + strconv.Quote(e.Name) + " which was not offered")
		}
		if seen[strings.ToLower(e.Name)] {
			return clientErr("server accepted extension " + strconv.Quote(e.Name) + " twice")
		}
		seen[strings.ToLower(e.Name)] = true
	}
	resp.Extensions = exts
	return nil
}
