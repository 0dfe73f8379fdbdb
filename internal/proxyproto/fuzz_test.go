package proxyproto

import (
	"errors"
	"testing"
)

// FuzzParse: Parse never panics, takes no more than it was given, returns
// a header only with nil error, and gives the same result however the
// bytes are split.
func FuzzParse(f *testing.F) {
	for _, c := range append(v1Cases(), v2Cases()...) {
		f.Add(c.in)
	}
	f.Add([]byte(nil))
	f.Add([]byte("PROXY "))
	f.Add(append(sigV2[:len(sigV2):len(sigV2)], 0x21, 0x11, 0x00))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := Parse(b)
		switch {
		case n < 0 || n > len(b):
			t.Fatalf("n = %d of %d bytes", n, len(b))
		case err != nil && (n != 0 || h.Version != 0 || h.TLVs != nil):
			t.Fatalf("error %v with (%+v, %d)", err, h, n)
		case err == nil && n == 0:
			t.Fatalf("a header of 0 bytes: %+v", h)
		case err == nil && h.Version != 1 && h.Version != 2:
			t.Fatalf("version %d", h.Version)
		case errors.Is(err, ErrNeedMore) && len(b) >= 16+MaxV2Length:
			t.Fatalf("ErrNeedMore after %d bytes", len(b))
		}
		if err == nil {
			// What follows the header does not change it.
			h2, n2, err2 := Parse(append(b[:n:n], "\x00more"...))
			sameResult(t, "with other bytes after", h2, n2, err2, h, n, err)
			if s, ok := h.SSL(); ok {
				_ = s.CommonName()
			}
		}
		fh, fn, ferr := feed(b)
		sameResult(t, "fed a byte at a time", fh, fn, ferr, h, n, err)
	})
}
