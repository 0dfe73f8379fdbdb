package ws

import (
	"net/http"
	"strings"
	"testing"
)

func TestOpenRequestFields(t *testing.T) {
	t.Parallel()
	seen := make(chan OpenRequest, 1)
	s := startServer(t, Options{Events: Events{OnWebSocketOpenRequest: func(r *OpenRequest) {
		seen <- *r
		r.Protocol = "v2"
		r.ResponseHeader = http.Header{"X-Server": {"tlskit"}}
	}}, OriginPatterns: []string{"app.example"}})
	r := dialRaw(t, s.Addr().String())
	resp := r.upgrade("Origin: https://app.example", "Sec-WebSocket-Protocol: v1, v2", "Sec-WebSocket-Extensions: x-foo; a=1", "X-Custom: yes")
	got := <-seen
	if got.URI != "/chat" || got.Host != "example.com" || got.Origin != "https://app.example" ||
		strings.Join(got.Protocols, ",") != "v1,v2" || len(got.Extensions) != 1 || got.Extensions[0].Name != "x-foo" ||
		got.Header.Get("X-Custom") != "yes" || got.StatusCode != 101 || got.Conn == nil {
		t.Fatalf("OpenRequest %+v", got)
	}
	if resp.Status != 101 || resp.Header.Get("Sec-WebSocket-Protocol") != "v2" || resp.Header.Get("X-Server") != "tlskit" {
		t.Fatalf("response %d %v", resp.Status, resp.Header)
	}
	if resp.Header.Get("Sec-WebSocket-Extensions") != "" {
		t.Fatal("an unknown extension was accepted")
	}
	c, _ := s.Conn(1)
	if c.Protocol() != "v2" || c.Origin() != "https://app.example" || c.RequestURI() != "/chat" || c.Host() != "example.com" {
		t.Fatalf("Conn fields %q %q %q %q", c.Protocol(), c.Origin(), c.RequestURI(), c.Host())
	}
	if p := c.SubProtocols(); strings.Join(p, ",") != "v1,v2" || c.RequestHeader().Get("X-Custom") != "yes" {
		t.Fatalf("Conn offered subprotocols %q, request header X-Custom %q", p, c.RequestHeader().Get("X-Custom"))
	}
}

func TestOpenRequestRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		hook   func(r *OpenRequest)
		status int
		header string
		body   string
	}{
		{name: "401", hook: func(r *OpenRequest) {
			r.StatusCode = 401
			r.ResponseHeader = http.Header{"Www-Authenticate": {`Basic realm="Secure Realm"`}}
			r.ResponseBody = "log in"
		}, status: 401, header: `Basic realm="Secure Realm"`},
		{name: "404", hook: func(r *OpenRequest) { r.StatusCode = 404 }, status: 404},
		{name: "protocol-not-offered", hook: func(r *OpenRequest) { r.Protocol = "nope" }, status: 500},
		{name: "invalid-status", hook: func(r *OpenRequest) { r.StatusCode = 99 }, status: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errs := make(chan error, 4)
			s := startServer(t, Options{Events: Events{OnWebSocketOpenRequest: tt.hook, OnError: func(c *Conn, err error) { errs <- err }}})
			r := dialRaw(t, s.Addr().String())
			resp := r.upgrade("Sec-WebSocket-Protocol: chat")
			if resp.Status != tt.status {
				t.Fatalf("status %d, want %d", resp.Status, tt.status)
			}
			if tt.header != "" && resp.Header.Get("WWW-Authenticate") != tt.header {
				t.Fatalf("WWW-Authenticate %q", resp.Header.Get("WWW-Authenticate"))
			}
			if tt.status == 500 && len(errs) == 0 {
				t.Fatal("no OnError for a bad hook answer")
			}
			r.expectEOF()
		})
	}
}
