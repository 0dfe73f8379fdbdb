package ws

import (
	"testing"

	"github.com/tlskit/tlskit/internal/wsproto"
)

func TestServerEcho(t *testing.T) {
	t.Parallel()
	s := startServer(t, Options{Conn: ConnOptions{BufferMessage: true}, Events: echoEvents()})
	r := dialRaw(t, s.Addr().String())
	resp := r.upgrade()
	if resp.Status != 101 {
		t.Fatalf("status %d", resp.Status)
	}
	r.frame(true, wsproto.OpText, []byte("hello"))
	f, ok := r.next()
	if !ok || f.Header.Opcode != wsproto.OpText || string(f.Payload) != "hello" || f.Header.Masked {
		t.Fatalf("echo = %+v %q ok=%v", f.Header, f.Payload, ok)
	}
	r.frame(true, wsproto.OpClose, []byte{0x03, 0xe8})
	if code := r.expectClose(); code != 1000 {
		t.Fatalf("close code %v", code)
	}
	r.expectEOF()
}
