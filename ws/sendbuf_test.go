package ws

import (
	"bytes"
	"testing"

	"github.com/tlskit/tlskit/internal/wsproto"
)

// shortTransport takes at most room bytes, then refuses with ErrWouldBlock.
type shortTransport struct {
	testLink
	room int
	out  []byte
}

func (s *shortTransport) Send(p []byte) (int, error) {
	n := min(len(p), s.room)
	s.room -= n
	s.out = append(s.out, p[:n]...)
	if n < len(p) {
		return n, ErrWouldBlock
	}
	return n, nil
}
func (s *shortTransport) Disconnect()     {}
func (s *shortTransport) queueLimit() int { return DefaultSendQueue }
func (s *shortTransport) Reset()          {}

// TestSendMessageFrameBuffer: SendMessage encodes into a pooled buffer and
// allocates nothing per message; what the transport could not take is
// kept intact while later messages reuse the buffer.
func TestSendMessageFrameBuffer(t *testing.T) { // not parallel: AllocsPerRun
	tr := &shortTransport{room: 10}
	c := newConn(wsproto.RoleServer, &ConnOptions{}, &Events{OnDataIn: func(*Conn, DataFormat, []byte, bool, bool) {}}, tr)
	c.open(nil)
	a, b := bytes.Repeat([]byte("a"), 100), bytes.Repeat([]byte("b"), 100)
	if _, err := c.SendMessage(DataBinary, a); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendMessage(DataBinary, b); err == nil {
		t.Fatal("a send with bytes still pending did not return ErrWouldBlock")
	}
	for range 10 { // other connections' sends reuse pooled buffers meanwhile
		o := &shortTransport{room: 1 << 20}
		oc := newConn(wsproto.RoleServer, &ConnOptions{}, &Events{OnDataIn: func(*Conn, DataFormat, []byte, bool, bool) {}}, o)
		oc.open(nil)
		_, _ = oc.SendMessage(DataBinary, bytes.Repeat([]byte("x"), 200))
	}
	tr.room = 1 << 20
	c.writable()
	if _, err := c.SendMessage(DataBinary, b); err != nil {
		t.Fatal(err)
	}
	r := wsproto.NewReader(wsproto.RoleClient, wsproto.ReaderOptions{BufferMessage: true})
	r.Feed(tr.out)
	var got []string
	for {
		ev, ok, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		got = append(got, string(ev.Data))
	}
	if len(got) != 2 || got[0] != string(a) || got[1] != string(b) {
		t.Fatalf("the peer got %d messages %q, want the 100 a's then the 100 b's", len(got), got)
	}

	if raceEnabled {
		return
	}
	m := &memTransport{}
	mc := newConn(wsproto.RoleServer, &ConnOptions{}, &Events{OnDataIn: func(*Conn, DataFormat, []byte, bool, bool) {}}, m)
	mc.open(nil)
	msg := make([]byte, 1024)
	if allocs := testing.AllocsPerRun(100, func() {
		m.out = m.out[:0]
		if _, err := mc.SendMessage(DataBinary, msg); err != nil {
			t.Fatal(err)
		}
	}); allocs != 0 {
		t.Errorf("SendMessage allocates %.0f times per 1 KiB message, want 0", allocs)
	}
}
