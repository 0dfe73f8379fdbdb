package framing

import (
	"bytes"
	"strconv"
)

const (
	// DefaultMaxLineLength is the line buffer size used until
	// SetMaxLineLength is called: 2048 bytes, IPWorks's DefaultMaxLineLength.
	DefaultMaxLineLength = 2048

	// MinMaxLineLength is the smallest value SetMaxLineLength accepts: 256
	// bytes, IPWorks's minimum.
	MinMaxLineLength = 256

	// LengthLimit is the largest value SetMaxLineLength and SetRecordLength
	// accept (1 GiB). It exists so that length arithmetic cannot overflow;
	// servers that take a record length from the peer should apply a much
	// smaller bound of their own.
	LengthLimit = 1 << 30
)

// Mode is the framing rule Next applies, derived from the settings.
type Mode uint8

const (
	// ModeRaw delivers data as it arrives: no EOL, no record length.
	ModeRaw Mode = iota
	// ModeEOL delivers lines ended by the EOL byte string.
	ModeEOL
	// ModeSingleLine delivers lines ended by CR, LF or CRLF.
	ModeSingleLine
	// ModeRecord delivers records of exactly RecordLength bytes.
	ModeRecord
)

func (m Mode) String() string {
	switch m {
	case ModeRaw:
		return "raw"
	case ModeEOL:
		return "eol"
	case ModeSingleLine:
		return "single-line"
	case ModeRecord:
		return "record"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// Mode reports the rule the next call to Next applies. A positive record
// length takes precedence over SingleLineMode, which takes precedence over
// EOL; with none of them set the framer is in raw mode.
func (f *Framer) Mode() Mode {
	switch {
	case f.recordLen > 0:
		return ModeRecord
	case f.singleLine:
		return ModeSingleLine
	case len(f.eol) > 0:
		return ModeEOL
	}
	return ModeRaw
}

// SetEOL sets the line terminator (IPWorks's EOL). It may be several bytes
// long and may contain NUL bytes; it is copied. An empty EOL turns line
// splitting off. EOL is ignored while SingleLineMode is on or RecordLength
// is positive.
func (f *Framer) SetEOL(eol []byte) {
	f.eol = append(f.eol[:0], eol...)
	f.scan = 0
}

// EOL returns a copy of the line terminator, nil when none is set.
func (f *Framer) EOL() []byte {
	if len(f.eol) == 0 {
		return nil
	}
	return bytes.Clone(f.eol)
}

// SetSingleLineMode turns single-line mode on or off. When on, lines end at
// CR, LF or CRLF and EOL is ignored (IPWorks's SingleLineMode).
func (f *Framer) SetSingleLineMode(on bool) {
	f.singleLine = on
	f.scan = 0
}

// SingleLineMode reports whether single-line mode is on.
func (f *Framer) SingleLineMode() bool { return f.singleLine }

// SetMaxLineLength sets the size of the line buffer (IPWorks's
// MaxLineLength): in a line mode, when n bytes have accumulated and no line
// terminator starts within them, those n bytes are delivered with eol=false.
// n must be between MinMaxLineLength and LengthLimit; otherwise the setting
// is left unchanged and a *SettingError is returned.
func (f *Framer) SetMaxLineLength(n int) error {
	if n < MinMaxLineLength || n > LengthLimit {
		return &SettingError{Setting: "MaxLineLength", Value: n, Min: MinMaxLineLength, Max: LengthLimit}
	}
	f.maxLine = n
	return nil
}

// MaxLineLength returns the line buffer size, DefaultMaxLineLength unless
// SetMaxLineLength changed it.
func (f *Framer) MaxLineLength() int {
	if f.maxLine == 0 {
		return DefaultMaxLineLength
	}
	return f.maxLine
}

// SetRecordLength sets the record length (IPWorks's ChangeRecordLength).
// When n is positive, Next delivers exactly n bytes at a time and waits until
// that many have arrived; 0 turns record mode off. It may be called between
// any two calls to Next, typically while handling the previous record.
//
// The framer buffers up to n-1 bytes while a record is incomplete, growing
// its buffer as data arrives (nothing is reserved in advance), so a large n
// costs memory only when the peer actually sends that much. n must be
// between 0 and LengthLimit; otherwise the setting is left unchanged and a
// *SettingError is returned.
func (f *Framer) SetRecordLength(n int) error {
	if n < 0 || n > LengthLimit {
		return &SettingError{Setting: "RecordLength", Value: n, Min: 0, Max: LengthLimit}
	}
	f.recordLen = n
	return nil
}

// RecordLength returns the record length, 0 when record mode is off.
func (f *Framer) RecordLength() int { return f.recordLen }
