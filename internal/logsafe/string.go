package logsafe

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// MaxLen is the most bytes String keeps of the escaped string, before the
// note of what it cut.
const MaxLen = 256

// String returns s fit for a log record: bytes that are not printable
// (control characters, invalid UTF-8, and Unicode format characters
// such as bidirectional overrides) and backslashes are escaped as in a Go
// string literal, and when the escaped string is longer than MaxLen it is
// cut there and "...(N bytes)" is appended, N being len(s). So the result
// is at most MaxLen+32 bytes, one line, and shows the peer's bytes
// unambiguously.
func String(s string) string {
	if len(s) <= MaxLen && plain(s) {
		return s
	}
	b := make([]byte, 0, min(len(s), MaxLen)+32)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		var esc []byte
		var buf [16]byte
		switch {
		case r == utf8.RuneError && n == 1:
			esc = append(buf[:0], '\\', 'x', hex[s[i]>>4], hex[s[i]&0xf])
		case r == '\\':
			esc = append(buf[:0], '\\', '\\')
		case r < utf8.RuneSelf && r >= ' ' && r != 0x7f, r >= utf8.RuneSelf && unicode.IsPrint(r):
			esc = append(buf[:0], s[i:i+n]...)
		default:
			q := strconv.AppendQuoteRuneToASCII(buf[:0], r) // 'x' with x escaped
			esc = q[1 : len(q)-1]
		}
		if len(b)+len(esc) > MaxLen {
			b = append(b, "...("...)
			b = strconv.AppendInt(b, int64(len(s)), 10)
			return string(append(b, " bytes)"...))
		}
		b = append(b, esc...)
		i += n
	}
	return string(b)
}

// Error returns String(err.Error()), or "<nil>" for a nil err.
func Error(err error) string {
	if err == nil {
		return "<nil>"
	}
	return String(err.Error())
}

const hex = "0123456789abcdef"

// plain reports whether s is printable ASCII without backslashes.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c >= 0x7f || c == '\\' {
			return false
		}
	}
	return true
}
