package logsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 16000)
	tests := []struct {
		name, in, want string
	}{
		{name: "plain", in: "example.com", want: "example.com"},
		{name: "empty", in: "", want: ""},
		{name: "newline", in: "a\nlevel=ERROR msg=forged", want: `a\nlevel=ERROR msg=forged`},
		{name: "control", in: "a\x00\x1b[31m\x7f", want: `a\x00\x1b[31m\x7f`},
		{name: "backslash", in: `a\nb`, want: `a\\nb`},
		{name: "invalid-utf8", in: "a\xff\xfeb", want: `a\xff\xfeb`},
		{name: "unicode", in: "müller 日本", want: "müller 日本"},
		{name: "bidi-override", in: "abc\u202etxt.exe", want: `abc\u202etxt.exe`},
		{name: "at-max", in: long[:MaxLen], want: long[:MaxLen]},
		{name: "over-max", in: long[:MaxLen+1], want: long[:MaxLen] + "...(257 bytes)"},
		{name: "long", in: long, want: long[:MaxLen] + "...(16000 bytes)"},
		{name: "long-escaped", in: strings.Repeat("\n", 1000), want: strings.Repeat(`\n`, MaxLen/2) + "...(1000 bytes)"},
		{name: "escape-not-split", in: strings.Repeat("a", MaxLen-1) + "\x01", want: strings.Repeat("a", MaxLen-1) + "...(256 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := String(tt.in); got != tt.want {
				t.Errorf("String(%.40q) = %.80q, want %.80q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzString(f *testing.F) {
	for _, s := range []string{"", "example.com", "a\nb", "\xff", "\u202e", strings.Repeat("é", 200), strings.Repeat("\x00", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := String(s)
		if len(got) > MaxLen+32 {
			t.Fatalf("String returned %d bytes", len(got))
		}
		if !utf8.ValidString(got) {
			t.Fatalf("String(%q) = %q: not UTF-8", s, got)
		}
		for _, r := range got {
			if r < ' ' || r == 0x7f {
				t.Fatalf("String(%q) = %q: control character %U", s, got, r)
			}
		}
		cut := strings.HasSuffix(got, " bytes)")
		if !cut {
			// Not cut: unescaping gives s back.
			if u := unescape(t, got); u != s {
				t.Fatalf("String(%q) = %q, which unescapes to %q", s, got, u)
			}
		}
	})
}

// unescape undoes String's escapes.
func unescape(t *testing.T, s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case '\\':
			b.WriteByte('\\')
		case 'a', 'b', 'f', 'n', 'r', 't', 'v':
			b.WriteByte(map[byte]byte{'a': '\a', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v'}[s[i]])
		case 'x':
			var v byte
			for _, c := range []byte(s[i+1 : i+3]) {
				v = v<<4 | byte(strings.IndexByte(hex, c))
			}
			b.WriteByte(v)
			i += 2
		case 'u', 'U':
			n := 4
			if s[i] == 'U' {
				n = 8
			}
			var v rune
			for _, c := range []byte(s[i+1 : i+1+n]) {
				v = v<<4 | rune(strings.IndexByte(hex, c))
			}
			b.WriteRune(v)
			i += n
		default:
			t.Fatalf("unknown escape \\%c in %q", s[i], s)
		}
	}
	return b.String()
}
