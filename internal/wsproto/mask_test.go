package wsproto

import (
	"bytes"
	"fmt"
	"testing"
)

func maskSlow(key [4]byte, pos int, b []byte) {
	for i := range b {
		b[i] ^= key[(pos+i)&3]
	}
}

func TestMaskBytesMatchesBytewise(t *testing.T) {
	t.Parallel()
	src := make([]byte, 200)
	for i := range src {
		src[i] = byte(i * 7)
	}
	for n := 0; n <= len(src); n++ {
		for pos := 0; pos < 4; pos++ {
			fast, slow := bytes.Clone(src[:n]), bytes.Clone(src[:n])
			end := MaskBytes(testKey, pos, fast)
			maskSlow(testKey, pos, slow)
			if !bytes.Equal(fast, slow) || end != (pos+n)&3 {
				t.Fatalf("n=%d pos=%d: mismatch (end %d)", n, pos, end)
			}
		}
	}
}

// TestMaskBytesInPieces: masking a payload in arbitrary pieces, carrying
// the returned position, equals masking it whole.
func TestMaskBytesInPieces(t *testing.T) {
	t.Parallel()
	src := bytes.Repeat([]byte("masking-test"), 20)
	whole := bytes.Clone(src)
	MaskBytes(testKey, 0, whole)
	for step := 1; step < 40; step++ {
		got := bytes.Clone(src)
		pos := 0
		for i := 0; i < len(got); i += step {
			pos = MaskBytes(testKey, pos, got[i:min(i+step, len(got))])
		}
		if !bytes.Equal(got, whole) {
			t.Fatalf("step %d differs", step)
		}
	}
}

func BenchmarkMaskBytes(b *testing.B) {
	for _, n := range []int{16, 512, 16 << 10} {
		buf := make([]byte, n)
		b.Run(fmt.Sprintf("fast/%d", n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				MaskBytes(testKey, 1, buf)
			}
		})
		b.Run(fmt.Sprintf("bytewise/%d", n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				maskSlow(testKey, 1, buf)
			}
		})
	}
}
