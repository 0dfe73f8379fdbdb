package wsproto

import (
	"compress/flate"
	"errors"
	"strconv"
	"strings"
)

// DeflateExtensionName is the RFC 7692 extension token.
const DeflateExtensionName = "permessage-deflate"

// ErrDeflateNegotiation is wrapped by errors from a permessage-deflate
// response the client must refuse (RFC 7692 §7: _Fail the WebSocket
// Connection_, close 1010 is not used since the handshake is not finished).
var ErrDeflateNegotiation = errors.New("wsproto: permessage-deflate negotiation failed")

// DeflateConfig is this endpoint's permessage-deflate policy. The zero
// value accepts or offers permessage-deflate with context takeover in both
// directions, no window limits and compression level 1.
//
// compress/flate always compresses with a 32 KiB window and cannot be told
// to use less. When the peer limits our window below 15 bits (a server
// receiving server_max_window_bits < 15, a client receiving
// client_max_window_bits < 15) we honour the limit by compressing with
// flate.HuffmanOnly, which uses no LZ77 window at all: correct for any
// limit, at a lower ratio. Our decompressor handles every window size.
type DeflateConfig struct {
	// Level is the compress/flate level, 1-9 (0: DefaultCompressionLevel).
	Level int
	// ServerNoContextTakeover: a server always includes it in its response
	// (RFC 7692 §7.1.1.1 allows this), so its compressor keeps no state
	// between messages; a client asks for it in its offer.
	ServerNoContextTakeover bool
	// ClientNoContextTakeover: a server includes it in its response, so the
	// client compresses messages independently and the server keeps no
	// decompression dictionary; a client declares it in its offer and does
	// not take over context.
	ClientNoContextTakeover bool
	// ServerMaxWindowBits (8-15, 0 for none): a client asks the server to
	// use at most this window. A server ignores it.
	ServerMaxWindowBits int
	// ClientMaxWindowBits (8-15, 0 for none): a server limits the client's
	// window to this when the client's offer allows it, which shrinks the
	// server's decompression dictionary to 2^bits bytes; a client sends it
	// as its own limit in the offer.
	ClientMaxWindowBits int
}

// DeflateParams are the negotiated permessage-deflate parameters of a
// connection. Window bits are 15 when the parameter was absent.
type DeflateParams struct {
	ServerNoContextTakeover bool
	ClientNoContextTakeover bool
	ServerMaxWindowBits     int
	ClientMaxWindowBits     int
}

func (c DeflateConfig) validate() error {
	if c.Level != 0 && (c.Level < flate.BestSpeed || c.Level > flate.BestCompression) {
		return errors.New("wsproto: permessage-deflate level " + strconv.Itoa(c.Level) + " not supported; use 1-9")
	}
	for _, b := range []int{c.ServerMaxWindowBits, c.ClientMaxWindowBits} {
		if b != 0 && (b < 8 || b > 15) {
			return errors.New("wsproto: permessage-deflate window bits " + strconv.Itoa(b) + " not supported; use 8-15")
		}
	}
	return nil
}

// offerParams is a parsed offer or response.
type deflateParamSet struct {
	serverNoCtx, clientNoCtx bool
	serverBits               int // 0 absent
	clientBits               int // 0 absent, -1 present without value
}

// parseDeflateParams applies RFC 7692 §7's rules shared by offers and
// responses: known names only, no duplicates, valid values.
func parseDeflateParams(e Extension, response bool) (deflateParamSet, error) {
	var s deflateParamSet
	seen := map[string]bool{}
	for _, p := range e.Params {
		name := strings.ToLower(p.Name)
		if seen[name] {
			return s, errors.New("parameter " + p.Name + " appears twice")
		}
		seen[name] = true
		switch name {
		case "server_no_context_takeover", "client_no_context_takeover":
			if p.HasValue {
				return s, errors.New("parameter " + p.Name + " takes no value")
			}
			if name[0] == 's' {
				s.serverNoCtx = true
			} else {
				s.clientNoCtx = true
			}
		case "server_max_window_bits", "client_max_window_bits":
			if !p.HasValue {
				if name[0] == 's' || response {
					return s, errors.New("parameter " + p.Name + " needs a value")
				}
				s.clientBits = -1
				continue
			}
			bits, ok := windowBits(p.Value)
			if !ok {
				return s, errors.New("parameter " + p.Name + "=" + p.Value + " is not 8-15")
			}
			if name[0] == 's' {
				s.serverBits = bits
			} else {
				s.clientBits = bits
			}
		default:
			return s, errors.New("unknown parameter " + p.Name)
		}
	}
	return s, nil
}

// windowBits parses an RFC 7692 window bits value: a decimal 8-15 without
// leading zeroes.
func windowBits(v string) (int, bool) {
	if len(v) == 0 || len(v) > 2 || v[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 8 || n > 15 {
		return 0, false
	}
	return n, true
}

// Negotiate is the server side (RFC 7692 §5, §7): it picks the first
// acceptable permessage-deflate offer among the client's extensions and
// returns the response element and the negotiated parameters. Offers with
// unknown parameters, duplicated parameters or invalid values are declined
// (MUST, §7); ok=false means no offer was acceptable and the connection
// proceeds without compression. An invalid config returns an error.
func (c DeflateConfig) Negotiate(offers []Extension) (resp Extension, params DeflateParams, ok bool, err error) {
	if err := c.validate(); err != nil {
		return Extension{}, DeflateParams{}, false, err
	}
	for _, o := range offers {
		if !strings.EqualFold(o.Name, DeflateExtensionName) {
			continue
		}
		s, err := parseDeflateParams(o, false)
		if err != nil {
			continue // declined, try the next offer
		}
		resp, params = c.respond(s)
		return resp, params, true, nil
	}
	return Extension{}, DeflateParams{}, false, nil
}

func (c DeflateConfig) respond(s deflateParamSet) (Extension, DeflateParams) {
	p := DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	resp := Extension{Name: DeflateExtensionName}
	add := func(name string, value int) {
		ep := ExtensionParam{Name: name}
		if value > 0 {
			ep.Value, ep.HasValue = strconv.Itoa(value), true
		}
		resp.Params = append(resp.Params, ep)
	}
	if s.serverNoCtx || c.ServerNoContextTakeover {
		p.ServerNoContextTakeover = true
		add("server_no_context_takeover", 0)
	}
	if s.clientNoCtx || c.ClientNoContextTakeover {
		p.ClientNoContextTakeover = true
		add("client_no_context_takeover", 0)
	}
	if s.serverBits != 0 {
		// Accepted with the same value (§7.1.2.1); honoured by Huffman-only
		// compression when below 15.
		p.ServerMaxWindowBits = s.serverBits
		add("server_max_window_bits", s.serverBits)
	}
	if s.clientBits != 0 { // the client allows us to limit its window
		bits := 15
		if s.clientBits > 0 {
			bits = s.clientBits
		}
		if c.ClientMaxWindowBits != 0 {
			bits = min(bits, c.ClientMaxWindowBits)
		}
		p.ClientMaxWindowBits = bits
		if bits < 15 || s.clientBits > 0 {
			add("client_max_window_bits", bits)
		}
	}
	return resp, p
}

// Offer is the client side: the permessage-deflate element to put in the
// request. It always includes client_max_window_bits (we can honour any
// limit), plus the parameters c asks for.
func (c DeflateConfig) Offer() (Extension, error) {
	if err := c.validate(); err != nil {
		return Extension{}, err
	}
	o := Extension{Name: DeflateExtensionName}
	if c.ServerNoContextTakeover {
		o.Params = append(o.Params, ExtensionParam{Name: "server_no_context_takeover"})
	}
	if c.ClientNoContextTakeover {
		o.Params = append(o.Params, ExtensionParam{Name: "client_no_context_takeover"})
	}
	if c.ServerMaxWindowBits != 0 {
		o.Params = append(o.Params, ExtensionParam{Name: "server_max_window_bits", Value: strconv.Itoa(c.ServerMaxWindowBits), HasValue: true})
	}
	cb := ExtensionParam{Name: "client_max_window_bits"}
	if c.ClientMaxWindowBits != 0 {
		cb.Value, cb.HasValue = strconv.Itoa(c.ClientMaxWindowBits), true
	}
	o.Params = append(o.Params, cb)
	return o, nil
}

// AcceptDeflateResponse is the client's check of the server's
// permessage-deflate response against the offer it sent (RFC 7692 §7):
// unknown or duplicated parameters, invalid values, a
// client_max_window_bits that was not offered, a server_max_window_bits
// larger than requested or missing when requested, or a missing
// server_no_context_takeover that was requested all fail the connection.
func AcceptDeflateResponse(offer, resp Extension) (DeflateParams, error) {
	fail := func(msg string) (DeflateParams, error) {
		return DeflateParams{}, &HandshakeError{Msg: "permessage-deflate response: " + msg, Err: ErrDeflateNegotiation}
	}
	if !strings.EqualFold(resp.Name, DeflateExtensionName) {
		return fail("extension " + resp.Name + " is not permessage-deflate")
	}
	o, err := parseDeflateParams(offer, false)
	if err != nil {
		return fail("our own offer is invalid: " + err.Error())
	}
	r, err := parseDeflateParams(resp, true)
	if err != nil {
		return fail(err.Error())
	}
	p := DeflateParams{ServerNoContextTakeover: r.serverNoCtx, ClientNoContextTakeover: r.clientNoCtx || o.clientNoCtx,
		ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	if o.serverNoCtx && !r.serverNoCtx {
		return fail("server_no_context_takeover was requested but not accepted")
	}
	switch {
	case o.serverBits != 0 && r.serverBits == 0:
		return fail("server_max_window_bits was requested but not accepted")
	case o.serverBits != 0 && r.serverBits > o.serverBits:
		return fail("server_max_window_bits larger than requested")
	case r.serverBits != 0:
		p.ServerMaxWindowBits = r.serverBits
	}
	switch {
	case r.clientBits != 0 && o.clientBits == 0:
		return fail("client_max_window_bits was not offered")
	case r.clientBits > 0 && o.clientBits > 0 && r.clientBits > o.clientBits:
		return fail("client_max_window_bits larger than offered")
	case r.clientBits > 0:
		p.ClientMaxWindowBits = r.clientBits
	case o.clientBits > 0:
		p.ClientMaxWindowBits = o.clientBits
	}
	return p, nil
}

// NewCompressor returns the compressor for messages this endpoint sends:
// no context takeover when the negotiation forbids it for our direction,
// Huffman-only when our window was limited below 15 bits (see DeflateConfig).
func (p DeflateParams) NewCompressor(role Role, level int) (*Compressor, error) {
	noCtx, bits := p.ServerNoContextTakeover, p.ServerMaxWindowBits
	if role == RoleClient {
		noCtx, bits = p.ClientNoContextTakeover, p.ClientMaxWindowBits
	}
	if bits != 0 && bits < 15 {
		level = flate.HuffmanOnly
	}
	return NewCompressor(level, !noCtx)
}

// NewDecompressor returns the decompressor for messages the peer sends.
func (p DeflateParams) NewDecompressor(role Role) *Decompressor {
	noCtx, bits := p.ClientNoContextTakeover, p.ClientMaxWindowBits
	if role == RoleClient {
		noCtx, bits = p.ServerNoContextTakeover, p.ServerMaxWindowBits
	}
	return NewDecompressor(!noCtx, bits)
}
