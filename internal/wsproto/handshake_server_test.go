package wsproto

import (
	"bytes"
	"net/http"
	"reflect"
	"testing"
	"unsafe"
)

// TestRequestHead: the head a parsed request keeps gives the same fields
// as the parse, read on demand; the strings share the head's memory.
func TestRequestHead(t *testing.T) {
	for _, head := range []string{
		"GET /chat?x=1 HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Multi: a\r\nX-Multi: b\r\n" +
			"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" +
			"origin:   http://example.com \t\r\nSec-WebSocket-Protocol: chat, superchat\r\nsec-websocket-protocol: v2\r\n\r\n",
		"GET ws://example.com/ HTTP/1.1\r\nhost: example.com:8080\r\nupgrade: WebSocket\r\nconnection: keep-alive, Upgrade\r\n" +
			"sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n",
	} {
		req, err := ParseUpgradeRequest([]byte(head))
		if err != nil {
			t.Fatal(err)
		}
		h := req.Head()
		if h == "" {
			t.Fatal("a parsed request kept no head")
		}
		if h.URI() != req.URI || h.Value("Host") != req.Host || h.Value("ORIGIN") != req.Origin {
			t.Errorf("URI %q Host %q Origin %q, want %q %q %q", h.URI(), h.Value("Host"), h.Value("ORIGIN"), req.URI, req.Host, req.Origin)
		}
		if got := h.Protocols(); !reflect.DeepEqual(got, req.Protocols) {
			t.Errorf("Protocols %q, want %q", got, req.Protocols)
		}
		if got := h.Values("x-multi"); !reflect.DeepEqual(got, req.Header()["X-Multi"]) {
			t.Errorf("Values(x-multi) %q, want %q", got, req.Header()["X-Multi"])
		}
		if h.Value("Absent") != "" || h.Values("Absent") != nil {
			t.Error("an absent header has a value")
		}
		hdr := h.Header()
		if !reflect.DeepEqual(hdr, req.Header()) {
			t.Fatalf("Header() = %v, want %v", hdr, req.Header())
		}
		hdr.Set("Host", "changed") // a fresh map each time: the caller may change it
		if h.Header().Get("Host") != req.Host {
			t.Fatal("Header() returned a shared map")
		}
		// The values are slices of the head, not copies.
		start, end := uintptr(unsafe.Pointer(unsafe.StringData(string(h)))), uintptr(len(h))
		if p := uintptr(unsafe.Pointer(unsafe.StringData(h.URI()))); p < start || p >= start+end {
			t.Error("URI() copied the target out of the head")
		}
	}
	// A request built from net/http has no head.
	r, err := CheckRequest(&http.Request{Method: "GET", RequestURI: "/", Proto: "HTTP/1.1", Host: "example.com",
		Header: http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}, "Sec-Websocket-Version": {"13"},
			"Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}}})
	if err != nil || r.Head() != "" {
		t.Fatalf("CheckRequest: %v, head %q", err, r.Head())
	}
}

// TestUpgradeAllocs holds the server side of a plain upgrade to what an
// open connection keeps: parsing a head that arrives whole allocates the
// parser (with the request inside it) and the kept head string, and the
// 101 response goes into the caller's buffer.
func TestUpgradeAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage counters allocate")
	}
	in := []byte("GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: http://example.com\r\n\r\n")
	var req *UpgradeRequest
	if n := testing.AllocsPerRun(100, func() {
		p := new(RequestParser)
		var err error
		if req, _, err = p.Feed(in); err != nil || req == nil {
			t.Fatal(req, err)
		}
	}); n > 2 {
		t.Errorf("parsing a request allocates %v times, want at most 2", n)
	}
	buf := make([]byte, 0, 512)
	if n := testing.AllocsPerRun(100, func() {
		out, err := AppendAccept(buf[:0], req, AcceptOptions{})
		if err != nil || !bytes.Contains(out, []byte("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n")) {
			t.Fatalf("%q %v", out, err)
		}
	}); n != 0 {
		t.Errorf("AppendAccept into a buffer with room allocates %v times", n)
	}
}
