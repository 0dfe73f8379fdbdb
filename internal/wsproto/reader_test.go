package wsproto

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// readAll feeds b and collects events (data copied) until need-more or error.
func readAll(r *Reader, b []byte) ([]Event, error) {
	r.Feed(b)
	var out []Event
	for {
		ev, ok, err := r.Next()
		if err != nil {
			return out, err
		}
		if !ok {
			return out, nil
		}
		ev.Data = bytes.Clone(ev.Data)
		out = append(out, ev)
	}
}

func render(evs []Event) string {
	var sb strings.Builder
	for _, e := range evs {
		switch e.Kind {
		case EventData:
			fmt.Fprintf(&sb, "%d:%s", e.Format, e.Data)
			if e.EOM {
				sb.WriteString("|")
			}
			sb.WriteString(" ")
		case EventClose:
			fmt.Fprintf(&sb, "close(%d,%s) ", e.Code, e.Reason)
		default:
			fmt.Fprintf(&sb, "%v(%s) ", e.Kind, e.Data)
		}
	}
	return sb.String()
}

func TestReaderStreamingAndBuffered(t *testing.T) {
	t.Parallel()
	for _, role := range bothRoles {
		f := func(fin bool, op Opcode, p string) []byte { return wire(role, Header{Fin: fin, Opcode: op}, []byte(p)) }
		stream := cat(f(false, OpText, "Hel"), f(true, OpPing, "p"), f(false, OpContinuation, ""), f(true, OpContinuation, "lo"),
			f(true, OpBinary, "bin"), f(true, OpText, ""), f(true, OpPong, "q"))
		t.Run(role.String()+"/stream", func(t *testing.T) {
			evs, err := readAll(NewReader(role, ReaderOptions{}), bytes.Clone(stream))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := render(evs), "1:Hel ping(p) 0:lo| 2:bin| 1:| pong(q) "; got != want {
				t.Fatalf("got  %q\nwant %q", got, want)
			}
		})
		t.Run(role.String()+"/buffered", func(t *testing.T) {
			evs, err := readAll(NewReader(role, ReaderOptions{BufferMessage: true}), bytes.Clone(stream))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := render(evs), "ping(p) 1:Hello| 2:bin| 1:| pong(q) "; got != want {
				t.Fatalf("got  %q\nwant %q", got, want)
			}
		})
	}
}

// TestRFC6455_5_6_TextUTF8: invalid UTF-8 in a text message fails with
// 1007 as soon as the proving frame arrives, even mid-message, and a
// message ending inside a sequence fails at its end.
func TestRFC6455_5_6_TextUTF8(t *testing.T) {
	t.Parallel()
	for _, role := range bothRoles {
		for _, buffered := range []bool{false, true} {
			f := func(fin bool, op Opcode, p string) []byte { return wire(role, Header{Fin: fin, Opcode: op}, []byte(p)) }
			name := fmt.Sprintf("%v/buffered=%v", role, buffered)
			t.Run(name+"/mid-message", func(t *testing.T) {
				r := NewReader(role, ReaderOptions{BufferMessage: buffered})
				// The message is not finished: the error must come anyway.
				_, err := readAll(r, cat(f(false, OpText, "ok"), f(false, OpContinuation, "\xce\xba\xed\xa0")))
				wantCode(t, err, CloseInvalidPayload)
			})
			t.Run(name+"/split sequence is fine", func(t *testing.T) {
				evs, err := readAll(NewReader(role, ReaderOptions{BufferMessage: buffered}), cat(f(false, OpText, "\xce"), f(true, OpContinuation, "\xba")))
				if err != nil || len(evs) == 0 {
					t.Fatal(err)
				}
			})
			t.Run(name+"/truncated at end", func(t *testing.T) {
				_, err := readAll(NewReader(role, ReaderOptions{BufferMessage: buffered}), cat(f(false, OpText, "a"), f(true, OpContinuation, "\xe2\x82")))
				wantCode(t, err, CloseInvalidPayload)
			})
			t.Run(name+"/binary not checked", func(t *testing.T) {
				if _, err := readAll(NewReader(role, ReaderOptions{BufferMessage: buffered}), f(true, OpBinary, "\xff\xfe")); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestRFC6455_5_5_1_CloseThroughReader: close bodies are validated and
// nothing is reported after a Close frame.
func TestRFC6455_5_5_1_CloseThroughReader(t *testing.T) {
	t.Parallel()
	for _, role := range bothRoles {
		cl := func(p []byte) []byte { return wire(role, Header{Fin: true, Opcode: OpClose}, p) }
		evs, err := readAll(NewReader(role, ReaderOptions{}), cat(cl([]byte{0x0f, 0xa0, 'o', 'k'}), wire(role, Header{Fin: true, Opcode: OpText}, []byte("late"))))
		if err != nil || render(evs) != "close(4000,ok) " {
			t.Fatalf("%v: %q %v", role, render(evs), err)
		}
		for _, tc := range []struct {
			body []byte
			code CloseCode
		}{{[]byte{3}, CloseProtocolError}, {[]byte{3, 237}, CloseProtocolError}, {[]byte{3, 232, 0xff}, CloseInvalidPayload}} {
			_, err := readAll(NewReader(role, ReaderOptions{}), cl(tc.body))
			wantCode(t, err, tc.code)
		}
		evs, err = readAll(NewReader(role, ReaderOptions{}), cl(nil))
		if err != nil || evs[0].Code != CloseNoStatus {
			t.Fatalf("empty close: %v %v", evs, err)
		}
	}
}

func TestReaderMaxMessageSize(t *testing.T) {
	t.Parallel()
	for _, role := range bothRoles {
		r := NewReader(role, ReaderOptions{MaxMessageSize: 8, BufferMessage: true})
		_, err := readAll(r, cat(wire(role, Header{Opcode: OpBinary}, make([]byte, 5)), wire(role, Header{Fin: true, Opcode: OpContinuation}, make([]byte, 4))))
		wantCode(t, err, CloseMessageTooBig)
	}
}

// TestReaderChunking: the events of a stream do not depend on how it is split
// (in buffered mode, where event boundaries are message boundaries).
func TestReaderChunking(t *testing.T) {
	t.Parallel()
	for _, role := range bothRoles {
		comp, _ := NewCompressor(0, false)
		z := comp.Compress(nil, []byte("squeeze squeeze squeeze"))
		stream := cat(
			wire(role, Header{Opcode: OpText}, []byte("grü")),
			wire(role, Header{Fin: true, Opcode: OpPing}, []byte("x")),
			wire(role, Header{Fin: true, Opcode: OpContinuation}, []byte("ße")),
			wire(role, Header{RSV1: true, Opcode: OpText}, z[:3]),
			wire(role, Header{Fin: true, Opcode: OpContinuation}, z[3:]),
			wire(role, Header{Fin: true, Opcode: OpClose}, []byte{3, 232}),
		)
		opt := func() ReaderOptions {
			return ReaderOptions{BufferMessage: true, Decompressor: NewDecompressor(true, 15)}
		}
		want, err := readAll(NewReader(role, opt()), bytes.Clone(stream))
		if err != nil {
			t.Fatal(err)
		}
		if got := render(want); got != "ping(x) 1:grüße| 1:squeeze squeeze squeeze| close(1000,) " {
			t.Fatalf("unsplit: %q", got)
		}
		for split := 0; split <= len(stream); split++ {
			r := NewReader(role, opt())
			a, err := readAll(r, bytes.Clone(stream[:split]))
			if err != nil {
				t.Fatal(err)
			}
			b, err := readAll(r, bytes.Clone(stream[split:]))
			if err != nil {
				t.Fatal(err)
			}
			if render(append(a, b...)) != render(want) {
				t.Fatalf("split %d: %q", split, render(append(a, b...)))
			}
		}
	}
}

func TestReaderDropsLargeBuffers(t *testing.T) {
	t.Parallel()
	r := NewReader(RoleServer, ReaderOptions{BufferMessage: true})
	big := cat(wire(RoleServer, Header{Opcode: OpBinary}, make([]byte, retainLimit)),
		wire(RoleServer, Header{Fin: true, Opcode: OpContinuation}, []byte("x")))
	if _, err := readAll(r, big); err != nil {
		t.Fatal(err)
	}
	if cap(r.buf) <= retainLimit {
		t.Fatalf("a fragmented message of %d bytes was not gathered (buffer of %d)", retainLimit+1, cap(r.buf))
	}
	if _, err := readAll(r, wire(RoleServer, Header{Fin: true, Opcode: OpBinary}, []byte("s"))); err != nil {
		t.Fatal(err)
	}
	if cap(r.buf) > retainLimit {
		t.Fatalf("reader kept a %d-byte buffer after a small message", cap(r.buf))
	}
}

func ExampleReader() {
	// A server reading a masked text frame sent by a client.
	enc := &Encoder{Role: RoleClient}
	frame, _ := enc.AppendMessage(nil, OpText, []byte("hello"), false)

	r := NewReader(RoleServer, ReaderOptions{})
	r.Feed(frame)
	for {
		ev, ok, err := r.Next()
		if err != nil {
			fmt.Println("close with", CloseCodeOf(err))
			return
		}
		if !ok {
			break
		}
		fmt.Printf("%v format=%d eom=%v %s\n", ev.Kind, ev.Format, ev.EOM, ev.Data)
	}
	// Output: data format=1 eom=true hello
}

func TestReaderRelease(t *testing.T) {
	r := NewReader(RoleServer, ReaderOptions{BufferMessage: true})
	first := wire(RoleServer, Header{Opcode: OpBinary}, []byte("abc"))
	r.Feed(first)
	if _, ok, err := r.Next(); ok || err != nil {
		t.Fatalf("event before the message ended: ok=%v %v", ok, err)
	}
	r.Release() // mid-message: the buffered part must stay
	if _, err := readAll(r, wire(RoleServer, Header{Fin: true, Opcode: OpContinuation}, []byte("def"))); err != nil {
		t.Fatal(err)
	}
	if string(r.buf) != "abcdef" {
		t.Fatalf("buffered %q after a mid-message Release", r.buf)
	}
	r.Release()
	if r.buf != nil || r.zbuf != nil {
		t.Fatal("buffers kept after Release between messages")
	}
}

// TestReaderBufferedInPlace: in whole-message mode a single-frame message
// that arrived in one Feed is lent from the fed bytes, with no copy and no
// buffer; a fragmented one, or one split across Feeds, is gathered.
func TestReaderBufferedInPlace(t *testing.T) { // not parallel: AllocsPerRun
	r := NewReader(RoleServer, ReaderOptions{BufferMessage: true})
	in := wire(RoleServer, Header{Fin: true, Opcode: OpText}, []byte("whole"))
	r.Feed(in)
	ev, ok, err := r.Next()
	if err != nil || !ok || string(ev.Data) != "whole" || !ev.EOM || ev.Format != FormatText {
		t.Fatalf("%+v %v %v", ev, ok, err)
	}
	if &ev.Data[0] != &in[len(in)-len("whole")] {
		t.Error("a whole single-frame message was copied, want it lent from the fed bytes")
	}
	if r.buf != nil {
		t.Errorf("reader allocated a %d-byte buffer for it", cap(r.buf))
	}
	frame := wire(RoleServer, Header{Fin: true, Opcode: OpBinary}, make([]byte, 1024))
	if allocs := testing.AllocsPerRun(100, func() {
		r.Feed(frame) // unmasked in place each time: binary, so any bytes do
		for {
			if _, ok, err := r.Next(); !ok || err != nil {
				break
			}
		}
	}); allocs != 0 {
		t.Errorf("%.0f allocations per whole message, want none", allocs)
	}

	split := wire(RoleServer, Header{Fin: true, Opcode: OpBinary}, []byte("split"))
	r.Feed(split[:len(split)-2])
	if _, ok, err := r.Next(); ok || err != nil {
		t.Fatalf("event before the message was complete: ok=%v err=%v", ok, err)
	}
	r.Feed(split[len(split)-2:])
	ev, ok, err = r.Next()
	if err != nil || !ok || string(ev.Data) != "split" {
		t.Fatalf("split message: %q %v %v", ev.Data, ok, err)
	}
	evs, err := readAll(r, cat(wire(RoleServer, Header{Opcode: OpText}, []byte("frag ")),
		wire(RoleServer, Header{Fin: true, Opcode: OpContinuation}, []byte("ments"))))
	if err != nil || len(evs) != 1 || string(evs[0].Data) != "frag ments" {
		t.Fatalf("fragmented message: %+v %v", evs, err)
	}
}

// TestReaderReleaseDecoder: between frames Release hands the Decoder back
// to the pool, so an idle Reader holds none; inside a frame (even inside
// its header) it keeps it, and decoding goes on as if nothing happened,
// with the options (limits, compression) the Reader was given.
func TestReaderReleaseDecoder(t *testing.T) {
	t.Parallel()
	r := NewReader(RoleServer, ReaderOptions{BufferMessage: true, MaxMessageSize: 16})
	if r.dec != nil {
		t.Fatal("a new Reader holds a Decoder before any byte")
	}
	r.Release()
	if _, ok, err := r.Next(); ok || err != nil {
		t.Fatalf("Next with nothing fed: ok=%v err=%v", ok, err)
	}
	frame := wire(RoleServer, Header{Fin: true, Opcode: OpBinary}, []byte("hello"))
	for split := 1; split < len(frame); split++ {
		b := bytes.Clone(frame)
		r.Feed(b[:split])
		if _, ok, err := r.Next(); ok || err != nil {
			t.Fatalf("split %d: event from a partial frame: ok=%v err=%v", split, ok, err)
		}
		r.Release()
		if r.dec == nil {
			t.Fatalf("split %d: Release dropped the Decoder inside a frame", split)
		}
		r.Feed(b[split:])
		ev, ok, err := r.Next()
		if err != nil || !ok || string(ev.Data) != "hello" {
			t.Fatalf("split %d: %q %v %v", split, ev.Data, ok, err)
		}
		if _, ok, _ := r.Next(); ok {
			t.Fatalf("split %d: a second event", split)
		}
		r.Release()
		if r.dec != nil {
			t.Fatalf("split %d: Release kept the Decoder between frames", split)
		}
	}
	// The limit still holds with a Decoder taken from the pool again.
	_, err := readAll(r, wire(RoleServer, Header{Fin: true, Opcode: OpBinary}, make([]byte, 17)))
	wantCode(t, err, CloseMessageTooBig)

	// Compression set after construction reaches a pooled Decoder.
	c := NewReader(RoleServer, ReaderOptions{BufferMessage: true})
	c.SetDecompressor(NewDecompressor(true, 15))
	evs, err := readAll(c, wire(RoleServer, Header{Fin: true, RSV1: true, Opcode: OpText}, []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}))
	if err != nil || len(evs) != 1 || string(evs[0].Data) != "Hello" {
		t.Fatalf("compressed frame after SetDecompressor: %+v %v", evs, err)
	}
}

// TestReaderIdleReset checks what ws relies on to pool Readers between
// messages: Idle is true only when nothing but the options is held, and
// Reset gives a Reader that behaves as a new one.
func TestReaderIdleReset(t *testing.T) {
	t.Parallel()
	opts := ReaderOptions{MaxMessageSize: 8}
	r := NewReader(RoleServer, opts)
	if !r.Idle() {
		t.Fatal("a new Reader is not idle")
	}
	// A message in two frames, fed apart: not idle in between.
	first := wire(RoleServer, Header{Opcode: OpText}, []byte("ab"))
	last := wire(RoleServer, Header{Fin: true, Opcode: OpContinuation}, []byte("cd"))
	if evs, err := readAll(r, first); err != nil || len(evs) != 1 {
		t.Fatalf("first frame: %+v %v", evs, err)
	}
	r.Release()
	if r.Idle() {
		t.Fatal("idle inside a fragmented message")
	}
	if evs, err := readAll(r, last); err != nil || len(evs) != 1 || !evs[0].EOM {
		t.Fatalf("last frame: %+v %v", evs, err)
	}
	r.Release()
	if !r.Idle() {
		t.Fatal("not idle after a whole message and Release")
	}
	// A frame cut in its header: not idle.
	whole := wire(RoleServer, Header{Fin: true, Opcode: OpBinary}, []byte("x"))
	if evs, err := readAll(r, whole[:1]); err != nil || len(evs) != 0 {
		t.Fatalf("partial header: %+v %v", evs, err)
	}
	r.Release()
	if r.Idle() {
		t.Fatal("idle inside a frame header")
	}
	// An error is sticky: not idle; Reset forgets it and keeps the options.
	if _, err := readAll(r, whole[1:]); err != nil {
		t.Fatal(err)
	}
	_, err := readAll(r, wire(RoleServer, Header{Fin: true, Opcode: OpBinary}, make([]byte, 9)))
	wantCode(t, err, CloseMessageTooBig)
	r.Release()
	if r.Idle() {
		t.Fatal("idle after an error")
	}
	r.Reset(RoleServer, opts)
	if !r.Idle() {
		t.Fatal("not idle after Reset")
	}
	if evs, err := readAll(r, wire(RoleServer, Header{Fin: true, Opcode: OpBinary}, []byte("12345678"))); err != nil || len(evs) != 1 {
		t.Fatalf("after Reset: %+v %v", evs, err)
	}
	_, err = readAll(r, wire(RoleServer, Header{Fin: true, Opcode: OpBinary}, make([]byte, 9)))
	wantCode(t, err, CloseMessageTooBig)
	// A Close received: not idle.
	r.Reset(RoleServer, opts)
	if _, err := readAll(r, wire(RoleServer, Header{Fin: true, Opcode: OpClose}, nil)); err != nil {
		t.Fatal(err)
	}
	r.Release()
	if r.Idle() {
		t.Fatal("idle after a Close")
	}
}

// TestReaderMessageSize: a data message's EOM event carries the whole
// message's size, streamed in fragments or buffered, fed byte by byte;
// the Encoder counts a fragmented message's payload the same way.
func TestReaderMessageSize(t *testing.T) {
	enc := Encoder{Role: RoleClient}
	var wire []byte
	for i, n := range []int{3, 0, 7} {
		var err error
		if wire, err = enc.AppendFragment(wire, OpBinary, make([]byte, n), i == 2, false); err != nil {
			t.Fatal(err)
		}
	}
	if got := enc.FragmentedSize(); got != 10 {
		t.Fatalf("Encoder.FragmentedSize = %d, want 10", got)
	}
	wire, _ = enc.AppendMessage(wire, OpText, []byte("hello"), false)
	if got := enc.FragmentedSize(); got != 5 {
		t.Fatalf("Encoder.FragmentedSize after a whole message = %d, want 5", got)
	}
	for _, buffer := range []bool{false, true} {
		r := NewReader(RoleServer, ReaderOptions{BufferMessage: buffer})
		var sizes []int64
		in := append([]byte(nil), wire...) // Feed unmasks in place
		for i := range in {
			r.Feed(in[i : i+1])
			for {
				ev, ok, err := r.Next()
				if err != nil {
					t.Fatalf("buffer=%v, byte %d: %v", buffer, i, err)
				}
				if !ok {
					break
				}
				if ev.Kind == EventData && ev.EOM {
					sizes = append(sizes, ev.Size)
				}
			}
		}
		if len(sizes) != 2 || sizes[0] != 10 || sizes[1] != 5 {
			t.Errorf("buffer=%v: sizes %v, want [10 5]", buffer, sizes)
		}
	}
}
