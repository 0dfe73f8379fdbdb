package wsproto

import "unicode/utf8"

// UTF8Validator checks a byte stream for UTF-8 validity incrementally, as
// RFC 6455 §8.1 requires of text messages: the stream may be split
// anywhere, even inside a multi-byte sequence, and the verdict is reached
// at the first byte that proves the stream invalid (an impossible byte, a
// bad continuation, an overlong form, a surrogate or a value over U+10FFFF),
// not at the end of the message. A sequence cut short by the end of the
// stream can only be detected at the end, by Complete.
//
// The zero value is ready for a new stream.
type UTF8Validator struct {
	need   uint8 // continuation bytes still expected
	lo, hi byte  // bounds of the next continuation byte
	bad    bool
}

// Reset prepares v for a new stream.
func (v *UTF8Validator) Reset() { *v = UTF8Validator{} }

// Valid reports whether no invalid byte has been seen so far.
func (v *UTF8Validator) Valid() bool { return !v.bad }

// Pending returns how many more continuation bytes the stream needs to end
// on a character boundary.
func (v *UTF8Validator) Pending() int { return int(v.need) }

// Complete reports whether the stream so far is valid UTF-8 and ends on a
// character boundary; call it at the end of a message.
func (v *UTF8Validator) Complete() bool { return !v.bad && v.need == 0 }

// Write validates the next bytes of the stream and reports whether the
// stream is still valid. Once it returns false it keeps returning false.
func (v *UTF8Validator) Write(p []byte) bool {
	if v.bad {
		return false
	}
	i := 0
	// Finish a sequence started in an earlier Write.
	for v.need > 0 && i < len(p) {
		if !v.cont(p[i]) {
			return false
		}
		i++
	}
	p = p[i:]
	// Validate everything up to the start of the last character that may
	// be incomplete with the standard library's fast validator. cut lands
	// on a byte that is not a continuation byte, so if p[:cut] is invalid
	// the stream is invalid, whatever follows.
	cut := len(p)
	for k := len(p) - 1; k >= 0 && k >= len(p)-3; k-- {
		if c := p[k]; c&0xC0 != 0x80 {
			if c >= 0xC0 {
				cut = k
			}
			break
		}
	}
	if !utf8.Valid(p[:cut]) {
		v.bad = true
		return false
	}
	// The tail (at most 3 bytes of a character that may continue in the
	// next Write) goes through the state machine.
	for _, c := range p[cut:] {
		if v.need > 0 {
			if !v.cont(c) {
				return false
			}
		} else if c >= utf8.RuneSelf && !v.lead(c) {
			return false
		}
	}
	return true
}

// lead starts a multi-byte sequence (RFC 3629 §4 table of well-formed sequences).
func (v *UTF8Validator) lead(c byte) bool {
	switch {
	case c >= 0xC2 && c <= 0xDF:
		v.need, v.lo, v.hi = 1, 0x80, 0xBF
	case c == 0xE0:
		v.need, v.lo, v.hi = 2, 0xA0, 0xBF // no overlongs
	case c == 0xED:
		v.need, v.lo, v.hi = 2, 0x80, 0x9F // no surrogates
	case c >= 0xE1 && c <= 0xEF:
		v.need, v.lo, v.hi = 2, 0x80, 0xBF
	case c == 0xF0:
		v.need, v.lo, v.hi = 3, 0x90, 0xBF // no overlongs
	case c >= 0xF1 && c <= 0xF3:
		v.need, v.lo, v.hi = 3, 0x80, 0xBF
	case c == 0xF4:
		v.need, v.lo, v.hi = 3, 0x80, 0x8F // nothing above U+10FFFF
	default:
		v.bad = true
		return false
	}
	return true
}

func (v *UTF8Validator) cont(c byte) bool {
	if c < v.lo || c > v.hi {
		v.bad = true
		return false
	}
	v.need--
	v.lo, v.hi = 0x80, 0xBF
	return true
}
