package server

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// TextEncoding converts text between UTF-8 and a code page, for SendText,
// SendLine, EncodeText and DecodeText. Options.CodePage selects one by its
// Windows code page number.
type TextEncoding interface {
	// Encode converts UTF-8 text to the code page. Text the code page
	// cannot represent is an error.
	Encode(text string) ([]byte, error)
	// Decode converts data in the code page to UTF-8 text.
	Decode(data []byte) (string, error)
}

// builtinCodePages are the code pages the standard library can do.
var builtinCodePages = map[int]TextEncoding{
	65001: utf8Encoding{},
	1200:  utf16Encoding{binary.LittleEndian},
	1201:  utf16Encoding{binary.BigEndian},
	12000: utf32Encoding{binary.LittleEndian},
	12001: utf32Encoding{binary.BigEndian},
	28591: latin1Encoding{},
}

// codePageImport is the package whose import registers the other code pages.
const codePageImport = "github.com/tlskit/tlskit/server/codepage"

var (
	codePagesMu sync.RWMutex
	codePages   = map[int]TextEncoding{}
)

// RegisterCodePage makes e the code page id for Options.CodePage and
// Config("CodePage=id"), as a database/sql driver registers itself: import
// package github.com/tlskit/tlskit/server/codepage for its side effect
// to get the Windows, ISO 8859, OEM, Mac and CJK code pages
// (golang.org/x/text's). UTF-8 (65001), UTF-16 (1200, 1201), UTF-32
// (12000, 12001) and ISO 8859-1 (28591) are built in. It panics when id
// is built in or registered already, or e is nil.
func RegisterCodePage(id int, e TextEncoding) {
	if e == nil {
		panic("server: RegisterCodePage with a nil TextEncoding")
	}
	codePagesMu.Lock()
	defer codePagesMu.Unlock()
	if _, dup := builtinCodePages[id]; dup {
		panic(fmt.Sprintf("server: RegisterCodePage: code page %d is built in", id))
	}
	if _, dup := codePages[id]; dup {
		panic(fmt.Sprintf("server: RegisterCodePage called twice for code page %d", id))
	}
	codePages[id] = e
}

// CodePages returns the numbers of the code pages Options.CodePage takes:
// the built-in ones and those registered.
func CodePages() []int {
	codePagesMu.RLock()
	defer codePagesMu.RUnlock()
	ids := make([]int, 0, len(builtinCodePages)+len(codePages))
	for id := range builtinCodePages {
		ids = append(ids, id)
	}
	for id := range codePages {
		ids = append(ids, id)
	}
	return ids
}

func codePage(id int) (TextEncoding, error) {
	if e, ok := builtinCodePages[id]; ok {
		return e, nil
	}
	codePagesMu.RLock()
	e, ok := codePages[id]
	registered := len(codePages) > 0
	codePagesMu.RUnlock()
	if ok {
		return e, nil
	}
	if registered {
		return nil, fmt.Errorf("code page %d is not supported: neither built in nor registered", id)
	}
	return nil, fmt.Errorf("code page %d is not built in (65001 UTF-8, 1200/1201 UTF-16, 12000/12001 UTF-32, 28591 ISO 8859-1 are): import _ %q for the Windows, ISO 8859, OEM and CJK code pages", id, codePageImport)
}

// EncodeText converts s from UTF-8 to the server's CodePage, as SendText
// does. Characters the code page cannot represent are an error.
func (s *Server) EncodeText(text string) ([]byte, error) {
	id, e, err := s.encoding()
	if err != nil {
		return nil, err
	}
	b, err := e.Encode(text)
	if err != nil {
		return nil, fmt.Errorf("%w: text cannot be encoded in code page %d: %v", ErrInvalidValue, id, err)
	}
	return b, nil
}

// DecodeText converts data received in the server's CodePage to a UTF-8
// string, for OnDataIn hooks that handle text.
func (s *Server) DecodeText(b []byte) (string, error) {
	id, e, err := s.encoding()
	if err != nil {
		return "", err
	}
	out, err := e.Decode(b)
	if err != nil {
		return "", fmt.Errorf("%w: data is not valid in code page %d: %v", ErrInvalidValue, id, err)
	}
	return out, nil
}

func (s *Server) encoding() (int, TextEncoding, error) {
	s.mu.Lock()
	id := s.opts.CodePage
	s.mu.Unlock()
	e, err := codePage(id)
	return id, e, err
}

// utf8Encoding is code page 65001: the bytes go as they are.
type utf8Encoding struct{}

func (utf8Encoding) Encode(text string) ([]byte, error) { return []byte(text), nil }
func (utf8Encoding) Decode(data []byte) (string, error) { return string(data), nil }

// byteOrder is binary.LittleEndian or binary.BigEndian.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// utf16Encoding is UTF-16 without a byte order mark. Invalid UTF-8 is
// encoded as U+FFFD; a lone surrogate or a trailing byte decodes as U+FFFD.
type utf16Encoding struct{ order byteOrder }

func (u utf16Encoding) Encode(text string) ([]byte, error) {
	b := make([]byte, 0, 2*len(text))
	for _, r := range text {
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r)
			b = u.order.AppendUint16(b, uint16(r1))
			r = r2
		}
		b = u.order.AppendUint16(b, uint16(r))
	}
	return b, nil
}

func (u utf16Encoding) Decode(data []byte) (string, error) {
	var sb strings.Builder
	sb.Grow(len(data))
	for i := 0; i < len(data); {
		if i+1 == len(data) {
			sb.WriteRune(utf8.RuneError)
			break
		}
		r, size := rune(u.order.Uint16(data[i:])), 2
		if utf16.IsSurrogate(r) && i+3 < len(data) {
			if r2 := rune(u.order.Uint16(data[i+2:])); r2 >= 0xdc00 && r2 < 0xe000 {
				r, size = utf16.DecodeRune(r, r2), 4
			}
		}
		sb.WriteRune(r) // a surrogate left alone is written as U+FFFD
		i += size
	}
	return sb.String(), nil
}

// utf32Encoding is UTF-32 without a byte order mark. Invalid UTF-8 is
// encoded as U+FFFD; a code that is no character, or 1 to 3 trailing
// bytes, decode as U+FFFD.
type utf32Encoding struct{ order byteOrder }

func (u utf32Encoding) Encode(text string) ([]byte, error) {
	b := make([]byte, 0, 4*len(text))
	for _, r := range text {
		b = u.order.AppendUint32(b, uint32(r))
	}
	return b, nil
}

func (u utf32Encoding) Decode(data []byte) (string, error) {
	var sb strings.Builder
	sb.Grow(len(data))
	for i := 0; i < len(data); i += 4 {
		if i+4 > len(data) {
			sb.WriteRune(utf8.RuneError)
			break
		}
		x := u.order.Uint32(data[i:])
		r := utf8.RuneError
		if x <= utf8.MaxRune {
			r = rune(x) // WriteRune writes U+FFFD for a surrogate
		}
		sb.WriteRune(r)
	}
	return sb.String(), nil
}

// latin1Encoding is ISO 8859-1: each byte is the character of that number.
type latin1Encoding struct{}

var errNotLatin1 = errors.New("a character is not in ISO 8859-1")

func (latin1Encoding) Encode(text string) ([]byte, error) {
	b := make([]byte, 0, len(text))
	for _, r := range text {
		if r > 0xff { // invalid UTF-8 too: it reads as U+FFFD
			return nil, errNotLatin1
		}
		b = append(b, byte(r))
	}
	return b, nil
}

func (latin1Encoding) Decode(data []byte) (string, error) {
	var sb strings.Builder
	sb.Grow(len(data))
	for _, c := range data {
		sb.WriteRune(rune(c))
	}
	return sb.String(), nil
}
