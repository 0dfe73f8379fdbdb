// Package codepage registers the Windows, ISO 8859, OEM, Mac and CJK code
// pages of golang.org/x/text with package server, for
// server.Options.CodePage and Config("CodePage=N"). Import it for its side
// effect:
//
//	import _ "github.com/tlskit/tlskit/server/codepage"
//
// UTF-8 (65001), UTF-16 (1200, 1201), UTF-32 (12000, 12001) and ISO 8859-1
// (28591) are built into package server and need no import.
package codepage

import (
	"errors"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/tlskit/tlskit/server"
)

// codePages maps Windows code page numbers to x/text's encodings.
var codePages = map[int]encoding.Encoding{
	37: charmap.CodePage037, 437: charmap.CodePage437, 850: charmap.CodePage850,
	852: charmap.CodePage852, 855: charmap.CodePage855, 858: charmap.CodePage858,
	860: charmap.CodePage860, 862: charmap.CodePage862, 863: charmap.CodePage863,
	865: charmap.CodePage865, 866: charmap.CodePage866, 874: charmap.Windows874,
	932: japanese.ShiftJIS, 936: simplifiedchinese.GBK, 949: korean.EUCKR,
	950: traditionalchinese.Big5, 1047: charmap.CodePage1047, 1140: charmap.CodePage1140,
	1250: charmap.Windows1250, 1251: charmap.Windows1251, 1252: charmap.Windows1252,
	1253: charmap.Windows1253, 1254: charmap.Windows1254, 1255: charmap.Windows1255,
	1256: charmap.Windows1256, 1257: charmap.Windows1257, 1258: charmap.Windows1258,
	10000: charmap.Macintosh, 10007: charmap.MacintoshCyrillic,
	20866: charmap.KOI8R, 21866: charmap.KOI8U,
	28592: charmap.ISO8859_2, 28593: charmap.ISO8859_3,
	28594: charmap.ISO8859_4, 28595: charmap.ISO8859_5, 28596: charmap.ISO8859_6,
	28597: charmap.ISO8859_7, 28598: charmap.ISO8859_8, 28599: charmap.ISO8859_9,
	28605: charmap.ISO8859_15, 50220: japanese.ISO2022JP, 51932: japanese.EUCJP,
	51949: korean.EUCKR, 52936: simplifiedchinese.HZGB2312, 54936: simplifiedchinese.GB18030,
}

func init() {
	for id, e := range codePages {
		var te server.TextEncoding = textEncoding{e}
		if id == 50220 {
			te = iso2022JP{textEncoding{e}}
		}
		server.RegisterCodePage(id, te)
	}
}

// textEncoding adapts an x/text encoding to server.TextEncoding.
type textEncoding struct{ e encoding.Encoding }

func (t textEncoding) Encode(text string) ([]byte, error) {
	return t.e.NewEncoder().Bytes([]byte(text))
}

func (t textEncoding) Decode(data []byte) (string, error) {
	b, err := t.e.NewDecoder().Bytes(data)
	return string(b), err
}

// iso2022JP is code page 50220, which refuses text holding ESC, SO or SI:
// ISO-2022-JP reads them as its own escape sequences and shifts, so the
// text would decode as something else.
type iso2022JP struct{ textEncoding }

var errShifts = errors.New("text with ESC, SO or SI cannot be encoded in ISO-2022-JP, which uses them itself")

func (t iso2022JP) Encode(text string) ([]byte, error) {
	if strings.ContainsAny(text, "\x1b\x0e\x0f") {
		return nil, errShifts
	}
	return t.textEncoding.Encode(text)
}
