package wsproto

import (
	"bytes"
	"errors"
	"testing"
)

func fixedKey() [4]byte { return testKey }

func TestEncoderMasksPerRole(t *testing.T) {
	t.Parallel()
	srv := &Encoder{}
	b, err := srv.AppendMessage(nil, OpText, []byte("hi"), false)
	if err != nil || !bytes.Equal(b, []byte{0x81, 0x02, 'h', 'i'}) {
		t.Fatalf("server frame % x, %v", b, err)
	}
	cli := &Encoder{Role: RoleClient, MaskKey: fixedKey}
	b, err = cli.AppendMessage(nil, OpText, []byte("hi"), false)
	want := []byte{0x81, 0x82, testKey[0], testKey[1], testKey[2], testKey[3], 'h' ^ testKey[0], 'i' ^ testKey[1]}
	if err != nil || !bytes.Equal(b, want) {
		t.Fatalf("client frame % x, want % x (%v)", b, want, err)
	}
}

// TestRFC6455_5_3_MaskKeysFresh: a client MUST use a new unpredictable key
// for each frame; the default source is crypto/rand.
func TestRFC6455_5_3_MaskKeysFresh(t *testing.T) {
	t.Parallel()
	e := &Encoder{Role: RoleClient}
	seen := map[[4]byte]bool{}
	for range 64 {
		b, _ := e.AppendControl(nil, OpPing, nil)
		var k [4]byte
		copy(k[:], b[2:6])
		seen[k] = true
	}
	if len(seen) < 60 {
		t.Fatalf("only %d distinct keys in 64 frames", len(seen))
	}
}

// TestRFC6455_5_2_LengthEncoding: the encoder uses the minimal length form.
func TestRFC6455_5_2_LengthEncoding(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ n, hdr int }{{0, 2}, {125, 2}, {126, 4}, {65535, 4}, {65536, 10}} {
		e := &Encoder{MaxFrameSize: -1}
		b, _ := e.AppendMessage(nil, OpBinary, make([]byte, tc.n), false)
		if len(b)-tc.n != tc.hdr {
			t.Fatalf("payload %d: header %d bytes, want %d", tc.n, len(b)-tc.n, tc.hdr)
		}
	}
}

func TestEncoderRoundTrip(t *testing.T) {
	t.Parallel()
	for _, role := range bothRoles {
		t.Run(role.String(), func(t *testing.T) {
			e := &Encoder{Role: role, MaxFrameSize: 100}
			msg := bytes.Repeat([]byte("abcdefg"), 100) // 700 bytes → 7 frames
			var b []byte
			b, _ = e.AppendMessage(b, OpBinary, msg, false)
			b, _ = e.AppendFragment(b, OpText, []byte("stream"), false, false)
			b, _ = e.AppendControl(b, OpPing, []byte("p"))
			b, _ = e.AppendFragment(b, OpContinuation, []byte("ed"), true, false)
			b, _ = e.AppendClose(b, CloseGoingAway, "bye")
			chunks, err := decodeAll(NewDecoder(peerOf(role), DecoderOptions{}), b)
			if err != nil {
				t.Fatal(err)
			}
			var bin, text []byte
			frames := 0
			var closeBody []byte
			for _, c := range chunks {
				switch c.Message {
				case OpBinary:
					bin = append(bin, c.Data...)
					frames++
				case OpText:
					text = append(text, c.Data...)
				case OpClose:
					closeBody = c.Data
				}
			}
			if !bytes.Equal(bin, msg) || frames != 7 || string(text) != "streamed" {
				t.Fatalf("binary %d bytes in %d frames, text %q", len(bin), frames, text)
			}
			code, reason, err := ParseClosePayload(closeBody)
			if err != nil || code != CloseGoingAway || reason != "bye" {
				t.Fatalf("close %v %q %v", code, reason, err)
			}
		})
	}
}

func TestEncoderMessageState(t *testing.T) {
	t.Parallel()
	e := &Encoder{}
	if _, err := e.AppendFragment(nil, OpContinuation, nil, true, false); !errors.Is(err, ErrMessageOpen) {
		t.Fatalf("continuation with nothing open: %v", err)
	}
	if _, err := e.AppendFragment(nil, OpText, []byte("a"), false, false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.AppendMessage(nil, OpBinary, nil, false); !errors.Is(err, ErrMessageOpen) {
		t.Fatalf("new message while open: %v", err)
	}
	if _, err := e.AppendFragment(nil, OpBinary, nil, true, false); !errors.Is(err, ErrMessageOpen) {
		t.Fatalf("other type while open: %v", err)
	}
	if !e.MessageOpen() {
		t.Fatal("message should still be open")
	}
	b, err := e.AppendFragment(nil, OpText, []byte("b"), true, true)
	if err != nil || b[0] != 0x80 { // FIN + continuation, RSV1 ignored after the first frame
		t.Fatalf("closing fragment % x %v", b, err)
	}
	if _, err := e.AppendControl(nil, OpPing, make([]byte, 126)); !errors.Is(err, ErrControlTooLong) {
		t.Fatalf("126-byte ping: %v", err)
	}
	if _, err := e.AppendControl(nil, OpText, nil); err == nil {
		t.Fatal("AppendControl accepted a text opcode")
	}
}

func TestEncoderCompressedFlagOnFirstFrameOnly(t *testing.T) {
	t.Parallel()
	e := &Encoder{MaxFrameSize: 2}
	b, _ := e.AppendMessage(nil, OpBinary, []byte("abcde"), true)
	chunks, err := decodeAll(NewDecoder(RoleClient, DecoderOptions{Compression: true}), b)
	if err != nil || len(chunks) != 3 {
		t.Fatalf("%v, %d chunks", err, len(chunks))
	}
	if !chunks[0].Header.RSV1 || chunks[1].Header.RSV1 || !chunks[2].Compressed {
		t.Fatalf("RSV1 flags wrong: %+v", chunks)
	}
}

func BenchmarkEncoderClient(b *testing.B) {
	e := &Encoder{Role: RoleClient}
	payload := make([]byte, 16<<10)
	buf := make([]byte, 0, len(payload)+MaxHeaderSize)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = e.AppendMessage(buf[:0], OpBinary, payload, false)
	}
}
