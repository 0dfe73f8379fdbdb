package wsproto

import (
	"bytes"
	"compress/flate"
	"io"
	"strings"
	"testing"
)

// rawInflate decompresses a permessage-deflate payload with plain
// compress/flate, as RFC 7692 §7.2.2 describes.
func rawInflate(t *testing.T, p []byte) []byte {
	t.Helper()
	r := flate.NewReader(io.MultiReader(bytes.NewReader(p), bytes.NewReader(deflateTail), bytes.NewReader(finalBlock)))
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rawDeflate compresses like a third-party sender: sync flush, tail removed.
func rawDeflate(t *testing.T, w *flate.Writer, buf *bytes.Buffer, msg []byte) []byte {
	t.Helper()
	buf.Reset()
	w.Write(msg)
	w.Flush()
	out := bytes.Clone(buf.Bytes())
	if !bytes.HasSuffix(out, deflateTail) {
		t.Fatal("flush did not end with the tail")
	}
	return out[:len(out)-4]
}

// TestRFC7692_7_2_1_CompressInterop: our output, tail removed, inflates
// with plain compress/flate; an empty message compresses to 0x00.
func TestRFC7692_7_2_1_CompressInterop(t *testing.T) {
	t.Parallel()
	c, _ := NewCompressor(0, false)
	msg := []byte(strings.Repeat("Hello permessage-deflate! ", 50))
	z := c.Compress(nil, msg)
	if bytes.HasSuffix(z, deflateTail) {
		t.Fatal("tail not removed")
	}
	if !bytes.Equal(rawInflate(t, z), msg) || len(z) >= len(msg) {
		t.Fatalf("raw inflate mismatch (%d compressed bytes)", len(z))
	}
	if z := c.Compress(nil, nil); !bytes.Equal(z, []byte{0x00}) {
		t.Fatalf("empty message compressed to % x", z)
	}
}

// TestRFC7692_7_2_2_DecompressInterop: messages from a plain flate writer
// with context takeover decompress in sequence; a message ending with a
// BFINAL block (§7.2.3.1) and uncompressed stored blocks (§7.2.3.3) work.
func TestRFC7692_7_2_2_DecompressInterop(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	d := NewDecompressor(true, 15)
	for i, m := range []string{"first message, first message", "first message, again and again", "", strings.Repeat("xyz", 10000)} {
		got, err := d.Decompress(nil, rawDeflate(t, w, &buf, []byte(m)), -1)
		if err != nil || string(got) != m {
			t.Fatalf("message %d: %q %v", i, got, err)
		}
	}
	// BFINAL: a complete deflate stream per message.
	var b2 bytes.Buffer
	w2, _ := flate.NewWriter(&b2, flate.NoCompression)
	w2.Write([]byte("stored and final"))
	w2.Close()
	got, err := NewDecompressor(false, 0).Decompress(nil, b2.Bytes(), -1)
	if err != nil || string(got) != "stored and final" {
		t.Fatalf("BFINAL message: %q %v", got, err)
	}
}

// TestRFC7692_7_1_1_ContextTakeover: with takeover the second message uses
// the first as dictionary (shorter output) and our decompressor follows;
// without it each message stands alone and nothing is retained.
func TestRFC7692_7_1_1_ContextTakeover(t *testing.T) {
	t.Parallel()
	msg := []byte(strings.Repeat("context takeover saves bytes ", 20))
	for _, takeover := range []bool{true, false} {
		c, _ := NewCompressor(0, takeover)
		d := NewDecompressor(takeover, 15)
		z1 := c.Compress(nil, msg)
		z2 := c.Compress(nil, msg)
		if takeover != (len(z2) < len(z1)/2) {
			t.Fatalf("takeover=%v: sizes %d then %d", takeover, len(z1), len(z2))
		}
		for _, z := range [][]byte{z1, z2} {
			got, err := d.Decompress(nil, z, -1)
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("takeover=%v: %v", takeover, err)
			}
		}
		if !takeover && (c.fw != nil || d.Retained() != 0) {
			t.Fatal("state retained between messages without context takeover")
		}
		if takeover && d.Retained() > 1<<15 {
			t.Fatalf("dictionary of %d bytes", d.Retained())
		}
	}
}

func TestDecompressorWindowBound(t *testing.T) {
	t.Parallel()
	d := NewDecompressor(true, 9)
	c, _ := NewCompressor(flate.HuffmanOnly, true)
	for i := range 5 {
		msg := bytes.Repeat([]byte{byte('a' + i)}, 300*i)
		if got, err := d.Decompress(nil, c.Compress(nil, msg), -1); err != nil || !bytes.Equal(got, msg) {
			t.Fatal(err)
		}
		if d.Retained() > 512 {
			t.Fatalf("retained %d bytes with 9 window bits", d.Retained())
		}
	}
}

// TestDecompressionBomb: the inflated size counts against the limit and
// inflation stops at limit+1 bytes.
func TestDecompressionBomb(t *testing.T) {
	t.Parallel()
	c, _ := NewCompressor(flate.BestCompression, false)
	z := c.Compress(nil, make([]byte, 10<<20)) // 10 MiB of zeros → ~10 KB
	_, err := NewDecompressor(false, 0).Decompress(nil, z, 1<<20)
	wantCode(t, err, CloseMessageTooBig)

	r := NewReader(RoleServer, ReaderOptions{MaxMessageSize: 1 << 20, Decompressor: NewDecompressor(false, 0)})
	_, err = readAll(r, wire(RoleServer, Header{Fin: true, RSV1: true, Opcode: OpBinary}, z))
	wantCode(t, err, CloseMessageTooBig)
	if cap(r.buf) > 2<<20 {
		t.Fatalf("reader allocated %d bytes for a 1 MiB limit", cap(r.buf))
	}
}

func TestDecompressCorrupt(t *testing.T) {
	t.Parallel()
	_, err := NewDecompressor(false, 0).Decompress(nil, []byte{0xff, 0xff, 0xff}, -1)
	wantCode(t, err, CloseInvalidPayload)
	r := NewReader(RoleClient, ReaderOptions{Decompressor: NewDecompressor(false, 0)})
	c, _ := NewCompressor(0, false)
	_, err = readAll(r, wire(RoleClient, Header{Fin: true, RSV1: true, Opcode: OpText}, c.Compress(nil, []byte("ok\xff"))))
	wantCode(t, err, CloseInvalidPayload)
}

func TestCompressFragmentStreaming(t *testing.T) {
	t.Parallel()
	for _, takeover := range []bool{false, true} {
		c, _ := NewCompressor(0, takeover)
		e := &Encoder{Role: RoleClient}
		var wireBytes []byte
		parts := []string{"streamed ", "message ", "in three parts"}
		for i, p := range parts {
			last := i == len(parts)-1
			z := c.CompressFragment(nil, []byte(p), last)
			wireBytes, _ = e.AppendFragment(wireBytes, OpText, z, last, true)
		}
		evs, err := readAll(NewReader(RoleServer, ReaderOptions{Decompressor: NewDecompressor(takeover, 0)}), wireBytes)
		if err != nil || render(evs) != "1:streamed message in three parts| " {
			t.Fatalf("takeover=%v: %q %v", takeover, render(evs), err)
		}
	}
}

func TestNewCompressorLevels(t *testing.T) {
	t.Parallel()
	for _, lvl := range []int{10, -1, -3} {
		if _, err := NewCompressor(lvl, false); err == nil {
			t.Fatalf("level %d accepted", lvl)
		}
	}
}

func BenchmarkCompress(b *testing.B) {
	msg := []byte(strings.Repeat(`{"id":1234,"name":"tlskit","tags":["ws","tls"],"ok":true} `, 70)) // ~4 KiB JSON-ish
	for _, tc := range []struct {
		name     string
		level    int
		takeover bool
	}{{"level1/no-takeover", 1, false}, {"level1/takeover", 1, true}, {"huffman-only", flate.HuffmanOnly, false}} {
		b.Run(tc.name, func(b *testing.B) {
			c, _ := NewCompressor(tc.level, tc.takeover)
			var out []byte
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				out = c.Compress(out[:0], msg)
			}
			b.ReportMetric(float64(len(out))/float64(len(msg)), "ratio")
		})
	}
}

func BenchmarkDecompress(b *testing.B) {
	msg := []byte(strings.Repeat(`{"id":1234,"name":"tlskit","tags":["ws","tls"],"ok":true} `, 70))
	c, _ := NewCompressor(1, false)
	z := c.Compress(nil, msg)
	d := NewDecompressor(false, 0)
	var out []byte
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		out, _ = d.Decompress(out[:0], z, -1)
	}
}

func TestCompressorHoldsWriter(t *testing.T) {
	for _, takeover := range []bool{false, true} {
		c, err := NewCompressor(1, takeover)
		if err != nil {
			t.Fatal(err)
		}
		c.Compress(nil, []byte("hello hello hello"))
		if c.HoldsWriter() != takeover {
			t.Fatalf("takeover=%v: HoldsWriter=%v after a message", takeover, c.HoldsWriter())
		}
		c.Close()
		if c.HoldsWriter() {
			t.Fatal("writer held after Close")
		}
	}
}
