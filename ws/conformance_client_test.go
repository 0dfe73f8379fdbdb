package ws

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
)

// rawServer is a test server speaking raw bytes to our client.
type rawServer struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
	dec  *wsproto.Decoder
	req  *wsproto.UpgradeRequest
	buf  []byte
}

// startRawServer accepts one connection, reads the upgrade request and
// answers with respond(req) (a whole response head); the rawServer arrives
// on the channel.
func startRawServer(t *testing.T, respond func(req *wsproto.UpgradeRequest) string) (string, chan *rawServer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan *rawServer, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
		rs := &rawServer{t: t, conn: conn, br: bufio.NewReader(conn), dec: wsproto.NewDecoder(wsproto.RoleServer, wsproto.DecoderOptions{MaxMessageSize: -1, Compression: true})}
		var p wsproto.RequestParser
		b := make([]byte, 1)
		for rs.req == nil {
			if _, err := rs.br.Read(b); err != nil {
				conn.Close()
				return
			}
			if rs.req, _, err = p.Feed(b); err != nil {
				conn.Close()
				return
			}
		}
		_, _ = conn.Write([]byte(respond(rs.req)))
		ch <- rs
	}()
	t.Cleanup(func() {
		select {
		case rs := <-ch:
			rs.conn.Close()
		default:
		}
	})
	return "ws://" + ln.Addr().String() + "/", ch
}

func accept101(extra ...string) func(req *wsproto.UpgradeRequest) string {
	return func(req *wsproto.UpgradeRequest) string {
		return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
			wsproto.AcceptKey(req.Key) + "\r\n" + strings.Join(append(extra, ""), "\r\n") + "\r\n"
	}
}

// next reads the client's next frame (the server-role decoder rejects
// unmasked frames, so every frame read proves the client masked it).
func (r *rawServer) next() (rawFrame, bool) {
	r.t.Helper()
	return readRawFrame(r.t, "client", r.dec, r.br, &r.buf)
}

// sframe is a server frame (unmasked unless masked is set).
func sframe(fin bool, op wsproto.Opcode, payload []byte, mod ...func(*wsproto.Header)) []byte {
	h := wsproto.Header{Fin: fin, Opcode: op, Length: uint64(len(payload))}
	for _, m := range mod {
		m(&h)
	}
	return wsproto.AppendFrame(nil, h, append([]byte(nil), payload...))
}

func masked(h *wsproto.Header) { h.Masked, h.Mask = true, [4]byte{9, 8, 7, 6} }
func rsv1(h *wsproto.Header)   { h.RSV1 = true }
func rsv2(h *wsproto.Header)   { h.RSV2 = true }

func TestClientConformanceHandshake(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    DialOptions
		respond func(req *wsproto.UpgradeRequest) string
		ok      bool
	}{
		{name: "valid", respond: accept101(), ok: true},
		{name: "valid-deflate", respond: accept101("Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_max_window_bits=10"), ok: true},
		{name: "valid-subprotocol", opts: DialOptions{Protocols: []string{"chat", "v2"}}, respond: accept101("Sec-WebSocket-Protocol: v2"), ok: true},
		{name: "status-200", respond: func(*wsproto.UpgradeRequest) string { return "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" }},
		{name: "no-upgrade-header", respond: func(req *wsproto.UpgradeRequest) string {
			return "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + wsproto.AcceptKey(req.Key) + "\r\n\r\n"
		}},
		{name: "no-connection-header", respond: func(req *wsproto.UpgradeRequest) string {
			return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: " + wsproto.AcceptKey(req.Key) + "\r\n\r\n"
		}},
		{name: "wrong-accept", respond: func(*wsproto.UpgradeRequest) string {
			return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + wsproto.AcceptKey("other") + "\r\n\r\n"
		}},
		{name: "subprotocol-not-offered", respond: accept101("Sec-WebSocket-Protocol: chat")},
		{name: "subprotocol-other", opts: DialOptions{Protocols: []string{"a"}}, respond: accept101("Sec-WebSocket-Protocol: b")},
		{name: "extension-not-offered", respond: accept101("Sec-WebSocket-Extensions: x-foo")},
		{name: "deflate-not-offered", opts: DialOptions{Conn: ConnOptions{DisablePermessageDeflate: true}}, respond: accept101("Sec-WebSocket-Extensions: permessage-deflate")},
		{name: "deflate-unknown-param", respond: accept101("Sec-WebSocket-Extensions: permessage-deflate; foo")},
		{name: "deflate-bad-window", respond: accept101("Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=7")},
		{name: "deflate-ignores-no-context-takeover", respond: accept101("Sec-WebSocket-Extensions: permessage-deflate")},
		{name: "deflate-takeover-allowed", opts: DialOptions{Conn: ConnOptions{Deflate: DeflateOptions{ServerContextTakeover: true}}}, respond: accept101("Sec-WebSocket-Extensions: permessage-deflate"), ok: true},
		{name: "deflate-twice", respond: accept101("Sec-WebSocket-Extensions: permessage-deflate, permessage-deflate")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url, ch := startRawServer(t, tt.respond)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			opts := tt.opts
			c, err := Dial(ctx, url, &opts)
			if !tt.ok {
				if err == nil {
					_ = c.Close(CloseNormal, "")
					<-c.Done()
					t.Fatal("handshake accepted")
				}
				if !errors.Is(err, ErrBadHandshake) && !errors.Is(err, wsproto.ErrDeflateNegotiation) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rs := <-ch
			if k := rs.req.Header().Get("Sec-WebSocket-Version"); k != "13" {
				t.Fatalf("version %q", k)
			}
			rs.conn.Close()
			<-c.Done()
		})
	}
}

func TestClientConformanceFrames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		rule    string
		deflate bool
		send    []byte
		code    wsproto.CloseCode
	}{
		{name: "masked-server-frame", rule: "§5.1 a client MUST close on a masked frame", send: sframe(true, wsproto.OpText, []byte("a"), masked), code: 1002},
		{name: "rsv1", rule: "§5.2 RSV1 without extension", send: sframe(true, wsproto.OpText, []byte("a"), rsv1), code: 1002},
		{name: "rsv2", rule: "§5.2 RSV2", send: sframe(true, wsproto.OpBinary, nil, rsv2), code: 1002},
		{name: "opcode-4", rule: "§5.2 reserved opcode", send: sframe(true, 0x4, nil), code: 1002},
		{name: "ping-fragmented", rule: "§5.5 control not fragmented", send: sframe(false, wsproto.OpPing, nil), code: 1002},
		{name: "ping-126", rule: "§5.5 control ≤ 125", send: sframe(true, wsproto.OpPing, make([]byte, 126)), code: 1002},
		{name: "continuation-first", rule: "§5.4 continuation without start", send: sframe(true, wsproto.OpContinuation, []byte("a")), code: 1002},
		{name: "text-bad-utf8", rule: "§8.1 text MUST be UTF-8", send: sframe(true, wsproto.OpText, []byte{0xed, 0xa0, 0x80}), code: 1007},
		{name: "close-bad-code", rule: "§7.4 invalid close code", send: sframe(true, wsproto.OpClose, closeBody(1004, "")), code: 1002},
		{name: "close-bad-reason", rule: "§5.5.1 reason MUST be UTF-8", send: sframe(true, wsproto.OpClose, closeBody(1000, "\xc3")), code: 1007},
		{name: "deflate-rsv1-continuation", rule: "RFC 7692 §6.1 RSV1 on a continuation", deflate: true,
			send: append(sframe(false, wsproto.OpText, []byte("a")), sframe(true, wsproto.OpContinuation, []byte("b"), rsv1)...), code: 1002},
		{name: "deflate-garbage", rule: "RFC 7692 data that does not inflate", deflate: true, send: sframe(true, wsproto.OpBinary, []byte{0xff, 0xff, 0xff}, rsv1), code: 1007},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := accept101()
			if tt.deflate {
				resp = accept101("Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover")
			}
			url, ch := startRawServer(t, resp)
			rec := newRecorder()
			c := dialT(t, url, &DialOptions{Events: rec.events()})
			rs := <-ch
			if _, err := rs.conn.Write(tt.send); err != nil {
				t.Fatal(err)
			}
			f, ok := rs.next()
			if !ok || f.Header.Opcode != wsproto.OpClose {
				t.Fatalf("%s: no Close from the client", tt.rule)
			}
			code, _, err := wsproto.ParseClosePayload(f.Payload)
			if err != nil || code != tt.code {
				t.Fatalf("%s: client closed with %v (%v), want %v", tt.rule, code, err, tt.code)
			}
			rs.conn.Close()
			if got, _ := rec.waitClosed(t); got != tt.code {
				t.Fatalf("OnDisconnected %v, want %v", got, tt.code)
			}
			_ = c
		})
	}
}

func TestClientConformanceBehaviour(t *testing.T) {
	t.Parallel()
	url, ch := startRawServer(t, accept101())
	rec := newRecorder()
	c := dialT(t, url, &DialOptions{Events: rec.events(), Conn: ConnOptions{MaxFrameSize: 3}})
	rs := <-ch
	// §5.3: every client frame masked, fragmentation per MaxFrameSize.
	if _, err := c.SendText("abcdefg"); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for {
		f, ok := rs.next()
		if !ok || !f.Header.Masked {
			t.Fatal("client frame missing or unmasked")
		}
		got = append(got, f.Payload...)
		if f.Header.Fin {
			break
		}
	}
	if string(got) != "abcdefg" {
		t.Fatalf("server got %q", got)
	}
	// §5.5.2: a pong answers a ping with the same payload, masked.
	_, _ = rs.conn.Write(sframe(true, wsproto.OpPing, []byte("pp")))
	if f, _ := rs.next(); f.Header.Opcode != wsproto.OpPong || string(f.Payload) != "pp" {
		t.Fatalf("pong %v %q", f.Header.Opcode, f.Payload)
	}
	// Masking keys differ between frames (§5.3: unpredictable).
	_, _ = c.SendText("x")
	f1, _ := rs.next()
	_, _ = c.SendText("y")
	f2, _ := rs.next()
	if f1.Header.Mask == f2.Header.Mask {
		t.Fatal("the same masking key twice")
	}
	// §7.1.1/§5.5.1: server's Close is echoed, then the client waits for the
	// server to close TCP.
	_, _ = rs.conn.Write(sframe(true, wsproto.OpClose, closeBody(1001, "bye")))
	f, _ := rs.next()
	if code, _, _ := wsproto.ParseClosePayload(f.Payload); f.Header.Opcode != wsproto.OpClose || code != 1001 {
		t.Fatalf("echo %v %q", f.Header.Opcode, f.Payload)
	}
	select {
	case <-c.Done():
		t.Fatal("client closed TCP before the server")
	case <-time.After(100 * time.Millisecond):
	}
	rs.conn.Close()
	if code, reason := rec.waitClosed(t); code != 1001 || reason != "bye" {
		t.Fatalf("OnDisconnected %v %q", code, reason)
	}
}
