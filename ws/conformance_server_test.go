package ws

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/tlskit/tlskit/internal/wsproto"
)

// hdr builds a client frame (masked unless told otherwise) with any header bits.
type hdr struct {
	fin, rsv1, rsv2, rsv3, unmasked bool
	op                              wsproto.Opcode
	payload                         []byte
}

func (h hdr) bytes() []byte {
	return wsproto.AppendFrame(nil, wsproto.Header{Fin: h.fin, RSV1: h.rsv1, RSV2: h.rsv2, RSV3: h.rsv3, Opcode: h.op,
		Masked: !h.unmasked, Mask: [4]byte{0x37, 0xfa, 0x21, 0x3d}, Length: uint64(len(h.payload))}, append([]byte(nil), h.payload...))
}

func frames(hs ...hdr) []byte {
	var b []byte
	for _, h := range hs {
		b = append(b, h.bytes()...)
	}
	return b
}

func closeBody(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}

// emptyContinuations is a message of first frame op (without it when op is
// OpContinuation) and empty continuation frames, n frames in all, none
// final.
func emptyContinuations(op wsproto.Opcode, n int) []byte {
	var b []byte
	if op != wsproto.OpContinuation {
		b = hdr{op: op}.bytes()
		n--
	}
	empty := hdr{op: wsproto.OpContinuation}.bytes()
	for range n {
		b = append(b, empty...)
	}
	return b
}

// deflateRaw compresses p as permessage-deflate does (tail removed).
func deflateRaw(_ testing.TB, p []byte) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, 1)
	w.Write(p)
	w.Flush()
	return bytes.TrimSuffix(b.Bytes(), []byte{0, 0, 0xff, 0xff})
}

// TestServerConformanceViolations sends each RFC 6455 / RFC 7692 receive-rule
// violation to the server and checks the Close code it answers with, the
// Error event and the OnDisconnected code.
func TestServerConformanceViolations(t *testing.T) {
	t.Parallel()
	long := bytes.Repeat([]byte("x"), 126)
	tests := []struct {
		name    string
		rule    string
		deflate bool
		maxMsg  int64
		frames  int // MaxMessageFrames
		send    []byte
		code    wsproto.CloseCode
		is      error
	}{
		{name: "unmasked", rule: "§5.1 client frames MUST be masked", send: frames(hdr{fin: true, op: wsproto.OpText, payload: []byte("a"), unmasked: true}), code: 1002, is: ErrProtocolViolation},
		{name: "rsv1-no-extension", rule: "§5.2 RSV1 without a negotiated extension", send: frames(hdr{fin: true, rsv1: true, op: wsproto.OpText, payload: []byte("a")}), code: 1002, is: ErrProtocolViolation},
		{name: "rsv2", rule: "§5.2 RSV2 MUST be 0", send: frames(hdr{fin: true, rsv2: true, op: wsproto.OpBinary, payload: []byte("a")}), code: 1002, is: ErrProtocolViolation},
		{name: "rsv3", rule: "§5.2 RSV3 MUST be 0", send: frames(hdr{fin: true, rsv3: true, op: wsproto.OpBinary}), code: 1002, is: ErrProtocolViolation},
		{name: "opcode-3", rule: "§5.2 reserved non-control opcode", send: frames(hdr{fin: true, op: 0x3}), code: 1002, is: ErrProtocolViolation},
		{name: "opcode-B", rule: "§5.2 reserved control opcode", send: frames(hdr{fin: true, op: 0xB}), code: 1002, is: ErrProtocolViolation},
		{name: "ping-126", rule: "§5.5 control payload ≤ 125", send: frames(hdr{fin: true, op: wsproto.OpPing, payload: long}), code: 1002, is: ErrProtocolViolation},
		{name: "ping-fragmented", rule: "§5.5 control frames MUST NOT be fragmented", send: frames(hdr{op: wsproto.OpPing}), code: 1002, is: ErrProtocolViolation},
		{name: "close-fragmented", rule: "§5.5 control frames MUST NOT be fragmented", send: frames(hdr{op: wsproto.OpClose}), code: 1002, is: ErrProtocolViolation},
		{name: "continuation-first", rule: "§5.4 continuation with nothing to continue", send: frames(hdr{fin: true, op: wsproto.OpContinuation, payload: []byte("a")}), code: 1002, is: ErrProtocolViolation},
		{name: "data-inside-fragmented", rule: "§5.4 a new message inside a fragmented one", send: frames(hdr{op: wsproto.OpText, payload: []byte("a")}, hdr{fin: true, op: wsproto.OpText, payload: []byte("b")}), code: 1002, is: ErrProtocolViolation},
		{name: "non-minimal-length", rule: "§5.2 minimal number of bytes MUST be used", send: []byte{0x82, 0xFE, 0x00, 0x05, 1, 2, 3, 4, 'a', 'b', 'c', 'd', 'e'}, code: 1002, is: ErrProtocolViolation},
		{name: "length-msb", rule: "§5.2 64-bit length MSB MUST be 0", send: []byte{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}, code: 1002, is: ErrProtocolViolation},
		{name: "text-invalid-utf8", rule: "§8.1 text MUST be UTF-8", send: frames(hdr{fin: true, op: wsproto.OpText, payload: []byte{'a', 0xff}}), code: 1007, is: ErrInvalidPayload},
		{name: "text-invalid-utf8-fail-fast", rule: "§8.1 fail fast on the first fragment", send: frames(hdr{op: wsproto.OpText, payload: []byte{0xc0, 0xaf}}), code: 1007, is: ErrInvalidPayload},
		{name: "text-truncated-utf8", rule: "§8.1 message ends inside a character", send: frames(hdr{fin: true, op: wsproto.OpText, payload: []byte{0xe2, 0x82}}), code: 1007, is: ErrInvalidPayload},
		{name: "close-1-byte", rule: "§5.5.1 close body of one byte", send: frames(hdr{fin: true, op: wsproto.OpClose, payload: []byte{3}}), code: 1002, is: ErrProtocolViolation},
		{name: "close-1005", rule: "§7.4.1 1005 MUST NOT be sent", send: frames(hdr{fin: true, op: wsproto.OpClose, payload: closeBody(1005, "")}), code: 1002, is: ErrProtocolViolation},
		{name: "close-1006", rule: "§7.4.1 1006 MUST NOT be sent", send: frames(hdr{fin: true, op: wsproto.OpClose, payload: closeBody(1006, "")}), code: 1002, is: ErrProtocolViolation},
		{name: "close-999", rule: "§7.4.2 codes below 1000 are not used", send: frames(hdr{fin: true, op: wsproto.OpClose, payload: closeBody(999, "")}), code: 1002, is: ErrProtocolViolation},
		{name: "close-5000", rule: "§7.4.2 codes above 4999", send: frames(hdr{fin: true, op: wsproto.OpClose, payload: closeBody(5000, "")}), code: 1002, is: ErrProtocolViolation},
		{name: "close-bad-reason", rule: "§5.5.1 close reason MUST be UTF-8", send: frames(hdr{fin: true, op: wsproto.OpClose, payload: closeBody(1000, "\xff\xfe")}), code: 1007, is: ErrInvalidPayload},
		{name: "too-big", rule: "§10.4 message size limit", maxMsg: 100, send: frames(hdr{fin: true, op: wsproto.OpBinary, payload: make([]byte, 101)}), code: 1009, is: ErrMessageTooBig},
		{name: "too-big-fragments", rule: "§10.4 limit over fragments", maxMsg: 100, send: frames(hdr{op: wsproto.OpBinary, payload: make([]byte, 60)}, hdr{fin: true, op: wsproto.OpContinuation, payload: make([]byte, 60)}), code: 1009, is: ErrMessageTooBig},
		{name: "endless-empty-continuations", rule: "frames per message are limited (default 65536)", send: emptyContinuations(wsproto.OpBinary, DefaultMaxMessageFrames+1), code: 1009, is: ErrMessageTooBig},
		{name: "empty-continuations-over-limit", rule: "frames per message are limited", frames: 10, send: emptyContinuations(wsproto.OpText, 11), code: 1009, is: ErrMessageTooBig},
		{name: "deflate-empty-continuations", rule: "frames per message are limited, compressed too", deflate: true, frames: 10, send: append(frames(hdr{rsv1: true, op: wsproto.OpBinary, payload: deflateRaw(t, []byte("ab"))}), emptyContinuations(wsproto.OpContinuation, 10)...), code: 1009, is: ErrMessageTooBig},
		{name: "deflate-rsv1-continuation", rule: "RFC 7692 §6.1 RSV1 only on the first frame", deflate: true, send: frames(hdr{rsv1: true, op: wsproto.OpText, payload: deflateRaw(t, []byte("ab"))}, hdr{fin: true, rsv1: true, op: wsproto.OpContinuation}), code: 1002, is: ErrProtocolViolation},
		{name: "deflate-rsv1-control", rule: "RFC 7692 §6.1 control frames are not compressed", deflate: true, send: frames(hdr{fin: true, rsv1: true, op: wsproto.OpPing}), code: 1002, is: ErrProtocolViolation},
		{name: "deflate-garbage", rule: "RFC 7692 §6.2 data that does not inflate", deflate: true, send: frames(hdr{fin: true, rsv1: true, op: wsproto.OpBinary, payload: []byte{0xff, 0xff, 0xff, 0xff}}), code: 1007, is: ErrInvalidPayload},
		{name: "deflate-bomb", rule: "§10.4 limit applies after inflation", deflate: true, maxMsg: 1000, send: frames(hdr{fin: true, rsv1: true, op: wsproto.OpBinary, payload: deflateRaw(t, make([]byte, 100000))}), code: 1009, is: ErrMessageTooBig},
		{name: "deflate-invalid-utf8", rule: "§8.1 inflated text MUST be UTF-8", deflate: true, send: frames(hdr{fin: true, rsv1: true, op: wsproto.OpText, payload: deflateRaw(t, []byte{0xff, 'a'})}), code: 1007, is: ErrInvalidPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := newRecorder()
			s := startServer(t, Options{Conn: ConnOptions{MaxMessageSize: tt.maxMsg, MaxMessageFrames: tt.frames}, Events: rec.events()})
			r := dialRaw(t, s.Addr().String())
			if tt.deflate {
				resp := r.upgrade("Sec-WebSocket-Extensions: permessage-deflate")
				if len(resp.Header["Sec-Websocket-Extensions"]) == 0 {
					t.Fatal("deflate not accepted")
				}
			} else {
				r.upgrade()
			}
			r.write(tt.send)
			if code := r.expectClose(); code != tt.code {
				t.Fatalf("%s: close code %v, want %v", tt.rule, code, tt.code)
			}
			r.expectEOF()
			code, _ := rec.waitClosed(t)
			if code != tt.code {
				t.Fatalf("OnDisconnected code %v, want %v", code, tt.code)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.errs) != 1 || !errors.Is(rec.errs[0], tt.is) {
				t.Fatalf("OnError %v, want one matching %v", rec.errs, tt.is)
			}
		})
	}
}

// TestServerConformanceValid checks what a server MUST accept and answer.
func TestServerConformanceValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		rule    string
		deflate bool
		send    []byte
		// want is the OnDataIn record; reply the opcodes/payloads the
		// server must send back, in order.
		want  string
		reply []rawFrame
	}{
		{name: "ping-pong", rule: "§5.5.2 pong with the ping's payload", send: frames(hdr{fin: true, op: wsproto.OpPing, payload: []byte("hi")}),
			reply: []rawFrame{{Header: wsproto.Header{Fin: true, Opcode: wsproto.OpPong}, Payload: []byte("hi")}}},
		{name: "ping-125", rule: "§5.5 control payload of 125 bytes", send: frames(hdr{fin: true, op: wsproto.OpPing, payload: bytes.Repeat([]byte("p"), 125)}),
			reply: []rawFrame{{Header: wsproto.Header{Fin: true, Opcode: wsproto.OpPong}, Payload: bytes.Repeat([]byte("p"), 125)}}},
		{name: "ping-inside-fragments", rule: "§5.4 control frames between fragments",
			send: frames(hdr{op: wsproto.OpText, payload: []byte("ab")}, hdr{fin: true, op: wsproto.OpPing, payload: []byte("x")}, hdr{fin: true, op: wsproto.OpContinuation, payload: []byte("cd")}),
			want: "text:ab,continuation:cd|eom", reply: []rawFrame{{Header: wsproto.Header{Fin: true, Opcode: wsproto.OpPong}, Payload: []byte("x")}}},
		{name: "utf8-split-across-frames", rule: "§5.6 text validity is per message", send: frames(hdr{op: wsproto.OpText, payload: []byte{'a', 0xe2, 0x82}}, hdr{fin: true, op: wsproto.OpContinuation, payload: []byte{0xac}}),
			want: "text:a\xe2\x82,continuation:\xac|eom"},
		{name: "empty-fragments", rule: "§5.4 empty fragments", send: frames(hdr{op: wsproto.OpBinary}, hdr{op: wsproto.OpContinuation}, hdr{fin: true, op: wsproto.OpContinuation, payload: []byte("z")}),
			want: "binary:z|eom"},
		{name: "empty-message", rule: "§5.6 empty messages", send: frames(hdr{fin: true, op: wsproto.OpText}), want: "text:|eom"},
		{name: "close-echo", rule: "§5.5.1 answer a Close with a Close", send: frames(hdr{fin: true, op: wsproto.OpClose, payload: closeBody(4000, "done")}),
			reply: []rawFrame{{Header: wsproto.Header{Fin: true, Opcode: wsproto.OpClose}, Payload: closeBody(4000, "")}}},
		{name: "close-empty", rule: "§5.5.1 a Close without a body", send: frames(hdr{fin: true, op: wsproto.OpClose}),
			reply: []rawFrame{{Header: wsproto.Header{Fin: true, Opcode: wsproto.OpClose}}}},
		{name: "data-after-close-ignored", rule: "§5.5.1 no data after Close", send: frames(hdr{fin: true, op: wsproto.OpClose, payload: closeBody(1000, "")}, hdr{fin: true, op: wsproto.OpText, payload: []byte("late")}),
			reply: []rawFrame{{Header: wsproto.Header{Fin: true, Opcode: wsproto.OpClose}, Payload: closeBody(1000, "")}}},
		{name: "deflate-message", rule: "RFC 7692 §6.2 inflate RSV1 messages", deflate: true, send: frames(hdr{fin: true, rsv1: true, op: wsproto.OpText, payload: deflateRaw(t, []byte("hello hello hello"))}),
			want: "text:hello hello hello|eom"},
		{name: "deflate-fragmented", rule: "RFC 7692 §6.2 compressed message in fragments", deflate: true,
			send: func() []byte {
				z := deflateRaw(t, []byte("fragmented compressed"))
				return frames(hdr{rsv1: true, op: wsproto.OpText, payload: z[:3]}, hdr{fin: true, op: wsproto.OpContinuation, payload: z[3:]})
			}(), want: "text:fragmented compressed|eom"},
		{name: "deflate-uncompressed-message", rule: "RFC 7692 §6 RSV1 clear means not compressed", deflate: true, send: frames(hdr{fin: true, op: wsproto.OpBinary, payload: []byte("plain")}),
			want: "binary:plain|eom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := newRecorder()
			s := startServer(t, Options{Conn: ConnOptions{Fragments: true}, Events: rec.events()})
			r := dialRaw(t, s.Addr().String())
			if tt.deflate {
				r.upgrade("Sec-WebSocket-Extensions: permessage-deflate")
			} else {
				r.upgrade()
			}
			r.write(tt.send)
			for _, want := range tt.reply {
				f, ok := r.next()
				if !ok {
					t.Fatalf("%s: connection closed", tt.rule)
				}
				if f.Header.Opcode != want.Header.Opcode || f.Header.Fin != want.Header.Fin || f.Header.Masked || !bytes.Equal(f.Payload, want.Payload) {
					t.Fatalf("%s: got %v %q, want %v %q", tt.rule, f.Header.Opcode, f.Payload, want.Header.Opcode, want.Payload)
				}
			}
			if tt.want != "" {
				// a ping after the data proves the data was handled
				r.frame(true, wsproto.OpPing, []byte("sync"))
				if f, ok := r.next(); !ok || f.Header.Opcode != wsproto.OpPong {
					t.Fatal("no pong")
				}
				if got := rec.got(); got != tt.want {
					t.Fatalf("%s: DataIn %q, want %q", tt.rule, got, tt.want)
				}
			}
		})
	}
}

// TestServerHandshakeValidation checks the strict upgrade validation.
func TestServerHandshakeValidation(t *testing.T) {
	t.Parallel()
	const key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	const up = "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	tests := []struct {
		name   string
		req    string
		status int
		header string // a response header that must be present, "Name: value"
	}{
		{name: "post", req: "POST / HTTP/1.1\r\nHost: h\r\n" + up + key + "Sec-WebSocket-Version: 13\r\n\r\n", status: 405, header: "Allow: GET"},
		{name: "http10", req: "GET / HTTP/1.0\r\nHost: h\r\n" + up + key + "Sec-WebSocket-Version: 13\r\n\r\n", status: 400},
		{name: "http2", req: "GET / HTTP/2.0\r\nHost: h\r\n" + up + key + "Sec-WebSocket-Version: 13\r\n\r\n", status: 505},
		{name: "version-8", req: "GET / HTTP/1.1\r\nHost: h\r\n" + up + key + "Sec-WebSocket-Version: 8\r\n\r\n", status: 426, header: "Sec-Websocket-Version: 13"},
		{name: "no-version", req: "GET / HTTP/1.1\r\nHost: h\r\n" + up + key + "\r\n", status: 426, header: "Sec-Websocket-Version: 13"},
		{name: "key-short", req: "GET / HTTP/1.1\r\nHost: h\r\n" + up + "Sec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n\r\n", status: 400},
		{name: "key-missing", req: "GET / HTTP/1.1\r\nHost: h\r\n" + up + "Sec-WebSocket-Version: 13\r\n\r\n", status: 400},
		{name: "no-upgrade", req: "GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\n" + key + "Sec-WebSocket-Version: 13\r\n\r\n", status: 426},
		{name: "no-connection-token", req: "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n" + key + "Sec-WebSocket-Version: 13\r\n\r\n", status: 426},
		{name: "no-host", req: "GET / HTTP/1.1\r\n" + up + key + "Sec-WebSocket-Version: 13\r\n\r\n", status: 400},
		{name: "header-too-large", req: "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + strings.Repeat("a", 20000) + "\r\n\r\n", status: 431},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, Options{})
			r := dialRaw(t, s.Addr().String())
			resp := r.request(tt.req)
			if resp.Status != tt.status {
				t.Fatalf("status %d, want %d", resp.Status, tt.status)
			}
			if tt.header != "" {
				name, value, _ := strings.Cut(tt.header, ": ")
				if got := resp.Header.Get(name); got != value {
					t.Fatalf("%s = %q, want %q", name, got, value)
				}
			}
			r.expectEOF()
		})
	}
}
