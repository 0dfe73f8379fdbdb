package loadgen

import (
	"bytes"
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/ws"
)

// startWSEcho runs tlskit's ws.Server as a whole-message echo and counts
// the connections that negotiated permessage-deflate.
func startWSEcho(t *testing.T, deflate bool) (url string, compressed *atomic.Int64) {
	t.Helper()
	compressed = new(atomic.Int64)
	s, err := ws.NewServer(ws.Options{
		Server: server.Options{LocalHost: "127.0.0.1"},
		Conn:   ws.ConnOptions{DisablePermessageDeflate: !deflate},
		Events: ws.Events{
			OnConnected: func(c *ws.Conn) {
				if c.Compressed() {
					compressed.Add(1)
				}
			},
			OnDataIn: func(c *ws.Conn, f ws.DataFormat, data []byte, _, _ bool) {
				c.SendMessage(ws.SendFormatOf(f), data)
			},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.StartListening(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return "ws://" + s.Addr().String() + "/", compressed
}

func TestDeflateAgainstTlskitServer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		serverDeflate bool
		offer         bool
		wantDeflated  int64
	}{
		{name: "offered and accepted", serverDeflate: true, offer: true, wantDeflated: 3},
		{name: "offered, server without deflate", serverDeflate: false, offer: true, wantDeflated: 0},
		{name: "not offered", serverDeflate: true, offer: false, wantDeflated: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const conns = 3
			url, compressed := startWSEcho(t, tc.serverDeflate)
			// 1 KiB messages: the server compresses its echoes (it
			// sends messages under 64 bytes as they are).
			res := runOK(t, Options{URL: url, Conns: conns, Size: 1024, Deflate: tc.offer, Duration: 300 * time.Millisecond})
			if len(res.Errors) != 0 {
				t.Fatalf("errors: %v %v", res.Errors, res.ErrorSamples)
			}
			if res.ConnsOpened != conns || res.DeflateConns != tc.wantDeflated {
				t.Fatalf("opened %d, deflate on %d; want %d, %d", res.ConnsOpened, res.DeflateConns, conns, tc.wantDeflated)
			}
			if got := compressed.Load(); got != tc.wantDeflated {
				t.Fatalf("server saw deflate on %d connections, want %d", got, tc.wantDeflated)
			}
			if res.Messages == 0 || res.Received != res.Sent {
				t.Fatalf("messages %d, sent %d, received %d", res.Messages, res.Sent, res.Received)
			}
			if res.Deflate != tc.offer {
				t.Fatalf("Result.Deflate = %v, want %v", res.Deflate, tc.offer)
			}
		})
	}
}

func TestDeflateNeedsWebSocket(t *testing.T) {
	t.Parallel()
	_, err := Run(context.Background(), Options{URL: "tcp://127.0.0.1:9", Deflate: true})
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Option != "deflate" {
		t.Fatalf("err = %v, want an OptionError for deflate", err)
	}
}

// deflateConn returns a wsConn on one end of a pipe that negotiated resp
// (a Sec-WebSocket-Extensions value) to the default offer, and the other end.
func deflateConn(t *testing.T, resp string) (*wsConn, net.Conn, error) {
	t.Helper()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	w := &wsConn{
		Conn: a,
		dec:  wsproto.NewDecoder(wsproto.RoleClient, wsproto.DecoderOptions{MaxMessageSize: maxWSMessage}),
		rbuf: make([]byte, 4096),
	}
	w.enc = wsproto.Encoder{Role: wsproto.RoleClient, MaxFrameSize: -1, MaskKey: func() [4]byte { return [4]byte{1, 2, 3, 4} }}
	offer, err := deflateOffer.Offer()
	if err != nil {
		t.Fatal(err)
	}
	exts, err := wsproto.ParseExtensions([]string{resp})
	if err != nil {
		t.Fatal(err)
	}
	return w, b, w.acceptExtensions(offer, exts)
}

func TestDeflateRejectsBadResponses(t *testing.T) {
	t.Parallel()
	for _, resp := range []string{
		"permessage-deflate; client_no_context_takeover",                                                 // server_no_context_takeover was asked for
		"permessage-deflate; server_no_context_takeover; bogus",                                          // unknown parameter
		"permessage-deflate; server_no_context_takeover, permessage-deflate; server_no_context_takeover", // twice
		"x-other",
	} {
		if _, _, err := deflateConn(t, resp); err == nil {
			t.Errorf("%q accepted", resp)
		}
	}
}

func TestDeflateCompressesBothWays(t *testing.T) {
	t.Parallel()
	w, peer, err := deflateConn(t, "permessage-deflate; server_no_context_takeover; client_no_context_takeover")
	if err != nil {
		t.Fatal(err)
	}
	msg := newMessageBuffer(1024)
	fillMessage(msg, 7, 42)
	go w.WriteMsg(msg)

	// The frame on the wire has RSV1 and a payload that inflates to msg.
	dec := wsproto.NewDecoder(wsproto.RoleServer, wsproto.DecoderOptions{Compression: true})
	var wire []byte
	buf := make([]byte, 4096)
	for done := false; !done; {
		n, err := peer.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		dec.Feed(buf[:n])
		for {
			ch, ok, err := dec.Next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			if !ch.Compressed || !ch.Header.RSV1 {
				t.Fatal("frame sent without RSV1")
			}
			wire = append(wire, ch.Data...)
			done = ch.EndOfMessage()
		}
	}
	if len(wire) >= len(msg) {
		t.Fatalf("compressed to %d bytes, not less than %d", len(wire), len(msg))
	}
	got, err := wsproto.NewDecompressor(false, 15).Decompress(nil, wire, maxWSMessage)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("inflated %d bytes (err %v), want the message back", len(got), err)
	}

	// A compressed reply is inflated by ReadMsg.
	comp, err := wsproto.NewCompressor(0, false)
	if err != nil {
		t.Fatal(err)
	}
	enc := wsproto.Encoder{Role: wsproto.RoleServer, MaxFrameSize: 100}
	frames, err := enc.AppendMessage(nil, wsproto.OpBinary, comp.Compress(nil, msg), true)
	if err != nil {
		t.Fatal(err)
	}
	go peer.Write(frames)
	in, err := w.ReadMsg(nil)
	if err != nil {
		t.Fatal(err)
	}
	if seq, sent, ok := parseMessage(in); !ok || seq != 7 || sent != 42 {
		t.Fatalf("ReadMsg: seq %d sent %d ok %v", seq, sent, ok)
	}
	// A corrupt compressed message is an error, not a bad echo.
	bad, _ := enc.AppendMessage(nil, wsproto.OpBinary, []byte{0xff, 0xff, 0xff}, true)
	go peer.Write(bad)
	if _, err := w.ReadMsg(nil); err == nil {
		t.Fatal("a corrupt compressed message was accepted")
	}
}
