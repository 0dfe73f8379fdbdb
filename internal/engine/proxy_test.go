package engine

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/proxyproto"
)

// TestProxyReader: a header fed a byte at a time is parsed once whole,
// the bytes after it kept; without a header it is refused unless
// Optional, which keeps every byte; the remote address is the client's
// for a relayed TCP connection only.
func TestProxyReader(t *testing.T) {
	peer := netip.MustParseAddrPort("127.0.0.1:9")
	in := []byte("PROXY TCP4 203.0.113.7 192.0.2.1 40000 443\r\nhello")
	var r ProxyReader
	cfg := &Proxy{}
	for i, b := range in {
		if r.Room() < 1 {
			t.Fatalf("no room after %d bytes", i)
		}
		info, rest, done, err := r.Feed([]byte{b}, cfg, peer, time.Time{})
		if i < len(in)-len("hello")-1 {
			if done {
				t.Fatalf("done after %d bytes", i+1)
			}
			continue
		}
		if !done || err != nil || info.Remote() != netip.MustParseAddrPort("203.0.113.7:40000") || len(rest) != 0 {
			t.Fatalf("at the header's end: %+v %q %v %v", info, rest, done, err)
		}
		break
	}
	if r.buf != nil {
		t.Fatal("the buffer is kept after the header")
	}
	r = ProxyReader{}
	info, rest, done, err := r.Feed(in, cfg, peer, time.Time{})
	if !done || err != nil || string(rest) != "hello" || info.Header.Version != 1 {
		t.Fatalf("header and data in one read: %+v %q %v %v", info, rest, done, err)
	}

	r = ProxyReader{}
	if _, _, done, err := r.Feed([]byte("GET / HTTP/1.1\r\n"), cfg, peer, time.Time{}); !done || !errors.Is(err, ErrProxyMissing) {
		t.Fatalf("no header, required: %v %v", done, err)
	}
	r = ProxyReader{}
	info, rest, done, err = r.Feed([]byte("GET /"), &Proxy{Optional: true}, peer, time.Time{})
	if !done || err != nil || string(rest) != "GET /" || info.Header != nil || info.Remote() != peer {
		t.Fatalf("no header, optional: %+v %q %v %v", info, rest, done, err)
	}
	r = ProxyReader{}
	if _, _, done, err := r.Feed([]byte("PROXY TCP4 1.2.3\r\n"), cfg, peer, time.Time{}); !done || !errors.Is(err, proxyproto.ErrInvalid) {
		t.Fatalf("malformed: %v %v", done, err)
	}
	local := &ProxyInfo{Header: &proxyproto.Header{Version: 2, Command: proxyproto.CommandLocal}, Peer: peer}
	if local.Remote() != peer {
		t.Fatalf("LOCAL: Remote() = %v, want the peer", local.Remote())
	}
}

// TestProxySniff: an untrusted connection's first read is refused when it
// begins a PROXY signature of at least five bytes.
func TestProxySniff(t *testing.T) {
	for in, refused := range map[string]bool{
		"PROXY TCP4 ":             true,
		"PROXY":                   true,
		"\r\n\r\n\x00\r\nQUIT\n!": true,
		"PROXI":                   false,
		"PRO":                     false, // too short to tell: data
		"\x16\x03\x01\x00\xa5":    false, // a ClientHello
		"GET / HTTP/1.1\r\n":      false,
	} {
		if err := ProxySniff([]byte(in)); (err != nil) != refused || err != nil && !errors.Is(err, ErrProxyUntrusted) {
			t.Errorf("ProxySniff(%q) = %v, want refused %v", in, err, refused)
		}
	}
}

type countingAcceptor struct {
	accepted, refused int
}

func (a *countingAcceptor) Accept(Conn)                        { a.accepted++ }
func (a *countingAcceptor) AcceptError(error)                  {}
func (a *countingAcceptor) ProxyRefused(netip.AddrPort, error) { a.refused++ }

// TestProxyGate: MaxPending bounds the waiting connections; Close aborts
// those waiting and nothing reaches the Acceptor after it.
func TestProxyGate(t *testing.T) {
	a := &countingAcceptor{}
	g := NewProxyGate(&Proxy{MaxPending: 2}, a)
	aborted := 0
	abort := func() { aborted++ }
	if !g.Enter(1, abort) || !g.Enter(2, abort) || g.Enter(3, abort) {
		t.Fatal("MaxPending 2 did not admit exactly two")
	}
	g.Refuse(1, netip.AddrPort{}, ErrProxyTimeout)
	if a.refused != 1 || !g.Enter(3, abort) {
		t.Fatal("a refused connection did not give its place back")
	}
	if !g.Accept(2, nil) || a.accepted != 1 {
		t.Fatal("Accept did not reach the Acceptor")
	}
	g.Close()
	if aborted != 1 {
		t.Fatalf("Close aborted %d connections, want the one waiting", aborted)
	}
	if g.Accept(3, nil) || g.Enter(4, abort) {
		t.Fatal("the gate admitted or accepted after Close")
	}
	g.Refuse(3, netip.AddrPort{}, ErrProxyTimeout)
	if a.accepted != 1 || a.refused != 1 {
		t.Fatal("the Acceptor was called after Close")
	}
}
