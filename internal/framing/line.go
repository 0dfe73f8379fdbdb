package framing

import "bytes"

// nextLine cuts a line in ModeEOL or ModeSingleLine. A terminator is looked
// for only where it would start within the first MaxLineLength bytes; when
// enough bytes are buffered to know there is none there, the first
// MaxLineLength bytes are returned with eol=false. The cut therefore depends
// only on the bytes and the settings, never on how the bytes were chunked.
func (f *Framer) nextLine() (rec []byte, eol, ok bool) {
	maxLen := f.MaxLineLength()
	var p, tlen, w int
	var found bool
	if f.singleLine {
		w = 1
		p, tlen, found = f.findCRLF(maxLen)
	} else {
		w = len(f.eol)
		p, tlen, found = f.findEOL(maxLen)
	}
	if found {
		return f.take(p, tlen), true, true
	}
	if f.Buffered() >= maxLen+w {
		return f.take(maxLen, 0), false, true
	}
	// Everything buffered was searched: only its last w-1 bytes may still
	// begin a terminator.
	f.stash()
	f.scan = max(0, len(f.buf)-f.r-w+1)
	return nil, false, false
}

// findEOL returns the position, in the unconsumed input, of the first EOL
// that starts at or before maxLen.
func (f *Framer) findEOL(maxLen int) (p, tlen int, found bool) {
	e, a, b := f.eol, f.buf[f.r:], f.in
	limit := maxLen + len(e)

	// Wholly inside the owned buffer.
	end := min(len(a), limit)
	if f.scan < end {
		if i := bytes.Index(a[f.scan:end], e); i >= 0 {
			return f.scan + i, len(e), true
		}
	}
	// Starting in the owned buffer, ending in the borrowed input.
	if len(b) > 0 {
		for k := max(f.scan, len(a)-len(e)+1, 0); k < len(a) && k <= maxLen; k++ {
			head := a[k:]
			if bytes.HasPrefix(e, head) && bytes.HasPrefix(b, e[len(head):]) {
				return k, len(e), true
			}
		}
	}
	// Wholly inside the borrowed input.
	if len(a) <= maxLen {
		if i := bytes.Index(b[:min(len(b), limit-len(a))], e); i >= 0 {
			return len(a) + i, len(e), true
		}
	}
	return 0, 0, false
}

// findCRLF returns the position of the first CR or LF at or before maxLen
// and the length of the terminator there: 2 for CRLF, else 1. A CR that is
// the last byte available ends the line at once (a peer waiting for a reply
// must not stall) and sets skipLF so that an LF arriving next is consumed
// with it rather than read as an empty line.
func (f *Framer) findCRLF(maxLen int) (p, tlen int, found bool) {
	a, b := f.buf[f.r:], f.in
	limit := maxLen + 1
	p = -1
	if end := min(len(a), limit); f.scan < end {
		if i := indexCRorLF(a[f.scan:end]); i >= 0 {
			p = f.scan + i
		}
	}
	if p < 0 && len(a) < limit {
		if i := indexCRorLF(b[:min(len(b), limit-len(a))]); i >= 0 {
			p = len(a) + i
		}
	}
	switch {
	case p < 0:
		return 0, 0, false
	case f.at(p) == '\n':
		return p, 1, true
	case p+1 == f.Buffered():
		f.skipLF = true
		return p, 1, true
	case f.at(p+1) == '\n':
		return p, 2, true
	}
	return p, 1, true
}

// at returns byte i of the unconsumed input.
func (f *Framer) at(i int) byte {
	a := f.buf[f.r:]
	if i < len(a) {
		return a[i]
	}
	return f.in[i-len(a)]
}

// indexCRorLF returns the index of the first CR or LF in s, or -1.
func indexCRorLF(s []byte) int {
	lf := bytes.IndexByte(s, '\n')
	head := s
	if lf >= 0 {
		head = s[:lf]
	}
	if cr := bytes.IndexByte(head, '\r'); cr >= 0 {
		return cr
	}
	return lf
}
