package framing

// retainLimit is the largest buffer capacity kept once the buffer is empty,
// beyond what the current settings need; a larger buffer (left by a big
// record or an undrained Feed) is dropped so an idle connection does not pin
// it.
const retainLimit = 64 << 10

// A Framer splits one connection's received byte stream into the records
// the DataIn event delivers. The zero value is ready to use in raw mode with
// the default MaxLineLength. A Framer is not safe for concurrent use; it
// belongs to the goroutine that reads the connection.
//
// Typical use, after each read:
//
//	f.Feed(buf[:n])
//	for {
//		rec, eol, ok := f.Next()
//		if !ok {
//			break // f no longer refers to buf; buf may be reused
//		}
//		dataIn(rec, eol) // may change the settings for the next record
//	}
//
// and at end of stream, f.Flush delivers what is left.
type Framer struct {
	// Settings; see settings.go.
	eol        []byte
	singleLine bool
	maxLine    int // 0 means DefaultMaxLineLength
	recordLen  int

	// Unconsumed input is buf[r:] followed by in.
	buf []byte // owned; holds a partial record between Feeds
	r   int
	in  []byte // borrowed from the last Feed

	// scan is how many leading bytes of buf[r:] are known not to start a
	// terminator under the current settings, so a line trickling in byte by
	// byte is scanned once, not once per byte.
	scan int

	// skipLF is set when, in single-line mode, a CR ended a line and was the
	// last byte available: an LF arriving next belongs to that CR.
	skipLF bool
}

// Feed hands the framer newly received bytes. The framer borrows p: the
// caller must not modify p until Next has returned ok=false (or Flush or
// Reset has been called), after which the framer keeps no reference to it.
//
// Feeding again before Next has returned ok=false is allowed; the unread
// part of the previous input is then copied into the framer's own buffer,
// which may then hold more than the bounds documented on Next.
func (f *Framer) Feed(p []byte) {
	if len(f.in) > 0 {
		f.stash()
	}
	f.in = p
}

// Next returns the next record under the current settings, or ok=false when
// the data buffered so far does not complete one. The settings may be changed
// between calls to Next; each record is cut by the settings in force when
// Next is called.
//
// eol reports how the record ended:
//   - ModeEOL and ModeSingleLine: true when a terminator ended the line (the
//     terminator is consumed and not part of rec); false when MaxLineLength
//     bytes accumulated without one, in which case rec holds exactly those
//     MaxLineLength bytes and the rest of the line follows in later records.
//   - ModeRecord: always true; rec is exactly RecordLength bytes.
//   - ModeRaw: always true (as in IPWorks: with no EOL, the flag can be
//     disregarded); rec is whatever was available, possibly in more than one
//     piece.
//
// rec is valid until the next call to Feed, Next, Flush or Reset; it may
// alias the slice given to Feed. When every Feed is drained by Next, the
// framer's own buffer never holds more than MaxLineLength plus the
// terminator length in a line mode, or RecordLength-1 bytes in record mode.
func (f *Framer) Next() (rec []byte, eol, ok bool) {
	if f.r == len(f.buf) && cap(f.buf) > max(retainLimit, 2*f.bound()) {
		f.buf, f.r = nil, 0
	}
	if f.skipLF && !f.dropLF() {
		return nil, false, false
	}
	switch f.Mode() {
	case ModeRecord:
		return f.nextRecord()
	case ModeSingleLine, ModeEOL:
		return f.nextLine()
	}
	return f.nextRaw()
}

// Flush removes and returns everything still buffered, nil if nothing is.
// Call it at end of stream after Next has returned ok=false: the result is
// then the partial line or record the peer sent last, which the server
// delivers as a final DataIn with eol=false so no received byte is lost.
// The returned slice is valid until the next call on f.
func (f *Framer) Flush() []byte {
	f.skipLF = false
	f.scan = 0
	if f.r == len(f.buf) {
		rec := f.in
		f.in = nil
		f.buf, f.r = f.buf[:0], 0
		if len(rec) == 0 {
			return nil
		}
		return rec
	}
	f.stash()
	rec := f.buf[f.r:]
	f.buf, f.r = f.buf[:0], 0
	return rec
}

// Buffered returns how many received bytes have not yet been returned.
func (f *Framer) Buffered() int { return len(f.buf) - f.r + len(f.in) }

// Reset discards all buffered data and keeps the settings, so a Framer can
// be reused for another connection.
func (f *Framer) Reset() {
	f.buf, f.r, f.in, f.scan, f.skipLF = f.buf[:0], 0, nil, 0, false
	if cap(f.buf) > max(retainLimit, 2*f.bound()) {
		f.buf = nil
	}
}

// dropLF consumes an LF that completes a CRLF split across Feeds. It reports
// false when no byte is available yet to decide.
func (f *Framer) dropLF() bool {
	switch {
	case f.r < len(f.buf):
		if f.buf[f.r] == '\n' {
			f.r++
			f.scan = 0
		}
	case len(f.in) > 0:
		if f.in[0] == '\n' {
			f.in = f.in[1:]
		}
	default:
		return false
	}
	f.skipLF = false
	return true
}

func (f *Framer) nextRaw() (rec []byte, eol, ok bool) {
	if f.r < len(f.buf) {
		rec = f.buf[f.r:]
		f.buf, f.r, f.scan = f.buf[:0], 0, 0
		return rec, true, true
	}
	if len(f.in) > 0 {
		rec, f.in = f.in, nil
		return rec, true, true
	}
	return nil, false, false
}

func (f *Framer) nextRecord() (rec []byte, eol, ok bool) {
	if f.Buffered() < f.recordLen {
		f.stash()
		return nil, false, false
	}
	return f.take(f.recordLen, 0), true, true
}

// take removes n record bytes followed by skip terminator bytes from the
// front of the unconsumed input and returns the record bytes, copying only
// when the record straddles the owned buffer and the borrowed input.
func (f *Framer) take(n, skip int) []byte {
	a := f.buf[f.r:]
	var rec []byte
	switch {
	case n+skip <= len(a):
		rec = a[:n]
		f.r += n + skip
		f.scan = 0
	case n <= len(a):
		rec = a[:n]
		f.in = f.in[n+skip-len(a):]
		f.r = len(f.buf)
	case len(a) == 0:
		rec = f.in[:n]
		f.in = f.in[n+skip:]
	default:
		f.compact()
		f.buf = append(f.buf, f.in[:n-len(a)]...)
		rec = f.buf[:n]
		f.in = f.in[n+skip-len(a):]
		f.r = len(f.buf)
	}
	if f.r == len(f.buf) {
		// Empty: the next append reuses the space rec occupies, which
		// the contract allows once the caller calls Next again.
		f.buf, f.r, f.scan = f.buf[:0], 0, 0
	}
	return rec
}

// bound is the most the owned buffer needs to hold under the current
// settings when every Feed is drained.
func (f *Framer) bound() int {
	switch f.Mode() {
	case ModeRecord:
		return f.recordLen
	case ModeSingleLine:
		return f.MaxLineLength() + 1
	case ModeEOL:
		return f.MaxLineLength() + len(f.eol)
	}
	return 0
}

// stash moves the borrowed input into the owned buffer.
func (f *Framer) stash() {
	if len(f.in) == 0 {
		return
	}
	f.compact()
	f.buf = append(f.buf, f.in...)
	f.in = nil
}

// compact moves the unconsumed part of buf to its start.
func (f *Framer) compact() {
	if f.r > 0 {
		n := copy(f.buf, f.buf[f.r:])
		f.buf, f.r = f.buf[:n], 0
	}
}
