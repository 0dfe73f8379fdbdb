package wsproto

import (
	"bufio"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
)

const sampleRequest = "GET /chat?room=1 HTTP/1.1\r\n" +
	"Host: server.example.com\r\n" +
	"Upgrade: websocket\r\n" +
	"Connection: keep-alive, Upgrade\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
	"Origin: http://example.com\r\n" +
	"Sec-WebSocket-Protocol: chat, superchat\r\n" +
	"Sec-WebSocket-Protocol: v3\r\n" +
	"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-foo; a=\"1\"\r\n" +
	"Sec-WebSocket-Version: 13\r\n" +
	"X-Custom: one\r\n\r\n"

func TestRFC6455_1_3_AcceptKey(t *testing.T) {
	t.Parallel()
	if got := AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatal(got)
	}
}

func TestRFC6455_4_2_1_ParseRequest(t *testing.T) {
	t.Parallel()
	req, err := ParseUpgradeRequest([]byte(sampleRequest))
	if err != nil {
		t.Fatal(err)
	}
	if req.URI != "/chat?room=1" || req.Host != "server.example.com" || req.Origin != "http://example.com" ||
		strings.Join(req.Protocols, "|") != "chat|superchat|v3" || req.Header().Get("X-Custom") != "one" {
		t.Fatalf("%+v", req)
	}
	if FormatExtensions(req.Extensions) != "permessage-deflate; client_max_window_bits, x-foo; a=1" {
		t.Fatalf("extensions %q", FormatExtensions(req.Extensions))
	}
}

// TestRequestParserChunking: the request split at every point parses the
// same, and bytes after the head are returned.
func TestRequestParserChunking(t *testing.T) {
	t.Parallel()
	full := sampleRequest + "\x81\x80"
	for split := 0; split <= len(full); split++ {
		var p RequestParser
		req, rest, err := p.Feed([]byte(full[:split]))
		if err != nil {
			t.Fatal(err)
		}
		if req == nil {
			req, rest, err = p.Feed([]byte(full[split:]))
		} else {
			rest = append(rest, full[split:]...)
		}
		if err != nil || req == nil || req.Key != "dGhlIHNhbXBsZSBub25jZQ==" || string(rest) != "\x81\x80" {
			t.Fatalf("split %d: %v %v %q", split, req, err, rest)
		}
	}
}

// TestRequestParserBareLF: a head whose lines end in a bare LF, alone or
// mixed with CRLF, is complete at its blank line and refused with 400 and
// a clear reason, whatever the split; before, it was never complete and the
// connection hung until the handshake timeout. (net/textproto accepts bare
// LF, which RFC 9112 §2.2 allows; this parser is strict, as it is about
// obs-fold and spaces before the colon, which net/textproto accepts too.)
func TestRequestParserBareLF(t *testing.T) {
	t.Parallel()
	lf := strings.ReplaceAll(sampleRequest, "\r\n", "\n")
	for name, in := range map[string]string{
		"LF":           lf,
		"mixed":        strings.Replace(sampleRequest, "\r\n", "\n", 3),
		"LF then CRLF": strings.TrimSuffix(lf, "\n\n") + "\n\r\n",
		"CRLF then LF": strings.TrimSuffix(sampleRequest, "\r\n\r\n") + "\r\n\n",
		"LF in a line": strings.Replace(sampleRequest, "X-Custom: one\r\n", "X-Custom: one\nX-Two: 2\r\n", 1),
	} {
		full := in + "\x81\x80"
		for split := 0; split <= len(full); split++ {
			var p RequestParser
			req, _, err := p.Feed([]byte(full[:split]))
			if err == nil && req == nil {
				req, _, err = p.Feed([]byte(full[split:]))
			}
			var he *HandshakeError
			if req != nil || !errors.As(err, &he) || he.Status != 400 || !strings.Contains(err.Error(), "bare LF") {
				t.Fatalf("%s, split %d: %v %v, want 400 for a bare LF", name, split, req, err)
			}
		}
	}
	// The response parser's heads are complete at their blank line too.
	var p ResponseParser
	if _, _, err := p.Feed([]byte("HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\n\n")); err == nil {
		t.Fatal("a response with bare LFs was accepted, or not complete")
	}
}

// TestRFC6455_4_2_1_Validation: every handshake rule and the status answered.
func TestRFC6455_4_2_1_Validation(t *testing.T) {
	t.Parallel()
	replace := func(old, new string) string { return strings.Replace(sampleRequest, old, new, 1) }
	cases := []struct {
		name   string
		req    string
		status int
		header string // a header the rejection must carry
		err    error
	}{
		{"POST", replace("GET ", "POST "), 405, "Allow", ErrBadHandshake},
		{"HTTP/1.0", replace("HTTP/1.1\r\n", "HTTP/1.0\r\n"), 400, "", ErrBadHandshake},
		{"HTTP/2.0", replace("HTTP/1.1\r\n", "HTTP/2.0\r\n"), 505, "", ErrBadHandshake},
		{"bad version syntax", replace("HTTP/1.1\r\n", "HTTP/1\r\n"), 400, "", ErrBadHandshake},
		{"no Host", replace("Host: server.example.com\r\n", ""), 400, "", ErrBadHandshake},
		{"two Hosts", replace("Host: server.example.com\r\n", "Host: a\r\nHost: b\r\n"), 400, "", ErrBadHandshake},
		// With Sec-WebSocket-Key and -Version the request is a bad handshake,
		// not plain HTTP for a page.
		{"no Upgrade", replace("Upgrade: websocket\r\n", ""), 426, "Upgrade", ErrBadHandshake},
		{"Upgrade h2c", replace("Upgrade: websocket\r\n", "Upgrade: h2c\r\n"), 426, "Upgrade", ErrBadHandshake},
		{"Upgrade with space before colon", replace("Upgrade: websocket", "Upgrade : websocket"), 400, "", ErrBadHandshake},
		{"key without Upgrade", "GET / HTTP/1.1\r\nHost: a\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", 426, "Upgrade", ErrBadHandshake},
		{"version without Upgrade", "GET / HTTP/1.1\r\nHost: a\r\nSec-WebSocket-Version: 13\r\n\r\n", 426, "Upgrade", ErrBadHandshake},
		{"plain GET", "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n", 426, "Upgrade", ErrNotWebSocket},
		{"plain HTTP/1.0 GET without Host", "GET / HTTP/1.0\r\n\r\n", 426, "Upgrade", ErrNotWebSocket},
		{"plain GET without Host", "GET / HTTP/1.1\r\n\r\n", 400, "", ErrBadHandshake},
		{"HTTP/1.0 with key", "GET / HTTP/1.0\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", 400, "", ErrBadHandshake},
		{"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, "", ErrBadHandshake},
		{"bare CR", replace("X-Custom: one\r\n", "X-Custom: one\rX: 2\r\n"), 400, "", ErrBadHandshake},
		{"no Connection upgrade", replace("Connection: keep-alive, Upgrade\r\n", "Connection: keep-alive\r\n"), 426, "Upgrade", ErrBadHandshake},
		{"version 8", replace("Version: 13", "Version: 8"), 426, "Sec-Websocket-Version", ErrBadHandshake},
		{"no version", replace("Sec-WebSocket-Version: 13\r\n", ""), 426, "Sec-Websocket-Version", ErrBadHandshake},
		{"short key", replace("dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZQ=="), 400, "", ErrBadHandshake},
		{"key not base64", replace("dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZQ!!"), 400, "", ErrBadHandshake},
		{"no key", replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", ""), 400, "", ErrBadHandshake},
		{"space before colon", replace("X-Custom: one", "X-Custom : one"), 400, "", ErrBadHandshake},
		{"obs-fold", replace("X-Custom: one\r\n", "X-Custom: one\r\n two\r\n"), 400, "", ErrBadHandshake},
		{"bad extension", replace("x-foo; a=\"1\"", "x-foo; =1"), 400, "", ErrBadHandshake},
		{"bad subprotocol", replace("Protocol: v3", "Protocol: v 3"), 400, "", ErrBadHandshake},
		{"body", replace("X-Custom: one", "Content-Length: 5"), 400, "", ErrBadHandshake},
		{"bad target", replace("/chat?room=1", "chat"), 400, "", ErrBadHandshake},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseUpgradeRequest([]byte(tc.req))
			var he *HandshakeError
			if !errors.As(err, &he) || he.Status != tc.status || !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want status %d", err, tc.status)
			}
			if tc.header != "" && len(he.Header[tc.header]) == 0 {
				t.Fatalf("rejection lacks %s header: %v", tc.header, he.Header)
			}
			resp := string(he.AppendResponse(nil))
			if !strings.HasPrefix(resp, "HTTP/1.1 ") || !strings.Contains(resp, "\r\n\r\n") {
				t.Fatalf("response %q", resp)
			}
		})
	}
}

func TestRequestParserHeaderLimit(t *testing.T) {
	t.Parallel()
	p := RequestParser{MaxHeaderBytes: 64}
	_, _, err := p.Feed([]byte("GET / HTTP/1.1\r\nX: " + strings.Repeat("a", 100)))
	var he *HandshakeError
	if !errors.As(err, &he) || he.Status != 431 || !errors.Is(err, ErrHeaderTooLarge) {
		t.Fatalf("err = %v", err)
	}
}

func TestAppendAcceptAndReject(t *testing.T) {
	t.Parallel()
	req, _ := ParseUpgradeRequest([]byte(sampleRequest))
	b, err := AppendAccept(nil, req, AcceptOptions{Protocol: "superchat",
		Extensions: []Extension{{Name: "permessage-deflate", Params: []ExtensionParam{{Name: "server_no_context_takeover"}}}},
		Header:     http.Header{"Set-Cookie": {"a=b"}, "Upgrade": {"evil"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: superchat\r\n" +
		"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\nSet-Cookie: a=b\r\n\r\n"
	if string(b) != want {
		t.Fatalf("got %q", b)
	}
	if _, err := AppendAccept(nil, req, AcceptOptions{Protocol: "other"}); err == nil {
		t.Fatal("accepted a subprotocol that was not offered")
	}
	if _, err := AppendAccept(nil, req, AcceptOptions{Header: http.Header{"X": {"a\r\nInjected: 1"}}}); err == nil {
		t.Fatal("header injection accepted")
	}
	b, err = AppendReject(nil, 401, http.Header{"Www-Authenticate": {`Basic realm="Secure Realm"`}}, "no")
	if err != nil || string(b) != "HTTP/1.1 401 Unauthorized\r\nWww-Authenticate: Basic realm=\"Secure Realm\"\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno" {
		t.Fatalf("%q %v", b, err)
	}
	if _, err := AppendReject(nil, 101, nil, ""); err == nil {
		t.Fatal("101 accepted as a rejection")
	}
}

// TestRFC6455_4_1_ClientChecks: a client request parses on the server
// side, and the client rejects every bad response.
func TestRFC6455_4_1_ClientChecks(t *testing.T) {
	t.Parallel()
	c := NewClientHandshake("example.com:8080", "/ws")
	c.Protocols = []string{"chat", "v2"}
	c.Extensions = []Extension{{Name: "permessage-deflate"}}
	c.Origin = "https://example.com"
	reqBytes, err := c.AppendRequest(nil)
	if err != nil {
		t.Fatal(err)
	}
	req, err := ParseUpgradeRequest(reqBytes)
	if err != nil || req.Host != "example.com:8080" || req.Origin != "https://example.com" {
		t.Fatalf("%v %+v", err, req)
	}
	good, _ := AppendAccept(nil, req, AcceptOptions{Protocol: "v2", Extensions: []Extension{{Name: "permessage-deflate"}}})
	check := func(resp string) error {
		var p ResponseParser
		r, rest, err := p.Feed([]byte(resp + "\x82\x00"))
		if err != nil {
			return err
		}
		if string(rest) != "\x82\x00" {
			t.Fatalf("rest %q", rest)
		}
		if err := c.Check(r); err != nil {
			return err
		}
		if r.Protocol != "v2" {
			t.Fatalf("protocol %q", r.Protocol)
		}
		return nil
	}
	if err := check(string(good)); err != nil {
		t.Fatal(err)
	}
	g := string(good)
	for name, bad := range map[string]string{
		"status 200":         strings.Replace(g, "101 Switching Protocols", "200 OK", 1),
		"no upgrade":         strings.Replace(g, "Upgrade: websocket\r\n", "", 1),
		"no connection":      strings.Replace(g, "Connection: Upgrade\r\n", "", 1),
		"wrong accept":       strings.Replace(g, AcceptKey(c.Key), AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="), 1),
		"unoffered protocol": strings.Replace(g, "Protocol: v2", "Protocol: v9", 1),
		"two protocols":      strings.Replace(g, "Protocol: v2", "Protocol: v2, chat", 1),
		"unoffered ext":      strings.Replace(g, "Extensions: permessage-deflate", "Extensions: x-webkit-deflate-frame", 1),
		"ext twice":          strings.Replace(g, "Extensions: permessage-deflate", "Extensions: permessage-deflate, permessage-deflate", 1),
	} {
		if err := check(bad); !errors.Is(err, ErrBadHandshake) {
			t.Fatalf("%s: err = %v", name, err)
		}
	}
}

func TestParseExtensions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, out string
		ok      bool
	}{
		{"permessage-deflate", "permessage-deflate", true},
		{" a ; b = 1 ;c, d", "a; b=1; c, d", true},
		{`a; b="quoted"`, "a; b=quoted", true},
		{",,a,,", "a", true},
		{`a; b="not token"`, "", false},
		{"a; b=", "", false},
		{"a b", "", false},
		{"a;;b", "", false},
		{`a; b="open`, "", false},
	} {
		exts, err := ParseExtensions([]string{tc.in})
		if (err == nil) != tc.ok || tc.ok && FormatExtensions(exts) != tc.out {
			t.Fatalf("%q: %q %v", tc.in, FormatExtensions(exts), err)
		}
	}
}

func FuzzParseUpgradeRequest(f *testing.F) {
	f.Add([]byte(sampleRequest), uint8(7))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n"), uint8(1))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), uint8(3))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n"), uint8(5))
	f.Add([]byte("POST / HTTP/1.1\r\n X\r\n\r\n"), uint8(2))
	f.Fuzz(func(t *testing.T, b []byte, step uint8) {
		whole := RequestParser{MaxHeaderBytes: 4096}
		r1, rest1, err1 := whole.Feed(b)
		n := int(step%32) + 1
		split := RequestParser{MaxHeaderBytes: 4096}
		var r2 *UpgradeRequest
		var err2 error
		var rest2 []byte
		for i := 0; i < len(b) && r2 == nil && err2 == nil; i += n {
			r2, rest2, err2 = split.Feed(b[i:min(i+n, len(b))])
			if r2 != nil {
				rest2 = append(rest2, b[min(i+n, len(b)):]...)
			}
		}
		if (r1 == nil) != (r2 == nil) || (err1 == nil) != (err2 == nil) || string(rest1) != string(rest2) {
			t.Fatalf("whole %v/%v vs split %v/%v", r1, err1, r2, err2)
		}
		var he *HandshakeError
		if err1 != nil && !errors.As(err1, &he) {
			t.Fatalf("untyped error %v", err1)
		}
		if r1 != nil {
			if _, err := AppendAccept(nil, r1, AcceptOptions{}); err != nil {
				t.Fatalf("cannot accept a validated request: %v", err)
			}
			// What an open connection reads from the kept head matches the parse.
			h := r1.Head()
			if h.URI() != r1.URI || h.Value("Host") != r1.Host || h.Value("Origin") != r1.Origin ||
				!slices.Equal(h.Protocols(), r1.Protocols) || !reflect.DeepEqual(h.Header(), r1.Header()) {
				t.Fatalf("head %q reads URI %q Host %q Origin %q Protocols %q, parsed %+v", h, h.URI(), h.Value("Host"), h.Value("Origin"), h.Protocols(), r1)
			}
		}
	})
}

func TestCheckRequest(t *testing.T) {
	good := func() *http.Request {
		r, _ := http.NewRequest("GET", "http://example.com/chat?x=1", nil)
		r.RequestURI = "/chat?x=1"
		r.Proto = "HTTP/1.1"
		r.Header.Set("Upgrade", "websocket")
		r.Header.Set("Connection", "keep-alive, Upgrade")
		r.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		r.Header.Set("Sec-WebSocket-Version", "13")
		r.Header.Set("Sec-WebSocket-Protocol", "chat, superchat")
		return r
	}
	tests := []struct {
		name   string
		change func(r *http.Request)
		status int
		notWS  bool
	}{
		{name: "valid"},
		{name: "no-upgrade", change: func(r *http.Request) { r.Header.Del("Upgrade") }, status: 426},
		{name: "plain", change: func(r *http.Request) {
			r.Header.Del("Upgrade")
			r.Header.Del("Sec-WebSocket-Key")
			r.Header.Del("Sec-WebSocket-Version")
		}, status: 426, notWS: true},
		{name: "post", change: func(r *http.Request) { r.Method = "POST" }, status: 405},
		{name: "version", change: func(r *http.Request) { r.Header.Set("Sec-WebSocket-Version", "12") }, status: 426},
		{name: "http10", change: func(r *http.Request) { r.Proto = "HTTP/1.0" }, status: 400},
		{name: "no-host", change: func(r *http.Request) { r.Host = "" }, status: 400},
		// Keys of 28 characters and more once overran the decode buffer.
		{name: "key-28", change: func(r *http.Request) { r.Header.Set("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAAAAAA==") }, status: 400},
		{name: "key-long", change: func(r *http.Request) { r.Header.Set("Sec-WebSocket-Key", strings.Repeat("A", 4000)) }, status: 400},
		{name: "key-short", change: func(r *http.Request) { r.Header.Set("Sec-WebSocket-Key", "AAAA") }, status: 400},
		{name: "key-25-bytes", change: func(r *http.Request) { r.Header.Set("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAAA=") }, status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good()
			if tt.change != nil {
				tt.change(r)
			}
			req, err := CheckRequest(r)
			if tt.status == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if req.Host != "example.com" || req.URI != "/chat?x=1" || len(req.Protocols) != 2 {
					t.Fatalf("request %+v", req)
				}
				return
			}
			var he *HandshakeError
			if !errors.As(err, &he) || he.Status != tt.status {
				t.Fatalf("err = %v, want status %d", err, tt.status)
			}
			if errors.Is(err, ErrNotWebSocket) != tt.notWS {
				t.Fatalf("ErrNotWebSocket = %v", !tt.notWS)
			}
		})
	}
}

// FuzzCheckRequest feeds requests parsed by net/http to CheckRequest: it
// must not panic, and what it accepts must carry what the upgrade needs.
func FuzzCheckRequest(f *testing.F) {
	f.Add(sampleRequest)
	f.Add("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n\r\n")
	f.Add("POST /x HTTP/1.0\r\nHost: h\r\n\r\n")
	f.Add("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAAAAAA==\r\n\r\n")
	f.Fuzz(func(t *testing.T, raw string) {
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			return
		}
		r, err := CheckRequest(req)
		if err != nil {
			var he *HandshakeError
			if !errors.As(err, &he) || he.Status < 400 {
				t.Fatalf("error %v is not a refusal with a status", err)
			}
			return
		}
		if r.Method != "GET" || r.Host == "" || AcceptKey(r.Key) == "" || len(r.Header()["Host"]) != 1 {
			t.Fatalf("accepted an incomplete request: %+v", r)
		}
	})
}
