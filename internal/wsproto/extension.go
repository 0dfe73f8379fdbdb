package wsproto

import (
	"errors"
	"strings"
)

// Extension is one element of a Sec-WebSocket-Extensions header
// (RFC 6455 §9.1): a name and its parameters, in order.
type Extension struct {
	Name   string
	Params []ExtensionParam
}

// ExtensionParam is one extension parameter; HasValue distinguishes
// "client_max_window_bits" from "client_max_window_bits=15". A
// quoted-string value is stored unquoted.
type ExtensionParam struct {
	Name     string
	Value    string
	HasValue bool
}

// String formats e for a header: name; param; param=value.
func (e Extension) String() string {
	var b strings.Builder
	b.WriteString(e.Name)
	for _, p := range e.Params {
		b.WriteString("; ")
		b.WriteString(p.Name)
		if p.HasValue {
			b.WriteByte('=')
			b.WriteString(p.Value)
		}
	}
	return b.String()
}

// FormatExtensions joins extensions for one Sec-WebSocket-Extensions header.
func FormatExtensions(exts []Extension) string {
	s := make([]string, len(exts))
	for i, e := range exts {
		s[i] = e.String()
	}
	return strings.Join(s, ", ")
}

var errExtensionSyntax = errors.New("wsproto: malformed Sec-WebSocket-Extensions header")

// ParseExtensions parses the values of Sec-WebSocket-Extensions header
// lines (RFC 6455 §9.1 grammar: extension = token *(";" param), param =
// token ["=" (token / quoted-string)], where a quoted value must itself be
// a token once unquoted). Empty list elements are skipped, as the HTTP
// list rule allows.
func ParseExtensions(values []string) ([]Extension, error) {
	var out []Extension
	for _, v := range values {
		s := v
		for {
			s = trimOWS(s)
			if s == "" {
				break
			}
			if s[0] == ',' {
				s = s[1:]
				continue
			}
			var e Extension
			var ok bool
			if e.Name, s, ok = cutToken(s); !ok {
				return nil, errExtensionSyntax
			}
			for {
				s = trimOWS(s)
				if s == "" || s[0] == ',' {
					break
				}
				if s[0] != ';' {
					return nil, errExtensionSyntax
				}
				var p ExtensionParam
				if p.Name, s, ok = cutToken(trimOWS(s[1:])); !ok {
					return nil, errExtensionSyntax
				}
				s = trimOWS(s)
				if s != "" && s[0] == '=' {
					s = trimOWS(s[1:])
					p.HasValue = true
					if s != "" && s[0] == '"' {
						if p.Value, s, ok = cutQuoted(s); !ok || !isToken(p.Value) {
							return nil, errExtensionSyntax
						}
					} else if p.Value, s, ok = cutToken(s); !ok {
						return nil, errExtensionSyntax
					}
				}
				e.Params = append(e.Params, p)
			}
			out = append(out, e)
		}
	}
	return out, nil
}

func trimOWS(s string) string { return strings.Trim(s, " \t") }

func isTokenChar(c byte) bool {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

func cutToken(s string) (tok, rest string, ok bool) {
	i := 0
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	return s[:i], s[i:], i > 0
}

// cutQuoted reads a quoted-string with backslash escapes.
func cutQuoted(s string) (val, rest string, ok bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), s[i+1:], true
		case '\\':
			if i+1 == len(s) {
				return "", "", false
			}
			i++
			b.WriteByte(s[i])
		default:
			if c < 0x20 && c != '\t' || c == 0x7f {
				return "", "", false
			}
			b.WriteByte(c)
		}
	}
	return "", "", false
}

// headerTokens splits comma-separated header values into trimmed,
// non-empty elements.
func headerTokens(values []string) []string {
	var out []string
	for _, v := range values {
		out = appendTokens(out, v)
	}
	return out
}

// appendTokens appends the trimmed, non-empty tokens of one
// comma-separated value to out.
func appendTokens(out []string, v string) []string {
	for t := range strings.SplitSeq(v, ",") {
		if t = trimOWS(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// hasToken1 reports whether one comma-separated value contains tok,
// compared case-insensitively.
func hasToken1(v, tok string) bool {
	for t := range strings.SplitSeq(v, ",") {
		if strings.EqualFold(trimOWS(t), tok) {
			return true
		}
	}
	return false
}

// hasToken reports whether a comma-separated header contains tok, compared
// case-insensitively (Upgrade: websocket, Connection: Upgrade).
func hasToken(values []string, tok string) bool {
	for _, v := range values {
		if hasToken1(v, tok) {
			return true
		}
	}
	return false
}
