package tlsrecord

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

type seen struct {
	Type    ContentType
	Version uint16
	Length  int
	Body    string
}

func collect(s *Splitter, pieces [][]byte) []seen {
	var out []seen
	for _, p := range pieces {
		s.Feed(p, func(r Record) {
			out = append(out, seen{r.Type, r.Version, r.Length, string(r.Body)})
		})
	}
	return out
}

func record(t ContentType, body string) []byte {
	return append([]byte{byte(t), 3, 3, byte(len(body) >> 8), byte(len(body))}, body...)
}

func TestSplitterRecordsAndPieces(t *testing.T) {
	stream := bytes.Join([][]byte{record(Handshake, "hello"), record(ChangeCipherSpec, "\x01"),
		record(ApplicationData, ""), record(Alert, "\x02\x28")}, nil)
	want := []seen{{Handshake, 0x0303, 5, "hello"}, {ChangeCipherSpec, 0x0303, 1, "\x01"},
		{ApplicationData, 0x0303, 0, ""}, {Alert, 0x0303, 2, "\x02\x28"}}
	for size := 1; size <= len(stream); size++ {
		var pieces [][]byte
		for i := 0; i < len(stream); i += size {
			pieces = append(pieces, stream[i:min(i+size, len(stream))])
		}
		s := Splitter{KeepBodies: true}
		if got := collect(&s, pieces); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("pieces of %d: %v, want %v", size, got, want)
		}
	}
	s := Splitter{}
	if got := collect(&s, [][]byte{stream}); got[0].Body != "" || got[0].Length != 5 {
		t.Fatalf("without KeepBodies: %v", got[0])
	}
}

func TestSplitterNotTLS(t *testing.T) {
	var s Splitter
	n := 0
	s.Feed([]byte("\x16\x03\x01\xff\xffmore"), func(Record) { n++ })
	if n != 0 || !errors.Is(s.Err(), ErrNotTLS) {
		t.Fatalf("%d records, %v", n, s.Err())
	}
	if Handshake.String() != "handshake" || ContentType(99).String() != "content_type(99)" {
		t.Fatal(Handshake.String(), ContentType(99).String())
	}
}

// FuzzRecordSplit checks that the Splitter never panics and that feeding a
// stream whole or in pieces (cut where the input's first bytes say) gives
// the same records and the same error.
func FuzzRecordSplit(f *testing.F) {
	f.Add([]byte{3, 1, 7}, append(record(Handshake, "hello"), record(Alert, "\x01\x00")...))
	f.Add([]byte{}, []byte("GET / HTTP/1.1\r\n"))
	f.Add([]byte{5}, record(ApplicationData, string(make([]byte, 300))))
	f.Fuzz(func(t *testing.T, cuts, stream []byte) {
		whole := Splitter{KeepBodies: true}
		want := collect(&whole, [][]byte{stream})
		var pieces [][]byte
		rest := stream
		for _, c := range cuts {
			k := min(int(c), len(rest))
			pieces = append(pieces, rest[:k])
			rest = rest[k:]
		}
		pieces = append(pieces, rest)
		split := Splitter{KeepBodies: true}
		got := collect(&split, pieces)
		if fmt.Sprint(got) != fmt.Sprint(want) || split.Err() != whole.Err() {
			t.Fatalf("pieces: %v %v, whole: %v %v", got, split.Err(), want, whole.Err())
		}
		bare := Splitter{}
		for i, r := range collect(&bare, pieces) {
			if r.Type != want[i].Type || r.Length != want[i].Length || r.Length != len(want[i].Body) {
				t.Fatalf("record %d without bodies: %v, with: %v", i, r, want[i])
			}
		}
	})
}
