package ws

import (
	"crypto/tls"
	"net"
	"sync"
	"testing"

	"github.com/tlskit/tlskit/internal/settings"
	"github.com/tlskit/tlskit/internal/wsproto"
)

// memTransport is an in-memory transport: it takes every write and records
// closes, for driving a Conn without sockets.
type memTransport struct {
	testLink
	mu      sync.Mutex
	out     []byte
	closed  bool
	aborted bool
}

func (m *memTransport) Send(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, ErrNotConnected
	}
	m.out = append(m.out, p...)
	return len(p), nil
}
func (m *memTransport) Disconnect()     { m.mu.Lock(); m.closed = true; m.mu.Unlock() }
func (m *memTransport) queueLimit() int { return 1 << 30 } // takes everything
func (m *memTransport) Reset()          { m.mu.Lock(); m.closed, m.aborted = true, true; m.mu.Unlock() }

// testLink has the transport methods that the test transports do not use:
// room is always there, data never paused, there is no address or TLS.
type testLink struct{}

func (testLink) Writable() <-chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}
func (testLink) PauseData()                                   {}
func (testLink) ProcessData()                                 {}
func (testLink) AcceptData() bool                             { return true }
func (testLink) localAddr() net.Addr                          { return &net.TCPAddr{} }
func (testLink) remoteAddr() net.Addr                         { return &net.TCPAddr{} }
func (testLink) connectionState() (tls.ConnectionState, bool) { return tls.ConnectionState{}, false }

// FuzzConnReceive feeds arbitrary bytes to an open connection of either
// role, with and without deflate, streamed and buffered, in line mode or
// not: it must never panic, and whatever it answers must be valid frames
// ending, if at all, with a valid Close.
func FuzzConnReceive(f *testing.F) {
	f.Add([]byte{0x81, 0x85, 1, 2, 3, 4, 'h' ^ 1, 'e' ^ 2, 'l' ^ 3, 'l' ^ 4, 'o' ^ 1}, uint8(0))
	f.Add([]byte{0x89, 0x80, 0, 0, 0, 0, 0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8}, uint8(1))
	f.Add([]byte{0x01, 0x01, 'a', 0x80, 0x01, 'b'}, uint8(2))
	f.Add([]byte{0xc1, 0x05, 0xf2, 0x48, 0xcd, 0xc9, 0xc9}, uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		role := wsproto.RoleServer
		if mode&1 != 0 {
			role = wsproto.RoleClient
		}
		opts := &ConnOptions{Fragments: mode&2 == 0, LineMode: mode&8 != 0, MaxMessageSize: 1 << 16}
		tr := &memTransport{}
		ev := &Events{OnDataIn: func(c *Conn, f DataFormat, data []byte, eom, eol bool) {}}
		c := newConn(role, opts, ev, tr)
		var params *wsproto.DeflateParams
		if mode&4 != 0 {
			params = &wsproto.DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
		}
		c.open(params)
		half := len(data) / 2
		c.received(append([]byte(nil), data[:half]...))
		c.received(append([]byte(nil), data[half:]...))
		c.transportClosed(nil)
		peer := wsproto.RoleClient
		if role == wsproto.RoleClient {
			peer = wsproto.RoleServer
		}
		dec := wsproto.NewDecoder(peer, wsproto.DecoderOptions{MaxMessageSize: -1})
		dec.Feed(tr.out)
		for {
			ch, ok, err := dec.Next()
			if err != nil {
				t.Fatalf("answered with a bad frame: %v", err)
			}
			if !ok {
				break
			}
			if ch.Message == wsproto.OpClose {
				if _, _, err := wsproto.ParseClosePayload(ch.Data); err != nil {
					t.Fatalf("bad Close sent: %v", err)
				}
			}
		}
	})
}

// FuzzConfigSetting checks that Config never panics and that what it
// sets reads back.
func FuzzConfigSetting(f *testing.F) {
	for _, s := range []string{"BufferMessage=true", "MaxFrameSize=100", "MessageLength[1]=5", "MaxLineLength[x]=1", "DisconnectStatusDescription=é", "=", "[", "a[]=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, setting string) {
		h, err := NewHandler(HandlerOptions{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Config(setting); err != nil {
			return
		}
		r, err := settings.Parse(setting)
		if err != nil || !r.Set || r.HasID {
			return
		}
		name, value := r.Name, r.Value
		got, err := h.Config(name)
		if err != nil {
			t.Fatalf("%q set but %q does not read: %v", setting, name, err)
		}
		if name == "DisconnectStatusDescription" && got != value {
			t.Fatalf("%q reads back %q", setting, got)
		}
	})
}
