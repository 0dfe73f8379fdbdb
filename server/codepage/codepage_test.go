package codepage

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"

	"github.com/tlskit/tlskit/server"
)

// builtins are x/text's encodings of the code pages package server has
// built in, which must convert as these do.
var builtins = map[int]encoding.Encoding{
	1200:  unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM),
	1201:  unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM),
	12000: utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM),
	12001: utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM),
	28591: charmap.ISO8859_1,
	65001: unicode.UTF8,
}

func TestCodePageText(t *testing.T) {
	s, err := server.New(server.Options{CodePage: 1252})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b, err := s.EncodeText("café €")
	if err != nil || string(b) != "caf\xe9 \x80" {
		t.Fatalf("EncodeText = %q, %v", b, err)
	}
	if got, err := s.DecodeText(b); err != nil || got != "café €" {
		t.Fatalf("DecodeText = %q, %v", got, err)
	}
	if _, err := s.EncodeText("日本"); !errors.Is(err, server.ErrInvalidValue) {
		t.Fatalf("unencodable text: %v", err)
	}
	if _, err := s.Config("CodePage=932"); err != nil {
		t.Fatal(err)
	}
	if b, err := s.EncodeText("日本"); err != nil || string(b) != "\x93\xfa\x96\x7b" {
		t.Fatalf("Shift JIS EncodeText = %q, %v", b, err)
	}
}

// Every code page server took before this package existed is there once
// it is imported.
func TestEveryCodePage(t *testing.T) {
	ids := server.CodePages()
	for id := range codePages {
		if !slices.Contains(ids, id) {
			t.Errorf("code page %d not registered", id)
		}
	}
	for id := range builtins {
		if !slices.Contains(ids, id) {
			t.Errorf("code page %d not built in", id)
		}
	}
	if len(ids) != len(codePages)+len(builtins) {
		t.Errorf("%d code pages, want %d", len(ids), len(codePages)+len(builtins))
	}
}

// FuzzCodePage checks EncodeText and DecodeText on every code page: they
// never panic; what EncodeText returns decodes, and re-encodes to the same
// bytes; for the code pages that map each character to one code (the
// single-byte ones, UTF-8, UTF-16, UTF-32), valid UTF-8 text decodes back
// to itself; DecodeText's text is valid UTF-8 (but on UTF-8, which passes
// the bytes through); the code pages built into package server convert
// as x/text does.
func FuzzCodePage(f *testing.F) {
	ids := server.CodePages()
	slices.Sort(ids)
	servers := make([]*server.Server, len(ids))
	for i, id := range ids {
		s, err := server.New(server.Options{CodePage: id})
		if err != nil {
			f.Fatal(err)
		}
		f.Cleanup(func() { s.Close() })
		servers[i] = s
	}
	for i, text := range []string{"", "hello", "héllo wörld €", "日本語のテキスト", "русский", "\x00\xff\xfe", "\U0001F600", "a\u202eb"} {
		f.Add(uint16(i*7), text, []byte(text))
	}
	f.Add(uint16(0), "", []byte{0x1b, '$', 'B', 0x30, 0x21, 0x1b, '(', 'B'})
	f.Add(uint16(0), "\xed\xa0\x80\xff", []byte{0x00, 0xd8, 0x00, 0xdc, 0x00, 0xdc, 0x3d, 0xd8, 0x00, 0x11, 0x00, 0x00, 0x7f})
	f.Fuzz(func(t *testing.T, pick uint16, text string, data []byte) {
		i := int(pick) % len(ids)
		id, s := ids[i], servers[i]
		if ref, ok := builtins[id]; ok {
			sameAsXText(t, id, s, ref, text, data)
		}
		if dec, err := s.DecodeText(data); err == nil {
			if id == 65001 {
				if dec != string(data) {
					t.Fatalf("code page 65001: DecodeText(%q) = %q", data, dec)
				}
			} else if !utf8.ValidString(dec) {
				t.Fatalf("code page %d: DecodeText(%q) = %q, not UTF-8", id, data, dec)
			}
		} else if !errors.Is(err, server.ErrInvalidValue) {
			t.Fatalf("code page %d: DecodeText: %v", id, err)
		}
		enc, err := s.EncodeText(text)
		if err != nil {
			if !errors.Is(err, server.ErrInvalidValue) {
				t.Fatalf("code page %d: EncodeText: %v", id, err)
			}
			return
		}
		dec, err := s.DecodeText(enc)
		if err != nil {
			t.Fatalf("code page %d: EncodeText(%q) = %q, which does not decode: %v", id, text, enc, err)
		}
		if again, err := s.EncodeText(dec); err != nil || string(again) != string(enc) {
			t.Fatalf("code page %d: %q encodes to %q, decodes to %q, re-encodes to %q (%v)", id, text, enc, dec, again, err)
		}
		if utf8.ValidString(text) && oneCodeEach(id) && dec != text {
			t.Fatalf("code page %d: %q encodes to %q, decodes to %q", id, text, enc, dec)
		}
	})
}

// sameAsXText checks that a built-in code page converts text and data as
// x/text's encoding ref does.
func sameAsXText(t *testing.T, id int, s *server.Server, ref encoding.Encoding, text string, data []byte) {
	t.Helper()
	want, werr := ref.NewEncoder().Bytes([]byte(text))
	if ref == unicode.UTF8 {
		want, werr = []byte(text), nil // EncodeText always passed UTF-8 through
	}
	got, err := s.EncodeText(text)
	if (err == nil) != (werr == nil) || (err == nil && !bytes.Equal(got, want)) {
		t.Fatalf("code page %d: EncodeText(%q) = %q, %v; x/text: %q, %v", id, text, got, err, want, werr)
	}
	wantDec, werr := ref.NewDecoder().Bytes(data)
	if ref == unicode.UTF8 {
		wantDec, werr = data, nil
	}
	dec, err := s.DecodeText(data)
	if (err == nil) != (werr == nil) || (err == nil && dec != string(wantDec)) {
		t.Fatalf("code page %d: DecodeText(%q) = %q, %v; x/text: %q, %v", id, data, dec, err, wantDec, werr)
	}
}

// oneCodeEach reports whether code page id maps every character it has
// to one code and back.
func oneCodeEach(id int) bool {
	switch id {
	case 932, 936, 949, 950, 50220, 51932, 51949, 52936, 54936:
		return false // CJK: several characters may share a code
	}
	return true
}
