package wsproto

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

var utf8Cases = []struct {
	name string
	in   string
	// failAt is the index of the byte that proves the input invalid, -1 for
	// valid input, len(in) for input that is only invalid because it ends
	// inside a sequence.
	failAt int
}{
	{"ascii", "Hello, world", -1},
	{"two byte", "κόσμε", -1},
	{"three byte", "€ ✓ ゆ", -1},
	{"four byte", "𝄞 \U0010FFFF", -1},
	{"U+FFFD itself", "\uFFFD", -1},
	{"lone continuation", "ab\x80cd", 2},
	{"C0 overlong", "\xC0\xAF", 0},
	{"C1 overlong", "\xC1\xBF", 0},
	{"E0 overlong", "a\xE0\x80\xAF", 2},
	{"F0 overlong", "\xF0\x80\x80\xAF", 1},
	{"surrogate", "\xED\xA0\x80", 1},
	{"last surrogate", "xx\xED\xBF\xBF", 3},
	{"above U+10FFFF", "\xF4\x90\x80\x80", 1},
	{"F5 lead", "\xF5\x80\x80\x80", 0},
	{"FF byte", "ab\xFF", 2},
	{"bad second continuation", "\xE2\x82\x41", 2},
	{"bad third continuation", "\xF0\x9D\x84\x41", 3},
	{"truncated 2 at end", "ab\xCE", 3},
	{"truncated 3 at end", "\xE2\x82", 2},
	{"truncated 4 at end", "x\xF0\x9D\x84", 4},
	{"invalid after long ascii", "0123456789abcdefghij\x80", 20},
}

// TestRFC6455_8_1_UTF8FailFast splits each input at every point and checks
// that the validator fails exactly when the proving byte arrives and that
// truncation is reported only at the end.
func TestRFC6455_8_1_UTF8FailFast(t *testing.T) {
	t.Parallel()
	for _, tc := range utf8Cases {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte(tc.in)
			for split := 0; split <= len(in); split++ {
				var v UTF8Validator
				okA := v.Write(in[:split])
				if wantA := tc.failAt < 0 || tc.failAt >= split; okA != wantA {
					t.Fatalf("split %d: first part valid=%v, want %v", split, okA, wantA)
				}
				okB := v.Write(in[split:])
				wantB := tc.failAt < 0 || tc.failAt >= len(in)
				if okB != wantB {
					t.Fatalf("split %d: second part valid=%v, want %v", split, okB, wantB)
				}
				if v.Complete() != (tc.failAt < 0) {
					t.Fatalf("split %d: Complete=%v", split, v.Complete())
				}
			}
			// Byte by byte: the failure is reported at exactly failAt.
			var v UTF8Validator
			for i := range in {
				if ok := v.Write(in[i : i+1]); ok != (tc.failAt < 0 || i < tc.failAt) {
					t.Fatalf("byte %d: valid=%v (failAt %d)", i, ok, tc.failAt)
				}
			}
		})
	}
}

func TestUTF8ValidatorSticky(t *testing.T) {
	t.Parallel()
	var v UTF8Validator
	v.Write([]byte{0xFF})
	if v.Write([]byte("fine")) || v.Valid() {
		t.Fatal("validator recovered after invalid input")
	}
	v.Reset()
	if !v.Write([]byte("fine")) || !v.Complete() {
		t.Fatal("Reset did not clear the state")
	}
	v.Write([]byte{0xE2})
	if v.Pending() != 2 {
		t.Fatalf("Pending = %d", v.Pending())
	}
}

func FuzzUTF8Validator(f *testing.F) {
	for _, tc := range utf8Cases {
		f.Add([]byte(tc.in), uint8(1))
	}
	f.Add(bytes.Repeat([]byte("aé€𝄞"), 20), uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, step uint8) {
		n := int(step%16) + 1
		var v UTF8Validator
		for i := 0; i < len(b); i += n {
			v.Write(b[i:min(i+n, len(b))])
		}
		if v.Complete() != utf8.Valid(b) {
			t.Fatalf("Complete=%v, utf8.Valid=%v for % x", v.Complete(), utf8.Valid(b), b)
		}
		// A prefix that is valid per utf8.Valid must never be rejected.
		var w UTF8Validator
		for i := range b {
			if !w.Write(b[i:i+1]) && utf8.Valid(b[:i+1]) {
				t.Fatalf("rejected valid prefix % x", b[:i+1])
			}
		}
	})
}

func BenchmarkUTF8Validator(b *testing.B) {
	inputs := map[string][]byte{
		"ascii": bytes.Repeat([]byte("The quick brown fox jumps. "), 600),
		"mixed": bytes.Repeat([]byte("Grüße, κόσμε, 世界 and 𝄞! "), 500),
	}
	for name, in := range inputs {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				var v UTF8Validator
				for i := 0; i < len(in); i += 4096 {
					v.Write(in[i:min(i+4096, len(in))])
				}
				if !v.Complete() {
					b.Fatal("invalid")
				}
			}
		})
		b.Run(name+"/stdlib-utf8.Valid", func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if !utf8.Valid(in) {
					b.Fatal("invalid")
				}
			}
		})
	}
}
