package framing

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// The property behind these tests: records are cut by the bytes and the
// settings alone, so feeding a stream in arbitrary chunks (and draining only
// some records between Feeds) yields the same records as feeding it at once,
// and the records plus their terminators plus the final Flush reproduce the
// input exactly. Raw mode is the exception by design (it delivers chunks as
// they arrive), so consecutive raw records are compared concatenated.

// setting is one entry of a schedule: the settings applied after a record.
type setting struct {
	eol     string
	single  bool
	maxLine int
	record  int
}

func (s setting) apply(f *Framer) error {
	f.SetEOL([]byte(s.eol))
	f.SetSingleLineMode(s.single)
	if err := f.SetMaxLineLength(s.maxLine); err != nil {
		return err
	}
	return f.SetRecordLength(s.record)
}

func (s setting) raw() bool { return s.record == 0 && !s.single && s.eol == "" }

// trec is a record plus the settings that cut it.
type trec struct {
	rec
	By setting
}

// schedule applies sched[0] first and sched[k] after the k-th record; raw
// mode may only come last, since the number of raw records depends on the
// chunking.
type schedule []setting

func (sc schedule) run(t *testing.T, data []byte, rng *rand.Rand) (out []trec, flushed []byte) {
	t.Helper()
	var f Framer
	if err := sc[0].apply(&f); err != nil {
		t.Fatal(err)
	}
	next := func() bool {
		cur := sc[min(len(out), len(sc)-1)]
		r, eol, ok := f.Next()
		if !ok {
			return false
		}
		out = append(out, trec{rec{string(r), eol}, cur})
		if len(out) < len(sc) {
			if err := sc[len(out)].apply(&f); err != nil {
				t.Fatal(err)
			}
		}
		return true
	}
	if rng == nil {
		f.Feed(data)
		for next() {
		}
		return out, f.Flush()
	}
	var prev []byte // a fed buffer not yet fully drained
	for p := data; len(p) > 0; {
		n := min(len(p), 1+rng.IntN(1+rng.IntN(600)))
		buf := slices.Clone(p[:n])
		p = p[n:]
		f.Feed(buf)
		scribble(prev) // Feed must have copied what it still needed
		prev = nil
		limit := -1 // drain fully
		if len(p) > 0 && rng.IntN(4) == 0 {
			limit = rng.IntN(3)
		}
		drained := false
		for i := 0; limit < 0 || i < limit; i++ {
			if !next() {
				drained = true
				break
			}
		}
		if drained {
			scribble(buf)
		} else {
			prev = buf
		}
	}
	for next() {
	}
	return out, f.Flush()
}

func scribble(b []byte) {
	for i := range b {
		b[i] = '#'
	}
}

// mergeRaw joins consecutive raw-mode records.
func mergeRaw(in []trec) []trec {
	var out []trec
	for _, r := range in {
		if n := len(out); n > 0 && r.By.raw() && out[n-1].By.raw() {
			out[n-1].Data += r.Data
			continue
		}
		out = append(out, r)
	}
	return out
}

// reconstruct checks each record against the input and the settings that
// cut it, and that records, terminators and the flushed rest add up to the
// input with no byte lost or repeated.
func reconstruct(data []byte, recs []trec, flushed []byte) error {
	pos := 0
	for i, r := range recs {
		if !bytes.HasPrefix(data[pos:], []byte(r.Data)) {
			return fmt.Errorf("record %d %v does not match input at %d", i, r.rec, pos)
		}
		pos += len(r.Data)
		s := r.By
		switch {
		case s.record > 0:
			if len(r.Data) != s.record || !r.EOL {
				return fmt.Errorf("record %d: %d bytes eol=%v, want %d bytes eol=true", i, len(r.Data), r.EOL, s.record)
			}
		case s.single || s.eol != "":
			if !r.EOL {
				if len(r.Data) != s.maxLine {
					return fmt.Errorf("record %d: overflow record of %d bytes, max %d", i, len(r.Data), s.maxLine)
				}
				continue
			}
			if len(r.Data) > s.maxLine {
				return fmt.Errorf("record %d: line of %d bytes, max %d", i, len(r.Data), s.maxLine)
			}
			switch {
			case s.single && bytes.HasPrefix(data[pos:], []byte("\r\n")):
				pos += 2
			case s.single && pos < len(data) && (data[pos] == '\r' || data[pos] == '\n'):
				pos++
			case !s.single && bytes.HasPrefix(data[pos:], []byte(s.eol)):
				pos += len(s.eol)
			default:
				return fmt.Errorf("record %d: no terminator at %d", i, pos)
			}
		default:
			if !r.EOL {
				return fmt.Errorf("record %d: raw record with eol=false", i)
			}
		}
	}
	if !bytes.Equal(data[pos:], flushed) {
		return fmt.Errorf("rest of input %q != flushed %q", data[pos:], flushed)
	}
	return nil
}

func checkChunking(t *testing.T, data []byte, sc schedule, seed uint64) {
	t.Helper()
	want, wantRest := sc.run(t, data, nil)
	if err := reconstruct(data, want, wantRest); err != nil {
		t.Fatalf("one-shot: %v", err)
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	got, gotRest := sc.run(t, data, rng)
	if !slices.Equal(mergeRaw(got), mergeRaw(want)) {
		t.Fatalf("chunked records differ from one-shot\n got %v\nwant %v", got, want)
	}
	if !bytes.Equal(gotRest, wantRest) {
		t.Fatalf("chunked Flush = %q, one-shot Flush = %q", gotRest, wantRest)
	}
}

var eolChoices = []string{"\n", "\r\n", "\x00", "ab", "a\x00a", "aab", "\x00\x00\x00\x00", "\r\n\r\n"}

// decodeSchedule turns fuzz bytes into a schedule, three bytes per setting.
func decodeSchedule(b []byte) schedule {
	var sc schedule
	for ; len(b) >= 3 && len(sc) < 12; b = b[3:] {
		s := setting{maxLine: MinMaxLineLength + int(b[1])*3}
		switch b[0] % 4 {
		case 1:
			s.eol = eolChoices[int(b[0]>>2)%len(eolChoices)]
		case 2:
			s.single = true
		case 3:
			s.record = 1 + int(b[2])*2
		}
		sc = append(sc, s)
		if s.raw() {
			break
		}
	}
	if len(sc) == 0 {
		sc = schedule{{eol: "\n", maxLine: MinMaxLineLength}}
	}
	return sc
}

func TestChunkingProperty(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab\r\n\x00\r\nxyz")
	for iter := range 300 {
		data := make([]byte, rng.IntN(3000))
		for i := range data {
			data[i] = alphabet[rng.IntN(len(alphabet))]
		}
		sched := make([]byte, 3*(1+rng.IntN(10)))
		for i := range sched {
			sched[i] = byte(rng.Uint32())
		}
		// Long lines would rarely overflow with the random max; force
		// small limits in a third of the runs.
		if iter%3 == 0 {
			for i := 1; i < len(sched); i += 3 {
				sched[i] = 0
			}
		}
		sc := decodeSchedule(sched)
		t.Run(fmt.Sprint(iter), func(t *testing.T) {
			checkChunking(t, data, sc, rng.Uint64())
		})
	}
}

func FuzzFramer(f *testing.F) {
	f.Add([]byte("hello\r\nworld\r\n"), []byte{1 | 1<<2, 0, 0}, uint64(1))
	f.Add([]byte("a\rb\nc\r\nd\r"), []byte{2, 0, 0}, uint64(2))
	f.Add([]byte("a\x00a\x00ab\x00\x00\x00\x00"), []byte{1 | 4<<2, 0, 0, 1 | 6<<2, 1, 0}, uint64(3))
	f.Add(bytes.Repeat([]byte("xyz"), 400), []byte{1, 0, 0, 3, 0, 9, 0, 0, 0}, uint64(4))
	f.Add([]byte("\x00\x05hello\r\nrest of the stream"), []byte{3, 0, 0, 3, 0, 2, 2, 5, 0, 0, 0, 0}, uint64(5))
	f.Add([]byte("aab\raab\r\n\r\n"), []byte{1 | 5<<2, 0, 0, 2, 0, 0, 1 | 7<<2, 0, 0}, uint64(6))
	f.Fuzz(func(t *testing.T, data, sched []byte, seed uint64) {
		if len(data) > 1<<13 {
			data = data[:1<<13]
		}
		checkChunking(t, data, decodeSchedule(sched), seed)
	})
}
