package framing

import (
	"slices"
	"strings"
	"testing"
)

// lineCase describes one input stream and the records and leftover it must
// produce however it is split.
type lineCase struct {
	name    string
	eol     string // used when single is false
	single  bool
	maxLine int // 0 keeps the default
	in      string
	want    []rec
	flushed string
}

func (c lineCase) framer(t *testing.T) *Framer {
	t.Helper()
	f := new(Framer)
	f.SetEOL([]byte(c.eol))
	f.SetSingleLineMode(c.single)
	if c.maxLine != 0 {
		if err := f.SetMaxLineLength(c.maxLine); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

var (
	x255 = strings.Repeat("x", 255)
	x256 = strings.Repeat("x", 256)
	x300 = strings.Repeat("x", 300)
)

var eolCases = []lineCase{
	{name: "lf", eol: "\n", in: "a\nbb\n\nccc", want: []rec{{"a", true}, {"bb", true}, {"", true}}, flushed: "ccc"},
	{name: "crlf", eol: "\r\n", in: "a\rb\r\nc\n\r\n", want: []rec{{"a\rb", true}, {"c\n", true}}},
	{name: "multi byte", eol: "<END>", in: "one<END>two<EN<END><END>", want: []rec{{"one", true}, {"two<EN", true}, {"", true}}},
	{name: "nul", eol: "\x00", in: "a\x00\x00b\x00", want: []rec{{"a", true}, {"", true}, {"b", true}}},
	{name: "nul inside eol", eol: "\r\x00\n", in: "a\r\x00\nb\r\n\x00\r\x00\n", want: []rec{{"a", true}, {"b\r\n\x00", true}}},
	{name: "self overlapping eol", eol: "aab", in: "xaaabyaab", want: []rec{{"xa", true}, {"y", true}}},
	{name: "eol only", eol: "\r\n", in: "\r\n\r\n", want: []rec{{"", true}, {"", true}}},
	{name: "line of exactly max", eol: "\r\n", maxLine: 256, in: x256 + "\r\nz\r\n", want: []rec{{x256, true}, {"z", true}}},
	{name: "line of max-1", eol: "\r\n", maxLine: 256, in: x255 + "\r\n", want: []rec{{x255, true}}},
	{
		name: "overflow", eol: "\r\n", maxLine: 256, in: x300 + x300 + "\r\nz\r\n",
		want: []rec{{x256, false}, {x256, false}, {strings.Repeat("x", 88), true}, {"z", true}},
	},
	{
		name: "overflow then eol straddling the cut", eol: "\r\n", maxLine: 256, in: x256 + "x\r\n",
		want: []rec{{x256, false}, {"x", true}},
	},
	{
		name: "overflow leaves partial", eol: "\n", maxLine: 256, in: x300,
		want: []rec{{x256, false}}, flushed: strings.Repeat("x", 44),
	},
}

var singleLineCases = []lineCase{
	{name: "lf", single: true, in: "a\nb\n", want: []rec{{"a", true}, {"b", true}}},
	{name: "cr", single: true, in: "a\rb\r", want: []rec{{"a", true}, {"b", true}}},
	{name: "crlf", single: true, in: "a\r\nb\r\n", want: []rec{{"a", true}, {"b", true}}},
	{name: "mixed", single: true, in: "a\rb\nc\r\nd", want: []rec{{"a", true}, {"b", true}, {"c", true}}, flushed: "d"},
	{name: "lf cr is two lines", single: true, in: "a\n\rb\n", want: []rec{{"a", true}, {"", true}, {"b", true}}},
	{name: "cr cr lf", single: true, in: "\r\r\n", want: []rec{{"", true}, {"", true}}},
	{name: "lf lf", single: true, in: "\n\n", want: []rec{{"", true}, {"", true}}},
	{name: "eol setting ignored", eol: "X", single: true, in: "aXb\n", want: []rec{{"aXb", true}}},
	{name: "nul is data", single: true, in: "\x00\r\n", want: []rec{{"\x00", true}}},
	{name: "cr at max", single: true, maxLine: 256, in: x256 + "\r\ny\n", want: []rec{{x256, true}, {"y", true}}},
	{
		name: "overflow", single: true, maxLine: 256, in: x300 + "\n",
		want: []rec{{x256, false}, {strings.Repeat("x", 44), true}},
	},
}

func runLineCase(t *testing.T, c lineCase, chunks ...string) {
	t.Helper()
	f := c.framer(t)
	got := feedAll(f, chunks...)
	if !slices.Equal(got, c.want) {
		t.Fatalf("chunks %q: records = %v, want %v", chunks, got, c.want)
	}
	if fl := string(f.Flush()); fl != c.flushed {
		t.Fatalf("chunks %q: Flush = %q, want %q", chunks, fl, c.flushed)
	}
}

// Every case is fed whole, then split in two at every byte position, then
// split in three at every pair of positions (short inputs), then one byte at
// a time, so every terminator is split at every byte.
func TestLineSplitAtEveryPosition(t *testing.T) {
	t.Parallel()
	for _, c := range slices.Concat(eolCases, singleLineCases) {
		name := "eol/" + c.name
		if c.single {
			name = "single/" + c.name
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runLineCase(t, c, c.in)
			for i := range len(c.in) + 1 {
				runLineCase(t, c, c.in[:i], c.in[i:])
			}
			if len(c.in) <= 40 {
				for i := range len(c.in) + 1 {
					for j := i; j <= len(c.in); j++ {
						runLineCase(t, c, c.in[:i], c.in[i:j], c.in[j:])
					}
				}
			}
			bytewise := make([]string, len(c.in))
			for i := range c.in {
				bytewise[i] = c.in[i : i+1]
			}
			runLineCase(t, c, bytewise...)
		})
	}
}

// A CR that ends one read is delivered at once, without waiting for the next
// read, and an LF starting the next read is not an extra empty line.
func TestSingleLineCRAtEndOfRead(t *testing.T) {
	t.Parallel()
	var f Framer
	f.SetSingleLineMode(true)
	f.Feed([]byte("cmd\r"))
	if r, eol, ok := f.Next(); !ok || string(r) != "cmd" || !eol {
		t.Fatalf("Next = %q, %v, %v; want the line before the next read", r, eol, ok)
	}
	if _, _, ok := f.Next(); ok {
		t.Fatal("extra record before the next read")
	}
	got := feedAll(&f, "\n", "next\n")
	if want := []rec{{"next", true}}; !slices.Equal(got, want) {
		t.Fatalf("records = %v, want %v", got, want)
	}
	// A CR at the end of a read followed by another CR is an empty line.
	got = feedAll(&f, "a\r", "\rb\n")
	if want := []rec{{"a", true}, {"", true}, {"b", true}}; !slices.Equal(got, want) {
		t.Fatalf("records = %v, want %v", got, want)
	}
}

// The LF of a CRLF split across reads belongs to the CR even when the
// handler changed the settings in between, so the result does not depend on
// where the read boundary fell.
func TestSingleLinePendingLFSurvivesModeChange(t *testing.T) {
	t.Parallel()
	for _, chunks := range [][]string{{"hdr\r", "\nBODY"}, {"hdr\r\nBODY"}} {
		var f Framer
		f.SetSingleLineMode(true)
		var got []rec
		for _, c := range chunks {
			f.Feed([]byte(c))
			for {
				r, eol, ok := f.Next()
				if !ok {
					break
				}
				got = append(got, rec{string(r), eol})
				if string(r) == "hdr" {
					f.SetSingleLineMode(false)
					if err := f.SetRecordLength(4); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		if want := []rec{{"hdr", true}, {"BODY", true}}; !slices.Equal(got, want) {
			t.Errorf("chunks %q: records = %v, want %v", chunks, got, want)
		}
	}
}

// Lowering MaxLineLength below what is already buffered delivers the excess
// at the next call, with eol=false.
func TestMaxLineLengthLoweredWhileBuffered(t *testing.T) {
	t.Parallel()
	var f Framer
	f.SetEOL([]byte("\n"))
	got := feedAll(&f, x300)
	if len(got) != 0 {
		t.Fatalf("records before lowering = %v", got)
	}
	if err := f.SetMaxLineLength(256); err != nil {
		t.Fatal(err)
	}
	got = append(drain(&f), feedAll(&f, "\n")...)
	want := []rec{{x256, false}, {strings.Repeat("x", 44), true}}
	if !slices.Equal(got, want) {
		t.Fatalf("records = %v, want %v", got, want)
	}
}

// Changing EOL while a partial line is buffered rescans it under the new
// terminator.
func TestEOLChangedWhileBuffered(t *testing.T) {
	t.Parallel()
	var f Framer
	f.SetEOL([]byte("\r\n"))
	if got := feedAll(&f, "a\nb\nc"); len(got) != 0 {
		t.Fatalf("records = %v", got)
	}
	f.SetEOL([]byte("\n"))
	want := []rec{{"a", true}, {"b", true}}
	if got := drain(&f); !slices.Equal(got, want) {
		t.Fatalf("records = %v, want %v", got, want)
	}
	if fl := string(f.Flush()); fl != "c" {
		t.Errorf("Flush = %q", fl)
	}
}

func TestIndexCRorLF(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int
	}{
		{"", -1}, {"abc", -1}, {"\n", 0}, {"\r", 0}, {"ab\rc\n", 2}, {"ab\nc\r", 2}, {"\x00\x00\r", 2},
	}
	for _, tt := range tests {
		if got := indexCRorLF([]byte(tt.in)); got != tt.want {
			t.Errorf("indexCRorLF(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// A line trickling in one byte per read is scanned once, not once per byte:
// after each read only the last len(EOL)-1 bytes remain to be searched.
func TestTrickledLineIsScannedOnce(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		setup func(*Framer)
		tail  int // bytes left unscanned
	}{
		{"eol", func(f *Framer) { f.SetEOL([]byte("<END>")) }, 4},
		{"single line", func(f *Framer) { f.SetSingleLineMode(true) }, 0},
	} {
		var f Framer
		tt.setup(&f)
		for i := range 1000 {
			f.Feed([]byte{'x'})
			if _, _, ok := f.Next(); ok {
				t.Fatalf("%s: record after %d bytes", tt.name, i+1)
			}
			if want := max(0, i+1-tt.tail); f.scan != want {
				t.Fatalf("%s: after %d bytes scan = %d, want %d", tt.name, i+1, f.scan, want)
			}
		}
	}
}
