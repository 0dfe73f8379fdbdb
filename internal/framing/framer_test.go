package framing

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// rec is a record as the tests see it: copied out of the framer at once,
// because the slice Next returns is only valid until the next call.
type rec struct {
	Data string
	EOL  bool
}

func (r rec) String() string {
	if r.EOL {
		return strconv.Quote(r.Data) + "+eol"
	}
	return strconv.Quote(r.Data)
}

// drain calls Next until it reports ok=false.
func drain(f *Framer) []rec {
	var out []rec
	for {
		r, eol, ok := f.Next()
		if !ok {
			return out
		}
		out = append(out, rec{string(r), eol})
	}
}

// feedAll feeds each chunk through one reused read buffer, scribbling over
// it after every drain so any reference kept past the borrow shows up as
// corrupted records.
func feedAll(f *Framer, chunks ...string) []rec {
	var out []rec
	rb := make([]byte, 0, 64)
	for _, c := range chunks {
		rb = append(rb[:0], c...)
		f.Feed(rb)
		out = append(out, drain(f)...)
		for i := range rb {
			rb[i] = '#'
		}
	}
	return out
}

func TestRawDeliversEachChunk(t *testing.T) {
	t.Parallel()
	var f Framer
	got := feedAll(&f, "hello", "", "\r\nworld\x00", "!")
	want := []rec{{"hello", true}, {"\r\nworld\x00", true}, {"!", true}}
	if !slices.Equal(got, want) {
		t.Fatalf("raw records = %v, want %v", got, want)
	}
	if f.Buffered() != 0 || f.Flush() != nil {
		t.Errorf("raw mode kept data: Buffered=%d", f.Buffered())
	}
}

func TestRecordLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		length  int
		chunks  []string
		want    []rec
		flushed string
	}{
		{"exact chunks", 3, []string{"abc", "def"}, []rec{{"abc", true}, {"def", true}}, ""},
		{"many per chunk", 2, []string{"aabbccd"}, []rec{{"aa", true}, {"bb", true}, {"cc", true}}, "d"},
		{"one byte at a time", 4, []string{"a", "b", "c", "d", "e"}, []rec{{"abcd", true}}, "e"},
		{"straddling chunks", 3, []string{"ab", "cdefg", "hi"}, []rec{{"abc", true}, {"def", true}, {"ghi", true}}, ""},
		{"length one", 1, []string{"xyz"}, []rec{{"x", true}, {"y", true}, {"z", true}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var f Framer
			if err := f.SetRecordLength(tt.length); err != nil {
				t.Fatal(err)
			}
			got := feedAll(&f, tt.chunks...)
			if !slices.Equal(got, tt.want) {
				t.Errorf("records = %v, want %v", got, tt.want)
			}
			if fl := string(f.Flush()); fl != tt.flushed {
				t.Errorf("Flush = %q, want %q", fl, tt.flushed)
			}
		})
	}
}

// A length-prefixed protocol: a 2-byte header announces the body length and
// the handler changes the record length while handling each record, as
// IPWorks allows inside DataIn.
func TestRecordLengthChangedBetweenRecords(t *testing.T) {
	t.Parallel()
	stream := "\x00\x05hello\x00\x00\x00\x0bhello world\x00\x01!"
	for split := range len(stream) + 1 {
		var f Framer
		if err := f.SetRecordLength(2); err != nil {
			t.Fatal(err)
		}
		var bodies []string
		header := true
		handle := func(r []byte) {
			if !header {
				bodies = append(bodies, string(r))
				header = true
				if err := f.SetRecordLength(2); err != nil {
					t.Fatal(err)
				}
				return
			}
			n := int(r[0])<<8 | int(r[1])
			if n == 0 {
				bodies = append(bodies, "")
				return
			}
			header = false
			if err := f.SetRecordLength(n); err != nil {
				t.Fatal(err)
			}
		}
		for _, chunk := range []string{stream[:split], stream[split:]} {
			f.Feed([]byte(chunk))
			for {
				r, _, ok := f.Next()
				if !ok {
					break
				}
				handle(r)
			}
		}
		want := []string{"hello", "", "hello world", "!"}
		if !slices.Equal(bodies, want) {
			t.Fatalf("split %d: bodies = %q, want %q", split, bodies, want)
		}
	}
}

func TestSwitchingModesBetweenRecords(t *testing.T) {
	t.Parallel()
	stream := "HEAD\r\nLEN 4\r\nDATAtail bytes"
	for split := range len(stream) + 1 {
		var f Framer
		f.SetEOL([]byte("\r\n"))
		var got []rec
		var modes []Mode
		step := func(r []byte, eol bool) {
			got = append(got, rec{string(r), eol})
			modes = append(modes, f.Mode())
			switch string(r) {
			case "LEN 4":
				if err := f.SetRecordLength(4); err != nil {
					t.Fatal(err)
				}
			case "DATA":
				if err := f.SetRecordLength(0); err != nil {
					t.Fatal(err)
				}
				f.SetEOL(nil)
			}
		}
		for _, chunk := range []string{stream[:split], stream[split:]} {
			f.Feed([]byte(chunk))
			for {
				r, eol, ok := f.Next()
				if !ok {
					break
				}
				step(r, eol)
			}
		}
		if len(got) < 3 {
			t.Fatalf("split %d: records = %v", split, got)
		}
		head := []rec{{"HEAD", true}, {"LEN 4", true}, {"DATA", true}}
		if !slices.Equal(got[:3], head) {
			t.Errorf("split %d: records = %v, want prefix %v", split, got, head)
		}
		var tail strings.Builder
		for _, r := range got[3:] {
			tail.WriteString(r.Data)
		}
		if tail.String() != "tail bytes" {
			t.Errorf("split %d: raw tail = %q", split, tail.String())
		}
		if modes[len(modes)-1] != ModeRaw {
			t.Errorf("split %d: final mode %v, want raw", split, modes[len(modes)-1])
		}
	}
}

func TestRecordsAliasInputWhenAligned(t *testing.T) {
	t.Parallel()
	var f Framer
	f.SetEOL([]byte("\n"))
	in := []byte("one\ntwo\n")
	f.Feed(in)
	r, _, ok := f.Next()
	if !ok || &r[0] != &in[0] {
		t.Fatalf("first line was copied, want it to alias the fed slice")
	}
	r, _, ok = f.Next()
	if !ok || &r[0] != &in[4] {
		t.Fatalf("second line was copied, want it to alias the fed slice")
	}
}

func TestFeedWithoutDrainKeepsUnreadInput(t *testing.T) {
	t.Parallel()
	var f Framer
	f.SetEOL([]byte("\n"))
	first := []byte("a\nb\npartial")
	f.Feed(first)
	if r, _, _ := f.Next(); string(r) != "a" {
		t.Fatalf("first record %q", r)
	}
	f.Feed([]byte(" line\n"))
	copy(first, "##########") // the framer must have copied what it still needed
	got := drain(&f)
	want := []rec{{"b", true}, {"partial line", true}}
	if !slices.Equal(got, want) {
		t.Fatalf("records = %v, want %v", got, want)
	}
}

func TestFlush(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		setup  func(*Framer)
		chunks []string
		want   string
	}{
		{"partial line", func(f *Framer) { f.SetEOL([]byte("\r\n")) }, []string{"done\r\nhalf a li", "ne\r"}, "half a line\r"},
		{"partial record", func(f *Framer) { _ = f.SetRecordLength(10) }, []string{"0123456789abc"}, "abc"},
		{"nothing left", func(f *Framer) { f.SetEOL([]byte("\n")) }, []string{"x\n"}, ""},
		{"raw", func(*Framer) {}, []string{"abc"}, ""},
		{"undrained feed", func(f *Framer) { f.SetEOL([]byte("\n")) }, nil, "no newline yet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var f Framer
			tt.setup(&f)
			feedAll(&f, tt.chunks...)
			if tt.chunks == nil {
				f.Feed([]byte(tt.want))
			}
			if got := string(f.Flush()); got != tt.want {
				t.Errorf("Flush = %q, want %q", got, tt.want)
			}
			if f.Buffered() != 0 || f.Flush() != nil {
				t.Errorf("Flush did not empty the framer")
			}
		})
	}
}

func TestBufferedAndReset(t *testing.T) {
	t.Parallel()
	var f Framer
	f.SetSingleLineMode(true)
	f.Feed([]byte("line\rpart"))
	if r, _, _ := f.Next(); string(r) != "line" {
		t.Fatalf("record %q", r)
	}
	if f.Buffered() != 4 {
		t.Errorf("Buffered = %d, want 4", f.Buffered())
	}
	drain(&f)
	f.Reset()
	if f.Buffered() != 0 {
		t.Errorf("Buffered after Reset = %d", f.Buffered())
	}
	if !f.SingleLineMode() {
		t.Errorf("Reset changed the settings")
	}
	// Reset also forgets a pending CR: the LF now starts an empty line.
	f.Feed([]byte("x\r"))
	drain(&f)
	f.Reset()
	if got := feedAll(&f, "\ny\n"); !slices.Equal(got, []rec{{"", true}, {"y", true}}) {
		t.Errorf("after Reset records = %v", got)
	}
}

// The owned buffer stays within the documented bounds however the input is
// chunked, as long as every Feed is drained.
func TestBufferIsBounded(t *testing.T) {
	t.Parallel()
	long := bytes.Repeat([]byte("0123456789"), 10_000)
	tests := []struct {
		name  string
		setup func(*Framer)
		bound int
	}{
		{"eol", func(f *Framer) { f.SetEOL([]byte("<EOL>")) }, DefaultMaxLineLength + 5},
		{"single line", func(f *Framer) { f.SetSingleLineMode(true); _ = f.SetMaxLineLength(300) }, 301},
		{"record", func(f *Framer) { _ = f.SetRecordLength(1000) }, 1000},
		{"raw", func(*Framer) {}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, size := range []int{1, 7, 4096, len(long)} {
				var f Framer
				tt.setup(&f)
				total := 0
				for p := long; len(p) > 0; {
					n := min(size, len(p))
					f.Feed(p[:n])
					for _, r := range drain(&f) {
						total += len(r.Data)
					}
					p = p[n:]
					if len(f.buf) > tt.bound {
						t.Fatalf("chunk size %d: buffer holds %d bytes, bound %d", size, len(f.buf), tt.bound)
					}
				}
				total += len(f.Flush())
				if total != len(long) {
					t.Fatalf("chunk size %d: delivered %d bytes of %d", size, total, len(long))
				}
			}
		})
	}
}

func TestLargeBufferIsReleased(t *testing.T) {
	t.Parallel()
	var f Framer
	if err := f.SetRecordLength(1 << 20); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 1<<20)
	f.Feed(big[:100])
	drain(&f)
	f.Feed(big[100:])
	if r, _, ok := f.Next(); !ok || len(r) != 1<<20 {
		t.Fatalf("record of %d bytes, ok=%v", len(r), ok)
	}
	if err := f.SetRecordLength(0); err != nil {
		t.Fatal(err)
	}
	f.Next()
	if cap(f.buf) != 0 {
		t.Errorf("idle framer still holds a %d-byte buffer", cap(f.buf))
	}
}
