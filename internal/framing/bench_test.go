package framing

import (
	"bytes"
	"testing"
)

// benchStream is 64 KiB of 60-byte CRLF lines, fed in 4 KiB reads so lines
// straddle read boundaries as they do on a real socket.
func benchStream() []byte {
	line := append(bytes.Repeat([]byte("0123456789"), 6)[:58], '\r', '\n')
	return bytes.Repeat(line, (64<<10)/len(line))
}

func benchFeed(b *testing.B, f *Framer) {
	stream := benchStream()
	const read = 4 << 10
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for p := stream; len(p) > 0; {
			n := min(read, len(p))
			f.Feed(p[:n])
			p = p[n:]
			for {
				if _, _, ok := f.Next(); !ok {
					break
				}
			}
		}
	}
}

func BenchmarkFramerLines(b *testing.B) {
	var f Framer
	f.SetEOL([]byte("\r\n"))
	benchFeed(b, &f)
}

func BenchmarkFramerSingleLine(b *testing.B) {
	var f Framer
	f.SetSingleLineMode(true)
	benchFeed(b, &f)
}

func BenchmarkFramerRecords(b *testing.B) {
	var f Framer
	if err := f.SetRecordLength(100); err != nil {
		b.Fatal(err)
	}
	benchFeed(b, &f)
}

func BenchmarkFramerRaw(b *testing.B) {
	var f Framer
	benchFeed(b, &f)
}

// Steady state allocates nothing: checked here so a regression fails the
// ordinary test run, not only a benchmark someone has to read.
func TestSteadyStateAllocatesNothing(t *testing.T) {
	stream := benchStream()
	for _, tt := range []struct {
		name  string
		setup func(*Framer)
	}{
		{"eol", func(f *Framer) { f.SetEOL([]byte("\r\n")) }},
		{"single line", func(f *Framer) { f.SetSingleLineMode(true) }},
		{"record", func(f *Framer) { _ = f.SetRecordLength(100) }},
		{"raw", func(*Framer) {}},
	} {
		var f Framer
		tt.setup(&f)
		run := func() {
			for p := stream; len(p) > 0; {
				n := min(4<<10, len(p))
				f.Feed(p[:n])
				p = p[n:]
				for {
					if _, _, ok := f.Next(); !ok {
						break
					}
				}
			}
		}
		run() // grow the buffer once
		if allocs := testing.AllocsPerRun(20, run); allocs != 0 {
			t.Errorf("%s: %v allocations per 64 KiB, want 0", tt.name, allocs)
		}
	}
}
