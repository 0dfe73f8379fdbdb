package server

import (
	"fmt"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// codePages maps Windows code page identifiers (CodePage) to encodings.
var codePages = map[int]encoding.Encoding{
	37: charmap.CodePage037, 437: charmap.CodePage437, 850: charmap.CodePage850,
	852: charmap.CodePage852, 855: charmap.CodePage855, 858: charmap.CodePage858,
	860: charmap.CodePage860, 862: charmap.CodePage862, 863: charmap.CodePage863,
	865: charmap.CodePage865, 866: charmap.CodePage866, 874: charmap.Windows874,
	932: japanese.ShiftJIS, 936: simplifiedchinese.GBK, 949: korean.EUCKR,
	950: traditionalchinese.Big5, 1047: charmap.CodePage1047, 1140: charmap.CodePage1140,
	1200: unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM),
	1201: unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM),
	1250: charmap.Windows1250, 1251: charmap.Windows1251, 1252: charmap.Windows1252,
	1253: charmap.Windows1253, 1254: charmap.Windows1254, 1255: charmap.Windows1255,
	1256: charmap.Windows1256, 1257: charmap.Windows1257, 1258: charmap.Windows1258,
	10000: charmap.Macintosh, 10007: charmap.MacintoshCyrillic,
	12000: utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM),
	12001: utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM),
	20866: charmap.KOI8R, 21866: charmap.KOI8U,
	28591: charmap.ISO8859_1, 28592: charmap.ISO8859_2, 28593: charmap.ISO8859_3,
	28594: charmap.ISO8859_4, 28595: charmap.ISO8859_5, 28596: charmap.ISO8859_6,
	28597: charmap.ISO8859_7, 28598: charmap.ISO8859_8, 28599: charmap.ISO8859_9,
	28605: charmap.ISO8859_15, 50220: japanese.ISO2022JP, 51932: japanese.EUCJP,
	51949: korean.EUCKR, 52936: simplifiedchinese.HZGB2312, 54936: simplifiedchinese.GB18030,
	65001: unicode.UTF8,
}

func codePage(id int) (encoding.Encoding, error) {
	if e, ok := codePages[id]; ok {
		return e, nil
	}
	return nil, fmt.Errorf("code page %d is not supported (Go's golang.org/x/text has no such encoding); use 65001 (UTF-8) or a Windows, ISO 8859, OEM or CJK code page", id)
}

// EncodeText converts s from UTF-8 to the server's CodePage, as SendText
// does. Characters the code page cannot represent are an error.
func (s *Server) EncodeText(text string) ([]byte, error) {
	e, err := s.encoding()
	if err != nil {
		return nil, err
	}
	if e == unicode.UTF8 {
		return []byte(text), nil
	}
	if s.codePageID() == 50220 && strings.ContainsAny(text, "\x1b\x0e\x0f") {
		// ISO-2022-JP reads ESC, SO and SI as its own escape sequences and
		// shifts: text holding them would decode as something else.
		return nil, fmt.Errorf("%w: text with ESC, SO or SI cannot be encoded in code page 50220 (ISO-2022-JP uses them itself)", ErrInvalidValue)
	}
	b, err := e.NewEncoder().Bytes([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("%w: text cannot be encoded in code page %d: %v", ErrInvalidValue, s.codePageID(), err)
	}
	return b, nil
}

// DecodeText converts data received in the server's CodePage to a UTF-8
// string, for OnDataIn hooks that handle text.
func (s *Server) DecodeText(b []byte) (string, error) {
	e, err := s.encoding()
	if err != nil {
		return "", err
	}
	if e == unicode.UTF8 {
		return string(b), nil
	}
	out, err := e.NewDecoder().Bytes(b)
	if err != nil {
		return "", fmt.Errorf("%w: data is not valid in code page %d: %v", ErrInvalidValue, s.codePageID(), err)
	}
	return string(out), nil
}

func (s *Server) codePageID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.CodePage
}

func (s *Server) encoding() (encoding.Encoding, error) {
	return codePage(s.codePageID())
}
