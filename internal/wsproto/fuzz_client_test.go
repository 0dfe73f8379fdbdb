package wsproto

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzHandshake is the client handshake FuzzResponseParser checks
// responses against.
func fuzzHandshake() *ClientHandshake {
	offer, _ := DeflateConfig{ServerNoContextTakeover: true}.Offer()
	return &ClientHandshake{Host: "x", URI: "/", Key: "dGhlIHNhbXBsZSBub25jZQ==", Protocols: []string{"chat", "v2"}, Extensions: []Extension{offer}}
}

// FuzzResponseParser: the client's response parser gives the same result
// whether the bytes come whole or in two pieces; a head ends at its first
// blank line (it is then parsed or refused, never left waiting); a parsed
// response has a 3-digit status, valid header fields and survives being
// written out and parsed again; and ClientHandshake.Check accepts only a
// 101 with the right Sec-WebSocket-Accept, an offered subprotocol and
// offered extensions.
func FuzzResponseParser(f *testing.F) {
	ok := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	for _, s := range []string{
		ok + "\r\n\x81\x02hi",
		ok + "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n\r\n",
		ok + "Sec-WebSocket-Protocol: other\r\n\r\n",
		ok + "Sec-WebSocket-Extensions: x-unknown\r\n\r\n",
		"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic\r\nContent-Length: 3\r\n\r\nno\n",
		"HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\n\n",
		"HTTP/1.0 200\r\n\r\n",
		"HTTP/1.1 1010 x\r\n\r\n",
		"HTTP/1.1 101 OK\r\nX : y\r\n\r\n",
	} {
		f.Add([]byte(s), uint16(len(s)/2))
	}
	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		const max = 4096
		feed := func(pieces ...[]byte) (*UpgradeResponse, []byte, error) {
			p := ResponseParser{MaxHeaderBytes: max}
			for i, b := range pieces {
				resp, rest, err := p.Feed(bytes.Clone(b))
				if err != nil {
					return nil, nil, err
				}
				if resp != nil {
					for _, later := range pieces[i+1:] {
						rest = append(rest, later...)
					}
					return resp, rest, nil
				}
			}
			return nil, nil, nil
		}
		resp, rest, err := feed(data)
		at := int(split) % (len(data) + 1)
		resp2, rest2, err2 := feed(data[:at], data[at:])
		if (err == nil) != (err2 == nil) || !reflect.DeepEqual(resp, resp2) || !bytes.Equal(rest, rest2) {
			t.Fatalf("whole: %+v %q %v; split at %d: %+v %q %v", resp, rest, err, at, resp2, rest2, err2)
		}
		if end, next := headEnd(data, 0); end >= 0 && next <= max && resp == nil && err == nil {
			t.Fatalf("a head that ends at %d is still waiting for bytes", next)
		}
		if err != nil {
			var he *HandshakeError
			if !errors.As(err, &he) || he.Status != 0 && !errors.Is(err, ErrHeaderTooLarge) {
				t.Fatalf("error %v is not a client-side *HandshakeError", err)
			}
			return
		}
		if resp == nil {
			return
		}
		if resp.Status < 100 || resp.Status > 999 {
			t.Fatalf("status %d", resp.Status)
		}
		for k, vs := range resp.Header {
			for _, v := range vs {
				if checkHeaderField(k, v) != nil {
					t.Fatalf("header %q: %q", k, v)
				}
			}
		}
		// Written out and parsed again, the response is the same.
		var b bytes.Buffer
		fmt.Fprintf(&b, "%s %03d %s\r\n", resp.Proto, resp.Status, resp.Reason)
		if err := resp.Header.Write(&b); err != nil {
			t.Fatal(err)
		}
		b.WriteString("\r\n")
		again, _, err := feed(b.Bytes())
		if err != nil || again == nil || again.Status != resp.Status || again.Proto != resp.Proto || again.Reason != resp.Reason || !reflect.DeepEqual(again.Header, resp.Header) {
			t.Fatalf("%+v written as %q parses as %+v, %v", resp, b.Bytes(), again, err)
		}

		c := fuzzHandshake()
		if err := c.Check(resp); err != nil {
			if !errors.Is(err, ErrBadHandshake) {
				t.Fatalf("Check: %v does not wrap ErrBadHandshake", err)
			}
			return
		}
		if resp.Status != http.StatusSwitchingProtocols || resp.Header.Get("Sec-Websocket-Accept") != AcceptKey(c.Key) {
			t.Fatalf("Check accepted status %d, accept %q", resp.Status, resp.Header.Get("Sec-Websocket-Accept"))
		}
		if resp.Protocol != "" && !slices.Contains(c.Protocols, resp.Protocol) {
			t.Fatalf("Check accepted subprotocol %q", resp.Protocol)
		}
		for _, e := range resp.Extensions {
			if !strings.EqualFold(e.Name, DeflateExtensionName) {
				t.Fatalf("Check accepted extension %q, which was not offered", e.Name)
			}
		}
	})
}

// FuzzAcceptDeflateResponse: the client's check of a server's
// permessage-deflate answer to any offer. What it accepts keeps every
// promise of RFC 7692 §7 (known parameters only, each once; what the offer
// asked for granted; window bits within what was offered or asked), its
// parameters make a compressor and decompressor pair that round-trips a
// message in each direction, and the server's own answer to the offer
// (Negotiate) is always accepted with the same parameters.
func FuzzAcceptDeflateResponse(f *testing.F) {
	for _, s := range [][2]string{
		{"permessage-deflate; client_max_window_bits", "permessage-deflate"},
		{"permessage-deflate; client_max_window_bits", "permessage-deflate; client_max_window_bits=9"},
		{"permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_max_window_bits=12"},
		{"permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_max_window_bits=8; server_no_context_takeover"},
		{"permessage-deflate; server_no_context_takeover", "permessage-deflate"},
		{"permessage-deflate", "permessage-deflate; client_max_window_bits=10"},
		{"permessage-deflate; client_max_window_bits=12", "permessage-deflate; client_max_window_bits=13"},
		{"permessage-deflate", "permessage-deflate; x=1"},
		{"permessage-deflate", "permessage-deflate; server_no_context_takeover; server_no_context_takeover"},
		{"permessage-deflate", "x-other"},
		{"permessage-deflate; client_no_context_takeover", "permessage-deflate; server_max_window_bits=08"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, offerHeader, respHeader string) {
		offers, err1 := ParseExtensions([]string{offerHeader})
		resps, err2 := ParseExtensions([]string{respHeader})
		if err1 != nil || err2 != nil || len(offers) == 0 || len(resps) == 0 {
			return
		}
		offer, resp := offers[0], resps[0]
		o, offerErr := parseDeflateParams(offer, false)

		// The server's answer to a valid offer is always accepted, alike.
		if offerErr == nil && strings.EqualFold(offer.Name, DeflateExtensionName) {
			for _, cfg := range []DeflateConfig{{}, {ClientMaxWindowBits: 9, ClientNoContextTakeover: true, ServerNoContextTakeover: true}} {
				sresp, sparams, ok, err := cfg.Negotiate([]Extension{offer})
				if err != nil || !ok {
					t.Fatalf("Negotiate refused a valid offer %q: %v", offer, err)
				}
				cparams, err := AcceptDeflateResponse(offer, sresp)
				if err != nil || cparams != sparams {
					t.Fatalf("offer %q, server's answer %q: client %+v %v, server %+v", offer, sresp, cparams, err, sparams)
				}
			}
		}

		p, err := AcceptDeflateResponse(offer, resp)
		if err != nil {
			if !errors.Is(err, ErrDeflateNegotiation) {
				t.Fatalf("%v does not wrap ErrDeflateNegotiation", err)
			}
			return
		}
		if offerErr != nil {
			t.Fatalf("accepted an answer to an invalid offer %q", offer)
		}
		r, rerr := parseDeflateParams(resp, true)
		switch {
		case !strings.EqualFold(resp.Name, DeflateExtensionName):
			t.Fatalf("accepted extension %q", resp.Name)
		case rerr != nil:
			t.Fatalf("accepted %q: %v", resp, rerr)
		case o.serverNoCtx && !p.ServerNoContextTakeover:
			t.Fatalf("server_no_context_takeover asked, not granted: %q", resp)
		case r.clientBits != 0 && o.clientBits == 0:
			t.Fatalf("client_max_window_bits in the answer, not offered: %q", resp)
		case o.serverBits != 0 && p.ServerMaxWindowBits > o.serverBits:
			t.Fatalf("server window %d over the %d asked", p.ServerMaxWindowBits, o.serverBits)
		case o.clientBits > 0 && p.ClientMaxWindowBits > o.clientBits:
			t.Fatalf("client window %d over the %d offered", p.ClientMaxWindowBits, o.clientBits)
		case p.ClientNoContextTakeover != (o.clientNoCtx || r.clientNoCtx):
			t.Fatalf("client_no_context_takeover %v, offer %v, answer %v", p.ClientNoContextTakeover, o.clientNoCtx, r.clientNoCtx)
		}
		for _, bits := range []int{p.ServerMaxWindowBits, p.ClientMaxWindowBits} {
			if bits < 8 || bits > 15 {
				t.Fatalf("window bits %d", bits)
			}
		}
		// The parameters work: two messages each way.
		msg := bytes.Repeat([]byte("permessage-deflate "), 100)
		for _, from := range bothRoles {
			c, err := p.NewCompressor(from, 0)
			if err != nil {
				t.Fatal(err)
			}
			d := p.NewDecompressor(peerOf(from))
			for range 2 {
				got, err := d.Decompress(nil, c.Compress(nil, msg), -1)
				if err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("%+v, from the %v: %d bytes, %v", p, from, len(got), err)
				}
			}
		}
	})
}

// FuzzParseClosePayload: a Close body is accepted only with no body or a
// code valid on the wire and a UTF-8 reason, and then writes back to the
// same bytes; refusals are 1002 (length 1, a code not allowed) or 1007 (a
// reason that is not UTF-8) as RFC 6455 §5.5.1, §7.4 and §8.1 say.
func FuzzParseClosePayload(f *testing.F) {
	for _, p := range [][]byte{nil, {3}, {3, 232}, {3, 232, 'o', 'k'}, {3, 237}, {3, 238}, {0x0f, 0xa0}, {0x13, 0x88}, {3, 232, 0xff}, {0x0b, 0xb8, 0xc3, 0xa9}} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		code, reason, err := ParseClosePayload(p)
		if err != nil {
			want := CloseProtocolError
			if len(p) >= 2 && CloseCode(uint16(p[0])<<8|uint16(p[1])).ValidOnWire() {
				want = CloseInvalidPayload
			}
			if CloseCodeOf(err) != want {
				t.Fatalf("%x: %v, want close %d", p, err, want)
			}
			if want == CloseInvalidPayload && utf8.Valid(p[2:]) {
				t.Fatalf("%x: the reason is UTF-8 but refused: %v", p, err)
			}
			return
		}
		if len(p) == 0 {
			if code != CloseNoStatus || reason != "" {
				t.Fatalf("an empty body gave %d %q", code, reason)
			}
		} else if !code.ValidOnWire() || !utf8.ValidString(reason) || len(reason) != len(p)-2 {
			t.Fatalf("%x: accepted %d %q", p, code, reason)
		}
		out, err := AppendClosePayload(nil, code, reason)
		if len(reason) > MaxCloseReason {
			if !errors.Is(err, ErrControlTooLong) {
				t.Fatalf("a %d-byte reason: %v", len(reason), err)
			}
			return
		}
		if err != nil || !bytes.Equal(out, p) {
			t.Fatalf("%x parsed as %d %q writes %x, %v", p, code, reason, out, err)
		}
	})
}
