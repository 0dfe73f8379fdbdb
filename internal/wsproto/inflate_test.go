package wsproto

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
)

// compressible returns n bytes of text that compress well but not to
// nothing: words drawn from a small set.
func compressible(n int, seed uint64) []byte {
	words := []string{"tls ", "kit ", "web ", "socket ", "frame ", "grüße ", "deflate ", "\n"}
	rng := rand.New(rand.NewPCG(seed, 1))
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString(words[rng.IntN(len(words))])
	}
	return b.Bytes()[:n:n]
}

// TestReaderInflatesInPieces: compressed messages of every size around the
// piece size come out whole and in order, split into pieces of at most
// inflateChunk bytes when streaming and as one event when buffering, with
// and without context takeover (the dictionary spans pieces), and the
// limit holds at exactly the message's size.
func TestReaderInflatesInPieces(t *testing.T) {
	t.Parallel()
	sizes := []int{0, 1, inflateChunk - 1, inflateChunk, inflateChunk + 1, 3*inflateChunk + 7, 1<<20 + 3}
	for _, takeover := range []bool{false, true} {
		for _, buffer := range []bool{false, true} {
			t.Run(fmt.Sprintf("takeover=%v/buffer=%v", takeover, buffer), func(t *testing.T) {
				t.Parallel()
				comp, _ := NewCompressor(0, takeover)
				r := NewReader(RoleServer, ReaderOptions{BufferMessage: buffer, MaxMessageSize: 1<<20 + 3, Decompressor: NewDecompressor(takeover, 15)})
				for i, n := range sizes {
					msg := compressible(n, uint64(i))
					z := comp.Compress(nil, msg)
					// Two frames, so that the message is gathered in zbuf, or one.
					var in []byte
					if i%2 == 0 && len(z) > 2 {
						in = cat(wire(RoleServer, Header{RSV1: true, Opcode: OpText}, z[:2]), wire(RoleServer, Header{Fin: true, Opcode: OpContinuation}, z[2:]))
					} else {
						in = wire(RoleServer, Header{Fin: true, RSV1: true, Opcode: OpText}, z)
					}
					evs, err := readAll(r, in)
					if err != nil {
						t.Fatalf("%d bytes: %v", n, err)
					}
					var got []byte
					for j, ev := range evs {
						wantFormat := FormatContinuation
						if j == 0 {
							wantFormat = FormatText
						}
						if ev.Kind != EventData || ev.Format != wantFormat || ev.EOM != (j == len(evs)-1) {
							t.Fatalf("%d bytes: event %d of %d is %v %v eom=%v", n, j, len(evs), ev.Kind, ev.Format, ev.EOM)
						}
						if !buffer && len(ev.Data) > inflateChunk {
							t.Fatalf("%d bytes: a streamed piece of %d bytes", n, len(ev.Data))
						}
						got = append(got, ev.Data...)
					}
					if buffer && len(evs) != 1 {
						t.Fatalf("%d bytes: %d events when buffering", n, len(evs))
					}
					if !bytes.Equal(got, msg) {
						t.Fatalf("%d bytes: got %d different bytes", n, len(got))
					}
					r.Release()
					if !r.Idle() {
						t.Fatalf("%d bytes: reader not idle after the message", n)
					}
				}
				// One byte over the limit.
				_, err := readAll(r, wire(RoleServer, Header{Fin: true, RSV1: true, Opcode: OpBinary}, comp.Compress(nil, make([]byte, 1<<20+4))))
				wantCode(t, err, CloseMessageTooBig)
			})
		}
	}
}

// allocated returns the bytes f allocates (the test must not run in
// parallel with others).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestInflateMemoryBound: what a Reader allocates for a compressed message
// depends on the limits, not on the compression ratio. A streaming Reader
// inflates a message just under the limit (8 MiB of zeros in a few KB)
// in pieces and allocates a small fraction of it; a buffering Reader given
// a bomb allocates about the limit once (not the limit and every smaller
// buffer it grew through); both stop as soon as text is not UTF-8. Not
// parallel: it counts the process's allocations.
func TestInflateMemoryBound(t *testing.T) {
	const limit = 8 << 20
	comp, _ := NewCompressor(flate.BestSpeed, false)
	under := wire(RoleServer, Header{Fin: true, RSV1: true, Opcode: OpBinary}, comp.Compress(nil, make([]byte, limit)))
	bomb := wire(RoleServer, Header{Fin: true, RSV1: true, Opcode: OpBinary}, comp.Compress(nil, make([]byte, 4*limit)))
	badText := wire(RoleServer, Header{Fin: true, RSV1: true, Opcode: OpText}, comp.Compress(nil, append([]byte("\xff"), make([]byte, limit-1)...)))
	read := func(buffer bool, in []byte, wantErr CloseCode) uint64 {
		return allocated(func() {
			r := NewReader(RoleServer, ReaderOptions{BufferMessage: buffer, MaxMessageSize: limit, Decompressor: NewDecompressor(false, 15)})
			r.Feed(bytes.Clone(in))
			var total int
			for {
				ev, ok, err := r.Next()
				if err != nil {
					if wantErr == 0 {
						t.Fatal(err)
					}
					wantCode(t, err, wantErr)
					return
				}
				if !ok {
					break
				}
				total += len(ev.Data)
			}
			if wantErr != 0 || total != limit {
				t.Fatalf("%d bytes delivered, want error %d", total, wantErr)
			}
		})
	}
	if n := read(false, under, 0); n > 2<<20 {
		t.Errorf("streaming a %d-byte compressed message of %d bytes allocated %d bytes", len(under), limit, n)
	}
	if n := read(false, bomb, CloseMessageTooBig); n > 2<<20 {
		t.Errorf("streaming a bomb allocated %d bytes", n)
	}
	if n := read(true, bomb, CloseMessageTooBig); n > limit+limit/4 {
		t.Errorf("buffering a bomb allocated %d bytes with a limit of %d", n, limit)
	}
	for _, buffer := range []bool{false, true} {
		if n := read(buffer, badText, CloseInvalidPayload); n > 2<<20 {
			t.Errorf("buffer=%v: text whose first byte is not UTF-8 allocated %d bytes", buffer, n)
		}
	}
}

// BenchmarkInflateBomb reports what a server Reader with the default
// 32 MiB limit spends on a deflate bomb (1 MiB of compressed zeros that
// would inflate to 1 GiB, ending in 1009) and on a message just under the
// limit (32 KB inflating to 32 MiB - 1): B/op is the memory allocated
// per message.
func BenchmarkInflateBomb(b *testing.B) {
	comp, _ := NewCompressor(flate.BestCompression, false)
	for _, tc := range []struct {
		name string
		msg  []byte
		code CloseCode
	}{
		{"bomb-1GiB", comp.Compress(nil, make([]byte, 1<<30)), CloseMessageTooBig},
		{"under-limit", comp.Compress(nil, make([]byte, DefaultMaxMessageSize-1)), 0},
	} {
		in := wire(RoleServer, Header{Fin: true, RSV1: true, Opcode: OpBinary}, tc.msg)
		for _, buffer := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/buffer=%v", tc.name, buffer), func(b *testing.B) {
				b.ReportAllocs()
				b.ReportMetric(float64(len(tc.msg)), "compressed-bytes")
				buf := make([]byte, len(in))
				for b.Loop() {
					copy(buf, in)
					r := NewReader(RoleServer, ReaderOptions{BufferMessage: buffer, Decompressor: NewDecompressor(false, 15)})
					r.Feed(buf)
					for {
						_, ok, err := r.Next()
						if err != nil {
							if CloseCodeOf(err) != tc.code {
								b.Fatal(err)
							}
							break
						}
						if !ok {
							break
						}
					}
				}
			})
		}
	}
}

// FuzzInflate: the Decompressor inflates any input as compress/flate does
// (the same bytes, or 1007 where flate fails), never returns more than the
// limit (1009 when flate would give more), gives the same bytes read in
// pieces of any size, and a Reader streaming or buffering the input as a
// compressed frame delivers the same bytes in pieces of at most
// inflateChunk, or fails with the same code. Compressing the input and
// inflating it gives it back, with and without context takeover.
func FuzzInflate(f *testing.F) {
	comp, _ := NewCompressor(flate.BestCompression, false)
	f.Add(comp.Compress(nil, []byte("hello hello hello")), uint32(100), uint8(3))
	f.Add(comp.Compress(nil, make([]byte, 200000)), uint32(100000), uint8(0))
	f.Add(comp.Compress(nil, make([]byte, 200000)), uint32(90000), uint8(255))
	f.Add(comp.Compress(nil, compressible(70000, 1)), uint32(70000), uint8(17))
	f.Add([]byte{0xff, 0xff, 0xff}, uint32(10), uint8(1))
	f.Add([]byte{}, uint32(0), uint8(0))
	f.Fuzz(func(t *testing.T, z []byte, limit32 uint32, piece uint8) {
		limit := int64(limit32 % (96 << 10))
		// What compress/flate makes of it, reading at most limit+1 bytes.
		ref := flate.NewReader(io.MultiReader(bytes.NewReader(z), bytes.NewReader(deflateTail), bytes.NewReader(finalBlock)))
		want, refErr := io.ReadAll(io.LimitReader(ref, limit+1))
		wantCode := CloseCode(0)
		switch {
		case int64(len(want)) > limit:
			wantCode = CloseMessageTooBig
		case refErr != nil:
			wantCode = CloseInvalidPayload
		}
		check := func(what string, got []byte, err error) {
			t.Helper()
			if int64(len(got)) > limit {
				t.Fatalf("%s: %d bytes with a limit of %d", what, len(got), limit)
			}
			if wantCode != 0 {
				if CloseCodeOf(err) != wantCode {
					t.Fatalf("%s: %v, want close %d", what, err, wantCode)
				}
				return
			}
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%s: %d bytes, %v; flate gives %d bytes", what, len(got), err, len(want))
			}
		}

		d := NewDecompressor(false, 0)
		got, err := d.Decompress(nil, z, limit)
		if err != nil && len(got) != 0 {
			t.Fatalf("Decompress returned %d bytes with %v", len(got), err)
		}
		check("Decompress", got, err)
		if d.Inflating() {
			t.Fatal("Decompress left the flate reader taken")
		}

		// The same in pieces of 1 to 4081 bytes.
		d.Start(z)
		buf := make([]byte, 1+16*int(piece))
		got = got[:0]
		err = nil
		for int64(len(got)) <= limit {
			n, rerr := d.Read(buf)
			got = append(got, buf[:n]...)
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				err = rerr
				break
			}
		}
		d.Stop()
		if int64(len(got)) > limit {
			got, err = nil, tooBig(limit)
		}
		check("Read", got, err)

		for _, buffer := range []bool{false, true} {
			r := NewReader(RoleServer, ReaderOptions{BufferMessage: buffer, MaxMessageSize: max(limit, 1), Decompressor: NewDecompressor(false, 0)})
			if limit == 0 {
				// MaxMessageSize 0 means the default: use the smallest limit, 1,
				// and compare with what flate gives within it.
				continue
			}
			evs, err := readAll(r, wire(RoleServer, Header{Fin: true, RSV1: true, Opcode: OpBinary}, bytes.Clone(z)))
			var data []byte
			for i, ev := range evs {
				if !buffer && len(ev.Data) > inflateChunk {
					t.Fatalf("a streamed piece of %d bytes", len(ev.Data))
				}
				if ev.EOM != (i == len(evs)-1 && err == nil) {
					t.Fatalf("event %d of %d: eom=%v, err %v", i, len(evs), ev.EOM, err)
				}
				data = append(data, ev.Data...)
			}
			if wantCode == 0 || buffer {
				check("Reader", data, err)
			} else if CloseCodeOf(err) != wantCode || !bytes.HasPrefix(want, data) {
				t.Fatalf("streaming Reader: %d bytes then %v, want close %d", len(data), err, wantCode)
			}
		}

		// Round trips.
		for _, takeover := range []bool{false, true} {
			c, _ := NewCompressor(1, takeover)
			d := NewDecompressor(takeover, 0)
			for range 2 {
				got, err := d.Decompress(nil, c.Compress(nil, z), -1)
				if err != nil || !bytes.Equal(got, z) {
					t.Fatalf("takeover=%v: round trip of %d bytes: %d bytes, %v", takeover, len(z), len(got), err)
				}
			}
		}
	})
}
