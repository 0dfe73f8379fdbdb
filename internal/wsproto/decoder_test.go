package wsproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// TestRFC6455_5_1_Masking: a server MUST fail on an unmasked frame, a
// client MUST fail on a masked one.
func TestRFC6455_5_1_Masking(t *testing.T) {
	t.Parallel()
	for _, role := range bothRoles {
		t.Run(role.String(), func(t *testing.T) {
			good := wire(role, Header{Fin: true, Opcode: OpText}, []byte("hi"))
			chunks, err := decodeAll(NewDecoder(role, DecoderOptions{}), good)
			if err != nil || len(chunks) != 1 || string(chunks[0].Data) != "hi" {
				t.Fatalf("correctly masked frame: %v %+v", err, chunks)
			}
			// The same frame with the wrong masking for this role.
			bad := AppendFrame(nil, Header{Fin: true, Opcode: OpText, Masked: role == RoleClient, Mask: testKey}, []byte("hi"))
			_, err = decodeAll(NewDecoder(role, DecoderOptions{}), bad)
			wantCode(t, err, CloseProtocolError)
		})
	}
}

// TestRFC6455_5_2_ReservedBits: RSV1-3 MUST be 0 unless an extension gives
// them a meaning; RSV1 is meaningful only with permessage-deflate.
func TestRFC6455_5_2_ReservedBits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		h           Header
		compression bool
		ok          bool
	}{
		{"rsv1 without extension", Header{Fin: true, RSV1: true, Opcode: OpText}, false, false},
		{"rsv2", Header{Fin: true, RSV2: true, Opcode: OpText}, true, false},
		{"rsv3", Header{Fin: true, RSV3: true, Opcode: OpBinary}, true, false},
		{"rsv1 with deflate", Header{Fin: true, RSV1: true, Opcode: OpBinary}, true, true},
	}
	for _, role := range bothRoles {
		for _, tc := range cases {
			t.Run(role.String()+"/"+tc.name, func(t *testing.T) {
				_, err := decodeAll(NewDecoder(role, DecoderOptions{Compression: tc.compression}), wire(role, tc.h, []byte("x")))
				if tc.ok {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				wantCode(t, err, CloseProtocolError)
			})
		}
	}
}

// TestRFC7692_6_1_RSV1: RSV1 MUST NOT be set on control frames or non-first
// fragments; a receiver MUST fail the connection.
func TestRFC7692_6_1_RSV1(t *testing.T) {
	t.Parallel()
	for _, role := range bothRoles {
		t.Run(role.String(), func(t *testing.T) {
			for _, op := range []Opcode{OpPing, OpPong, OpClose} {
				_, err := decodeAll(NewDecoder(role, DecoderOptions{Compression: true}), wire(role, Header{Fin: true, RSV1: true, Opcode: op}, nil))
				wantCode(t, err, CloseProtocolError)
			}
			b := cat(wire(role, Header{RSV1: true, Opcode: OpText}, []byte("a")),
				wire(role, Header{Fin: true, RSV1: true, Opcode: OpContinuation}, []byte("b")))
			_, err := decodeAll(NewDecoder(role, DecoderOptions{Compression: true}), b)
			wantCode(t, err, CloseProtocolError)
		})
	}
}

// TestRFC6455_5_2_ReservedOpcodes: an unknown opcode MUST fail the connection.
func TestRFC6455_5_2_ReservedOpcodes(t *testing.T) {
	t.Parallel()
	for _, role := range bothRoles {
		for op := Opcode(3); op <= 0xF; op++ {
			if op.defined() {
				continue
			}
			_, err := decodeAll(NewDecoder(role, DecoderOptions{}), wire(role, Header{Fin: true, Opcode: op}, nil))
			wantCode(t, err, CloseProtocolError)
		}
	}
}

func rawLenFrame(receiver Role, lenBytes []byte, payload []byte) []byte {
	b := []byte{0x82}
	b = append(b, lenBytes...)
	if receiver == RoleServer {
		b[1] |= 0x80
		b = append(b, testKey[:]...)
		p := bytes.Clone(payload)
		MaskBytes(testKey, 0, p)
		return append(b, p...)
	}
	return append(b, payload...)
}

// TestRFC6455_5_2_PayloadLength: 7, 16 and 64-bit lengths; the 64-bit MSB
// MUST be 0; the minimal encoding MUST be used. RFC 6455 puts the minimal
// encoding MUST on the sender without a separate receiver rule; a frame
// that breaks it is not a well-formed frame of §5.2, so we fail with 1002
// (as Chromium does) rather than accept it.
func TestRFC6455_5_2_PayloadLength(t *testing.T) {
	t.Parallel()
	u16 := func(v uint16) []byte { return append([]byte{126}, binary.BigEndian.AppendUint16(nil, v)...) }
	u64 := func(v uint64) []byte { return append([]byte{127}, binary.BigEndian.AppendUint64(nil, v)...) }
	cases := []struct {
		name    string
		lenB    []byte
		payload int
		code    CloseCode // 0 = ok
	}{
		{"7-bit 125", []byte{125}, 125, 0},
		{"16-bit 126", u16(126), 126, 0},
		{"16-bit 65535", u16(65535), 65535, 0},
		{"64-bit 65536", u64(65536), 65536, 0},
		{"16-bit non-minimal 125", u16(125), 125, CloseProtocolError},
		{"16-bit non-minimal 0", u16(0), 0, CloseProtocolError},
		{"64-bit non-minimal 65535", u64(65535), 0, CloseProtocolError},
		{"64-bit non-minimal 5", u64(5), 0, CloseProtocolError},
		{"64-bit msb set", u64(1 << 63), 0, CloseProtocolError},
		{"64-bit huge", u64(1 << 40), 0, CloseMessageTooBig},
	}
	for _, role := range bothRoles {
		for _, tc := range cases {
			t.Run(role.String()+"/"+tc.name, func(t *testing.T) {
				b := rawLenFrame(role, tc.lenB, bytes.Repeat([]byte{'z'}, tc.payload))
				chunks, err := decodeAll(NewDecoder(role, DecoderOptions{}), b)
				if tc.code != 0 {
					wantCode(t, err, tc.code)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				got := 0
				for _, c := range chunks {
					got += len(c.Data)
				}
				if got != tc.payload || !chunks[len(chunks)-1].EndOfMessage() {
					t.Fatalf("got %d bytes, want %d", got, tc.payload)
				}
			})
		}
	}
}

// TestRFC6455_5_4_Fragmentation: continuation needs an open message, a new
// data message may not start while one is open, control frames may be
// interleaved.
func TestRFC6455_5_4_Fragmentation(t *testing.T) {
	t.Parallel()
	for _, role := range bothRoles {
		f := func(fin bool, op Opcode, p string) []byte {
			return wire(role, Header{Fin: fin, Opcode: op}, []byte(p))
		}
		t.Run(role.String()+"/interleaved control", func(t *testing.T) {
			b := cat(f(false, OpText, "Hel"), f(true, OpPing, "p"), f(false, OpContinuation, "lo "), f(true, OpPong, ""), f(true, OpContinuation, "you"))
			chunks, err := decodeAll(NewDecoder(role, DecoderOptions{}), b)
			if err != nil {
				t.Fatal(err)
			}
			var text []byte
			var ctrl []Opcode
			for _, c := range chunks {
				if c.Message.IsControl() {
					ctrl = append(ctrl, c.Message)
					continue
				}
				if c.Message != OpText {
					t.Fatalf("continuation chunk reported as %v", c.Message)
				}
				text = append(text, c.Data...)
			}
			if string(text) != "Hello you" || len(ctrl) != 2 || !chunks[len(chunks)-1].EndOfMessage() {
				t.Fatalf("text %q ctrl %v", text, ctrl)
			}
		})
		bad := []struct {
			name string
			b    []byte
		}{
			{"continuation first", f(true, OpContinuation, "x")},
			{"text inside text", cat(f(false, OpText, "a"), f(true, OpText, "b"))},
			{"binary inside text", cat(f(false, OpText, "a"), f(true, OpBinary, "b"))},
			{"continuation after final", cat(f(true, OpText, "a"), f(true, OpContinuation, "b"))},
		}
		for _, tc := range bad {
			t.Run(role.String()+"/"+tc.name, func(t *testing.T) {
				_, err := decodeAll(NewDecoder(role, DecoderOptions{}), tc.b)
				wantCode(t, err, CloseProtocolError)
			})
		}
	}
}

// TestRFC6455_5_5_ControlFrames: control frames MUST have ≤125 bytes and
// MUST NOT be fragmented.
func TestRFC6455_5_5_ControlFrames(t *testing.T) {
	t.Parallel()
	for _, role := range bothRoles {
		for _, op := range []Opcode{OpClose, OpPing, OpPong} {
			t.Run(role.String()+"/"+op.String(), func(t *testing.T) {
				ok := wire(role, Header{Fin: true, Opcode: op}, bytes.Repeat([]byte{'a'}, 125))
				if op == OpClose {
					ok = wire(role, Header{Fin: true, Opcode: op}, append([]byte{3, 232}, bytes.Repeat([]byte{'a'}, 123)...))
				}
				chunks, err := decodeAll(NewDecoder(role, DecoderOptions{}), ok)
				if err != nil || len(chunks) != 1 || len(chunks[0].Data) != 125 {
					t.Fatalf("125-byte %v: %v %d", op, err, len(chunks))
				}
				_, err = decodeAll(NewDecoder(role, DecoderOptions{}), wire(role, Header{Fin: true, Opcode: op}, make([]byte, 126)))
				wantCode(t, err, CloseProtocolError)
				_, err = decodeAll(NewDecoder(role, DecoderOptions{}), wire(role, Header{Opcode: op}, nil))
				wantCode(t, err, CloseProtocolError)
			})
		}
	}
}

func TestDecoderSizeLimits(t *testing.T) {
	t.Parallel()
	for _, role := range bothRoles {
		t.Run(role.String(), func(t *testing.T) {
			opt := DecoderOptions{MaxFrameSize: 10, MaxMessageSize: 15}
			_, err := decodeAll(NewDecoder(role, opt), wire(role, Header{Fin: true, Opcode: OpBinary}, make([]byte, 11)))
			wantCode(t, err, CloseMessageTooBig)
			if !errors.Is(err, ErrMessageTooBig) {
				t.Fatalf("errors.Is(%v, ErrMessageTooBig) = false", err)
			}
			b := cat(wire(role, Header{Opcode: OpBinary}, make([]byte, 10)), wire(role, Header{Fin: true, Opcode: OpContinuation}, make([]byte, 6)))
			chunks, err := decodeAll(NewDecoder(role, opt), b)
			wantCode(t, err, CloseMessageTooBig)
			if len(chunks) != 1 {
				t.Fatalf("first frame should have been delivered, got %d chunks", len(chunks))
			}
			// Exactly at the limit passes; a new message resets the count.
			b = cat(wire(role, Header{Opcode: OpBinary}, make([]byte, 10)), wire(role, Header{Fin: true, Opcode: OpContinuation}, make([]byte, 5)),
				wire(role, Header{Fin: true, Opcode: OpText}, make([]byte, 10)))
			if _, err := decodeAll(NewDecoder(role, opt), b); err != nil {
				t.Fatal(err)
			}
			// Control frames are not counted against the message.
			b = cat(wire(role, Header{Opcode: OpBinary}, make([]byte, 10)), wire(role, Header{Fin: true, Opcode: OpPing}, make([]byte, 100)),
				wire(role, Header{Fin: true, Opcode: OpContinuation}, make([]byte, 5)))
			if _, err := decodeAll(NewDecoder(role, opt), b); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDecoderErrorIsSticky(t *testing.T) {
	t.Parallel()
	d := NewDecoder(RoleServer, DecoderOptions{})
	_, err := decodeAll(d, wire(RoleClient, Header{Fin: true, Opcode: OpText}, nil)) // unmasked to a server
	wantCode(t, err, CloseProtocolError)
	_, err2 := decodeAll(d, wire(RoleServer, Header{Fin: true, Opcode: OpText}, []byte("ok")))
	if err2 != err {
		t.Fatalf("second error %v, want the first %v", err2, err)
	}
}

// TestDecoderFailsFast: a violation visible in the first two bytes is
// reported before the rest of the header arrives.
func TestDecoderFailsFast(t *testing.T) {
	t.Parallel()
	d := NewDecoder(RoleServer, DecoderOptions{})
	d.Feed([]byte{0x83, 0xFE}) // reserved opcode 3, 16-bit length pending
	if _, _, err := d.Next(); err == nil {
		t.Fatal("reserved opcode not reported from the first two bytes")
	}
}

// TestDecoderChunking feeds a stream of frames split at every point (and
// byte by byte) and checks the reassembled result is the same.
func TestDecoderChunking(t *testing.T) {
	t.Parallel()
	for _, role := range bothRoles {
		stream := cat(
			wire(role, Header{Opcode: OpText}, []byte("frag-one ")),
			wire(role, Header{Fin: true, Opcode: OpPing}, []byte("ping!")),
			wire(role, Header{Fin: true, Opcode: OpContinuation}, bytes.Repeat([]byte("0123456789"), 30)),
			wire(role, Header{Fin: true, Opcode: OpBinary}, nil),
			wire(role, Header{Fin: true, Opcode: OpClose}, []byte{3, 232, 'b', 'y', 'e'}),
		)
		want := summarize(t, role, [][]byte{stream})
		for split := 0; split <= len(stream); split++ {
			got := summarize(t, role, [][]byte{stream[:split], stream[split:]})
			if got != want {
				t.Fatalf("%v split %d: %q, want %q", role, split, got, want)
			}
		}
		var bytewise [][]byte
		for i := range stream {
			bytewise = append(bytewise, stream[i:i+1])
		}
		if got := summarize(t, role, bytewise); got != want {
			t.Fatalf("%v byte by byte: %q, want %q", role, got, want)
		}
	}
}

// summarize decodes the pieces (each copied, since unmasking is in place)
// and renders messages and control frames as a string.
func summarize(t *testing.T, role Role, pieces [][]byte) string {
	t.Helper()
	d := NewDecoder(role, DecoderOptions{})
	var out, msg []byte
	for _, p := range pieces {
		d.Feed(bytes.Clone(p))
		for {
			c, ok, err := d.Next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			if c.Message.IsControl() {
				out = append(out, "["+c.Message.String()+":"...)
				out = append(out, c.Data...)
				out = append(out, ']')
				continue
			}
			msg = append(msg, c.Data...)
			if c.EndOfMessage() {
				out = append(out, "<"+c.Message.String()+":"...)
				out = append(out, msg...)
				out = append(out, '>')
				msg = msg[:0]
			}
		}
	}
	return string(out)
}

func FuzzDecodeFrames(f *testing.F) {
	f.Add([]byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}, false, true)
	f.Add(wire(RoleClient, Header{Fin: true, Opcode: OpBinary}, []byte("abc")), true, false)
	f.Add(cat(wire(RoleServer, Header{Opcode: OpText}, []byte("a")), wire(RoleServer, Header{Fin: true, Opcode: OpPing}, nil), wire(RoleServer, Header{Fin: true, Opcode: OpContinuation}, []byte("b"))), false, false)
	f.Add([]byte{0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4}, false, true)
	f.Add([]byte{0xC1, 0x80, 1, 2, 3, 4}, false, true)
	f.Add(cat(wire(RoleServer, Header{Opcode: OpText}, nil), wire(RoleServer, Header{Opcode: OpContinuation}, nil), wire(RoleServer, Header{Opcode: OpContinuation}, nil), wire(RoleServer, Header{Fin: true, Opcode: OpContinuation}, nil)), false, false)
	f.Fuzz(func(t *testing.T, b []byte, client, compression bool) {
		role := RoleServer
		if client {
			role = RoleClient
		}
		opt := DecoderOptions{Compression: compression, MaxMessageSize: 1 << 16, MaxMessageFrames: 3}
		// Whole and byte-by-byte decoding must agree on payload and outcome.
		whole, errWhole := collect(role, opt, [][]byte{bytes.Clone(b)})
		if frames := maxMessageFrames(role, opt, bytes.Clone(b)); frames > opt.MaxMessageFrames {
			t.Fatalf("a message of %d frames got through a limit of %d", frames, opt.MaxMessageFrames)
		}
		var pieces [][]byte
		for i := range b {
			pieces = append(pieces, []byte{b[i]})
		}
		split, errSplit := collect(role, opt, pieces)
		if (errWhole == nil) != (errSplit == nil) || !bytes.Equal(whole, split) {
			t.Fatalf("whole %q/%v vs split %q/%v", whole, errWhole, split, errSplit)
		}
		if errWhole != nil && CloseCodeOf(errWhole) == CloseInternalError {
			t.Fatalf("untyped error %v", errWhole)
		}
	})
}

func collect(role Role, opt DecoderOptions, pieces [][]byte) ([]byte, error) {
	d := NewDecoder(role, opt)
	var out []byte
	for _, p := range pieces {
		d.Feed(p)
		for {
			c, ok, err := d.Next()
			if err != nil {
				return out, err
			}
			if !ok {
				break
			}
			if c.First {
				out = append(out, byte(c.Message))
			}
			out = append(out, c.Data...)
		}
	}
	return out, nil
}

// maxMessageFrames returns the most frames a data message in b had before
// the Decoder failed or b ended.
func maxMessageFrames(role Role, opt DecoderOptions, b []byte) int {
	d := NewDecoder(role, opt)
	d.Feed(b)
	frames, most := 0, 0
	for {
		c, ok, err := d.Next()
		if err != nil || !ok {
			return most
		}
		if !c.First || c.Message.IsControl() {
			continue
		}
		if c.Header.Opcode != OpContinuation {
			frames = 0
		}
		frames++
		most = max(most, frames)
	}
}

func BenchmarkDecoder(b *testing.B) {
	payload := bytes.Repeat([]byte("x"), 16<<10)
	frame := wire(RoleServer, Header{Fin: true, Opcode: OpBinary}, payload)
	buf := make([]byte, len(frame))
	d := NewDecoder(RoleServer, DecoderOptions{})
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		copy(buf, frame)
		d.Feed(buf)
		for {
			_, ok, err := d.Next()
			if err != nil {
				b.Fatal(err)
			}
			if !ok {
				break
			}
		}
	}
}

// TestDecoderControlInPlace: a control frame whose payload arrived in one
// Feed is lent in place like data (the Decoder keeps no 125-byte buffer per
// connection); one split across Feeds is gathered, and later whole ones are
// lent in place again.
func TestDecoderControlInPlace(t *testing.T) {
	t.Parallel()
	for _, role := range bothRoles {
		d := NewDecoder(role, DecoderOptions{})
		in := wire(role, Header{Fin: true, Opcode: OpPing}, []byte("whole"))
		d.Feed(in)
		c, ok, err := d.Next()
		if err != nil || !ok || string(c.Data) != "whole" {
			t.Fatalf("%v: %q %v %v", role, c.Data, ok, err)
		}
		if &c.Data[0] != &in[len(in)-len("whole")] {
			t.Errorf("%v: a whole ping's payload was copied, want it lent from the fed bytes", role)
		}
		if d.ctrl != nil {
			t.Errorf("%v: decoder allocated a control buffer for a whole frame", role)
		}

		split := wire(role, Header{Fin: true, Opcode: OpPong}, []byte("split"))
		d.Feed(split[:len(split)-2])
		if _, ok, err := d.Next(); ok || err != nil {
			t.Fatalf("%v: partial pong returned ok=%v err=%v", role, ok, err)
		}
		d.Feed(split[len(split)-2:])
		c, ok, err = d.Next()
		if err != nil || !ok || c.Message != OpPong || string(c.Data) != "split" {
			t.Fatalf("%v: split pong: %q %v %v", role, c.Data, ok, err)
		}

		again := wire(role, Header{Fin: true, Opcode: OpPing}, []byte("again"))
		d.Feed(again)
		c, ok, err = d.Next()
		if err != nil || !ok || string(c.Data) != "again" || &c.Data[0] != &again[len(again)-len("again")] {
			t.Fatalf("%v: ping after a split one: %q %v %v", role, c.Data, ok, err)
		}
	}
}

// TestDecoderMaxMessageFrames: a message may have MaxMessageFrames frames
// (default DefaultMaxMessageFrames), the next continuation fails with 1009
// at its header whatever its payload; control frames do not count, each
// message counts afresh, and a negative limit means none.
func TestDecoderMaxMessageFrames(t *testing.T) {
	t.Parallel()
	for _, role := range bothRoles {
		frame := func(fin bool, op Opcode, p string) []byte { return wire(role, Header{Fin: fin, Opcode: op}, []byte(p)) }
		message := func(n int, op Opcode) []byte { // n frames, the last final, pings between
			b := frame(n == 1, op, "a")
			for i := 2; i <= n; i++ {
				b = append(b, frame(true, OpPing, "")...)
				b = append(b, frame(i == n, OpContinuation, "")...)
			}
			return b
		}
		for _, tc := range []struct {
			limit, max int // the option, the frames it allows (0: no limit)
		}{{limit: 5, max: 5}, {limit: 1, max: 1}, {limit: 0, max: DefaultMaxMessageFrames}, {limit: -1}} {
			d := NewDecoder(role, DecoderOptions{MaxMessageFrames: tc.limit})
			n := tc.max
			if n == 0 {
				n = DefaultMaxMessageFrames + 10
			}
			// Two messages of n frames each are fine.
			if _, err := decodeAll(d, cat(message(n, OpText), message(n, OpBinary))); err != nil {
				t.Fatalf("%v limit %d: %d frames: %v", role, tc.limit, n, err)
			}
			if tc.max == 0 {
				continue
			}
			_, err := decodeAll(d, message(n+1, OpBinary))
			wantCode(t, err, CloseMessageTooBig)
			if want := "message of more than " + strconv.Itoa(tc.max) + " frames"; !strings.Contains(err.Error(), want) {
				t.Fatalf("%v: %v, want %q", role, err, want)
			}
			// It fails at the header: the payload of the frame over the limit is not needed.
			d = NewDecoder(role, DecoderOptions{MaxMessageFrames: tc.limit})
			msg := message(n, OpBinary)
			msg = msg[:len(msg)-len(frame(true, OpContinuation, ""))] // n-1 frames, the message open
			over := wire(role, Header{Opcode: OpContinuation}, make([]byte, 1000))
			if n == 1 {
				msg = frame(false, OpBinary, "a")
			} else {
				msg = append(msg, frame(false, OpContinuation, "")...)
			}
			_, err = decodeAll(d, append(msg, over[:len(over)-1000]...))
			wantCode(t, err, CloseMessageTooBig)
		}
	}
}
