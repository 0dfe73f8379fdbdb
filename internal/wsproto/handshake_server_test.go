package wsproto

import (
	"net/http"
	"reflect"
	"testing"
)

func TestUpgradeRequestCompact(t *testing.T) {
	head := "GET /chat?x=1 HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Multi: a\r\nX-Multi: b\r\n" +
		"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
	req, err := ParseUpgradeRequest([]byte(head))
	if err != nil {
		t.Fatal(err)
	}
	c := req.Compact()
	if c == req || c.Header != nil {
		t.Fatalf("Compact kept the header map (same request %v)", c == req)
	}
	if c.Extensions != nil || len(req.Extensions) != 1 {
		t.Fatalf("Compact kept the offered extensions %v (original %v)", c.Extensions, req.Extensions)
	}
	if req.Header == nil {
		t.Fatal("Compact changed the original request")
	}
	if c.URI != "/chat?x=1" || c.Host != "example.com" || c.Key != "dGhlIHNhbXBsZSBub25jZQ==" {
		t.Fatalf("fields lost: %+v", c)
	}
	h := c.Headers()
	if !reflect.DeepEqual(h, req.Header) {
		t.Fatalf("Headers() = %v, want %v", h, req.Header)
	}
	h.Set("X-Multi", "changed") // a fresh map each time: the caller may change it
	if got := c.Headers()["X-Multi"]; !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("second Headers() X-Multi = %q", got)
	}
	// A request built from net/http has no head: Compact keeps it whole.
	r2 := &UpgradeRequest{Header: http.Header{"A": {"b"}}}
	if r2.Compact() != r2 || r2.Headers()["A"][0] != "b" {
		t.Fatal("request without a head was compacted")
	}
}
