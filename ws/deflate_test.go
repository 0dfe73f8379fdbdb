package ws

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// TestServerDeflateNegotiation covers the server's side of RFC 7692 §5 and
// §7.1: which offer it accepts and what its response says.
func TestServerDeflateNegotiation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   DeflateOptions
		off    bool // DisablePermessageDeflate
		offer  string
		answer string // "" when declined
	}{
		{name: "plain", offer: "permessage-deflate", answer: "permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
		{name: "takeover-allowed", opts: DeflateOptions{ServerContextTakeover: true, ClientContextTakeover: true}, offer: "permessage-deflate", answer: "permessage-deflate"},
		{name: "client-asks-server-no-takeover", opts: DeflateOptions{ServerContextTakeover: true, ClientContextTakeover: true}, offer: "permessage-deflate; server_no_context_takeover", answer: "permessage-deflate; server_no_context_takeover"},
		{name: "client-declares-no-takeover", opts: DeflateOptions{ServerContextTakeover: true, ClientContextTakeover: true}, offer: "permessage-deflate; client_no_context_takeover", answer: "permessage-deflate; client_no_context_takeover"},
		{name: "server-window-accepted", opts: DeflateOptions{ServerContextTakeover: true, ClientContextTakeover: true}, offer: "permessage-deflate; server_max_window_bits=10", answer: "permessage-deflate; server_max_window_bits=10"},
		{name: "client-window-limited", opts: DeflateOptions{ServerContextTakeover: true, ClientContextTakeover: true, ClientMaxWindowBits: 9}, offer: "permessage-deflate; client_max_window_bits", answer: "permessage-deflate; client_max_window_bits=9"},
		{name: "client-window-not-offered", opts: DeflateOptions{ServerContextTakeover: true, ClientContextTakeover: true, ClientMaxWindowBits: 9}, offer: "permessage-deflate", answer: "permessage-deflate"},
		{name: "unknown-param-declined", offer: "permessage-deflate; foo=1"},
		{name: "bad-window-declined", offer: "permessage-deflate; server_max_window_bits=7"},
		{name: "window-16-declined", offer: "permessage-deflate; client_max_window_bits=16"},
		{name: "duplicate-param-declined", offer: "permessage-deflate; server_no_context_takeover; server_no_context_takeover"},
		{name: "value-on-flag-declined", offer: "permessage-deflate; server_no_context_takeover=1"},
		{name: "second-offer-chosen", opts: DeflateOptions{ServerContextTakeover: true, ClientContextTakeover: true}, offer: "permessage-deflate; foo, permessage-deflate; client_no_context_takeover", answer: "permessage-deflate; client_no_context_takeover"},
		{name: "disabled", off: true, offer: "permessage-deflate"},
		{name: "unknown-extension-ignored", offer: "x-webkit-deflate-frame"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, r := serverConn(t, Options{Conn: ConnOptions{Deflate: tt.opts, DisablePermessageDeflate: tt.off}}, "Sec-WebSocket-Extensions: "+tt.offer)
			if got := r.resp.Header.Get("Sec-WebSocket-Extensions"); got != tt.answer {
				t.Fatalf("answered %q, want %q", got, tt.answer)
			}
			if c.Compressed() != (tt.answer != "") {
				t.Fatalf("Compressed() = %v", c.Compressed())
			}
		})
	}
}

// TestDeflateIdleState checks what a connection keeps after compressed
// messages: nothing without context takeover, a flate writer and a bounded
// dictionary with it.
func TestDeflateIdleState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		opts       DeflateOptions
		retained   bool // decompression dictionary kept
		compressor bool // flate writer kept
	}{
		{name: "default"},
		{name: "client-takeover", opts: DeflateOptions{ClientContextTakeover: true}, retained: true},
		{name: "server-takeover", opts: DeflateOptions{ServerContextTakeover: true}, compressor: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conns := make(chan *Conn, 1)
			s := startServer(t, Options{Conn: ConnOptions{Deflate: tt.opts}, Events: Events{
				OnConnected: func(c *Conn) { conns <- c },
				OnDataIn: func(c *Conn, f DataFormat, data []byte, eom, eol bool) {
					_, _ = c.SendMessage(SendFormatOf(f), data)
				},
			}})
			cl := dialT(t, s.URL(), &DialOptions{Conn: ConnOptions{Deflate: DeflateOptions{ServerContextTakeover: true, ClientContextTakeover: true}}})
			sc := <-conns
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			msg := bytes.Repeat([]byte("idle state "), 300)
			for range 3 {
				_ = cl.WriteMessage(ctx, DataText, msg)
				if _, got, err := cl.ReadMessage(ctx); err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("echo: %v", err)
				}
			}
			retained, compressor := sc.deflateState()
			if (retained > 0) != tt.retained || retained > 1<<15 {
				t.Fatalf("decompressor keeps %d bytes", retained)
			}
			if compressor != tt.compressor {
				t.Fatalf("compressor keeps a flate writer: %v", compressor)
			}
		})
	}
}
