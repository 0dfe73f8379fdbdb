package wsproto

import (
	"bytes"
	"compress/flate"
	"errors"
	"strings"
	"testing"
)

func exts(t testing.TB, s string) []Extension {
	t.Helper()
	e, err := ParseExtensions([]string{s})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestRFC7692_7_Negotiate: the server declines invalid offers (unknown
// parameter, invalid value, duplicates) and accepts the first valid one.
func TestRFC7692_7_Negotiate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		cfg    DeflateConfig
		offer  string
		resp   string // "" = declined
		params DeflateParams
	}{
		{"plain", DeflateConfig{}, "permessage-deflate", "permessage-deflate", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"browser offer", DeflateConfig{}, "permessage-deflate; client_max_window_bits", "permessage-deflate", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"server limits client window", DeflateConfig{ClientMaxWindowBits: 10}, "permessage-deflate; client_max_window_bits", "permessage-deflate; client_max_window_bits=10", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 10}},
		{"client window not offered: no limit", DeflateConfig{ClientMaxWindowBits: 10}, "permessage-deflate", "permessage-deflate", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"client window value echoed", DeflateConfig{}, "permessage-deflate; client_max_window_bits=12", "permessage-deflate; client_max_window_bits=12", DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 12}},
		{"no context both", DeflateConfig{}, "permessage-deflate; server_no_context_takeover; client_no_context_takeover", "permessage-deflate; server_no_context_takeover; client_no_context_takeover", DeflateParams{true, true, 15, 15}},
		{"server imposes no context", DeflateConfig{ServerNoContextTakeover: true}, "permessage-deflate", "permessage-deflate; server_no_context_takeover", DeflateParams{ServerNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"small server window", DeflateConfig{}, "permessage-deflate; server_max_window_bits=9", "permessage-deflate; server_max_window_bits=9", DeflateParams{ServerMaxWindowBits: 9, ClientMaxWindowBits: 15}},
		{"unknown param", DeflateConfig{}, "permessage-deflate; foo", "", DeflateParams{}},
		{"duplicate", DeflateConfig{}, "permessage-deflate; server_no_context_takeover; server_no_context_takeover", "", DeflateParams{}},
		{"bits 7", DeflateConfig{}, "permessage-deflate; server_max_window_bits=7", "", DeflateParams{}},
		{"bits 16", DeflateConfig{}, "permessage-deflate; client_max_window_bits=16", "", DeflateParams{}},
		{"leading zero", DeflateConfig{}, "permessage-deflate; server_max_window_bits=09", "", DeflateParams{}},
		{"server bits without value", DeflateConfig{}, "permessage-deflate; server_max_window_bits", "", DeflateParams{}},
		{"no_context with value", DeflateConfig{}, "permessage-deflate; client_no_context_takeover=1", "", DeflateParams{}},
		{"fallback to second offer", DeflateConfig{}, "permessage-deflate; bogus, permessage-deflate; client_no_context_takeover", "permessage-deflate; client_no_context_takeover", DeflateParams{ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}},
		{"other extension only", DeflateConfig{}, "x-webkit-deflate-frame", "", DeflateParams{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, params, ok, err := tc.cfg.Negotiate(exts(t, tc.offer))
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				if tc.resp != "" {
					t.Fatalf("declined, want %q", tc.resp)
				}
				return
			}
			if resp.String() != tc.resp || params != tc.params {
				t.Fatalf("got %q %+v, want %q %+v", resp.String(), params, tc.resp, tc.params)
			}
			// The client that sent this offer accepts the response and agrees.
			var offer Extension
			for _, o := range exts(t, tc.offer) {
				if o.Name == DeflateExtensionName {
					if _, err := parseDeflateParams(o, false); err == nil {
						offer = o
						break
					}
				}
			}
			cp, err := AcceptDeflateResponse(offer, resp)
			if err != nil || cp != params {
				t.Fatalf("client: %+v %v, server %+v", cp, err, params)
			}
		})
	}
	if _, _, _, err := (DeflateConfig{ClientMaxWindowBits: 16}).Negotiate(nil); err == nil {
		t.Fatal("invalid config accepted")
	}
}

// TestRFC7692_7_ClientChecksResponse: the client fails on responses RFC
// 7692 §7 forbids.
func TestRFC7692_7_ClientChecksResponse(t *testing.T) {
	t.Parallel()
	offer, _ := DeflateConfig{ServerNoContextTakeover: true, ServerMaxWindowBits: 12}.Offer()
	if offer.String() != "permessage-deflate; server_no_context_takeover; server_max_window_bits=12; client_max_window_bits" {
		t.Fatal(offer.String())
	}
	plainOffer, _ := DeflateConfig{}.Offer()
	noBitsOffer := Extension{Name: DeflateExtensionName}
	for _, tc := range []struct {
		name  string
		offer Extension
		resp  string
		ok    bool
	}{
		{"accepted as asked", offer, "permessage-deflate; server_no_context_takeover; server_max_window_bits=10", true},
		{"no_context missing", offer, "permessage-deflate; server_max_window_bits=12", false},
		{"bits missing", offer, "permessage-deflate; server_no_context_takeover", false},
		{"bits larger", offer, "permessage-deflate; server_no_context_takeover; server_max_window_bits=13", false},
		{"unknown", plainOffer, "permessage-deflate; foo=1", false},
		{"duplicate", plainOffer, "permessage-deflate; client_no_context_takeover; client_no_context_takeover", false},
		{"client bits without value", plainOffer, "permessage-deflate; client_max_window_bits", false},
		{"client bits not offered", noBitsOffer, "permessage-deflate; client_max_window_bits=10", false},
		{"server volunteers bits", noBitsOffer, "permessage-deflate; server_max_window_bits=10", true},
		{"server volunteers no_context", noBitsOffer, "permessage-deflate; server_no_context_takeover", true},
	} {
		_, err := AcceptDeflateResponse(tc.offer, exts(t, tc.resp)[0])
		if (err == nil) != tc.ok || err != nil && !errors.Is(err, ErrDeflateNegotiation) {
			t.Fatalf("%s: %v", tc.name, err)
		}
	}
}

// TestDeflateParamsCodecs: the codecs built from negotiated parameters
// interoperate and honour window limits with Huffman-only compression.
func TestDeflateParamsCodecs(t *testing.T) {
	t.Parallel()
	params := DeflateParams{ServerNoContextTakeover: true, ServerMaxWindowBits: 9, ClientMaxWindowBits: 15}
	sc, _ := params.NewCompressor(RoleServer, 0)
	if sc.Level() != flate.HuffmanOnly || sc.ContextTakeover() {
		t.Fatalf("server compressor level %d takeover %v", sc.Level(), sc.ContextTakeover())
	}
	cc, _ := params.NewCompressor(RoleClient, 0)
	if cc.Level() != DefaultCompressionLevel || !cc.ContextTakeover() {
		t.Fatal("client compressor")
	}
	msg := []byte(strings.Repeat("window ", 100))
	for _, dir := range []struct {
		c *Compressor
		d *Decompressor
	}{{sc, params.NewDecompressor(RoleClient)}, {cc, params.NewDecompressor(RoleServer)}} {
		for range 3 {
			got, err := dir.d.Decompress(nil, dir.c.Compress(nil, msg), -1)
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatal(err)
			}
		}
	}
}

func FuzzDeflateNegotiation(f *testing.F) {
	f.Add("permessage-deflate; client_max_window_bits", 0, false)
	f.Add("permessage-deflate; server_max_window_bits=10; client_max_window_bits=9, permessage-deflate", 12, true)
	f.Add("permessage-deflate; server_no_context_takeover; client_no_context_takeover", 8, false)
	f.Add("permessage-deflate; foo, x; y=\"z\"", 0, true)
	f.Fuzz(func(t *testing.T, header string, clientBits int, serverNoCtx bool) {
		offers, err := ParseExtensions([]string{header})
		if err != nil {
			return
		}
		cfg := DeflateConfig{ClientMaxWindowBits: clientBits, ServerNoContextTakeover: serverNoCtx}
		resp, params, ok, err := cfg.Negotiate(offers)
		if err != nil || !ok {
			return
		}
		var offer Extension
		for _, o := range offers {
			if strings.EqualFold(o.Name, DeflateExtensionName) {
				if _, err := parseDeflateParams(o, false); err == nil {
					offer = o
					break
				}
			}
		}
		cp, err := AcceptDeflateResponse(offer, resp)
		if err != nil || cp != params {
			t.Fatalf("offer %q response %q: client %+v %v, server %+v", offer, resp, cp, err, params)
		}
		// The response must survive formatting and re-parsing.
		again, err := ParseExtensions([]string{resp.String()})
		if err != nil || len(again) != 1 || again[0].String() != resp.String() {
			t.Fatalf("response %q does not round-trip", resp)
		}
	})
}
