package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
)

// proxyV1 is a version 1 header for a client at src.
func proxyV1(src netip.AddrPort) []byte {
	return fmt.Appendf(nil, "PROXY TCP4 %s 192.0.2.1 %d 443\r\n", src.Addr(), src.Port())
}

// proxyV2 is a version 2 PROXY (or, src invalid, LOCAL) header for an
// IPv4 client at src.
func proxyV2(src netip.AddrPort) []byte {
	b := []byte("\r\n\r\n\x00\r\nQUIT\n")
	if !src.IsValid() {
		return append(b, 0x20, 0x00, 0, 0)
	}
	b = append(b, 0x21, 0x11, 0, 12)
	a, d := src.Addr().As4(), [4]byte{192, 0, 2, 1}
	b = append(append(b, a[:]...), d[:]...)
	b = binary.BigEndian.AppendUint16(b, src.Port())
	return binary.BigEndian.AppendUint16(b, 443)
}

// headerConn sends header in front of its first Write, in the same
// write: a TLS ClientHello then arrives with the header.
type headerConn struct {
	net.Conn
	header []byte
}

func (h *headerConn) Write(p []byte) (int, error) {
	if h.header != nil {
		b := append(h.header, p...)
		h.header = nil
		if _, err := h.Conn.Write(b); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return h.Conn.Write(p)
}

// isReset reports whether c was reset by the server (a read fails with
// ECONNRESET).
func isReset(t *testing.T, c net.Conn) bool {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := io.Copy(io.Discard, c)
	return errors.Is(err, syscall.ECONNRESET)
}

type proxySeen struct {
	request, connected netip.AddrPort
	header             ProxyHeader
	ok                 bool
}

// proxyServer is a ProxyProtocol echo server that reports what each
// connection's request and OnConnected saw.
func proxyServer(t *testing.T, engine string, o Options) (*Server, chan proxySeen, *testpeer.SlogRecorder) {
	t.Helper()
	seen := make(chan proxySeen, 10)
	requests := make(chan netip.AddrPort, 10)
	ev := echoEvents()
	ev.OnConnectionRequest = func(r *ConnectionRequest) { requests <- r.Remote }
	ev.OnConnected = func(c *Conn) {
		h, ok := c.ProxyHeader()
		seen <- proxySeen{request: <-requests, connected: c.RemoteAddr(), header: h, ok: ok}
	}
	o.ProxyProtocol = true
	o.Events = ev
	rec := &testpeer.SlogRecorder{}
	o.Logger = slog.New(rec)
	return start(t, engine, o), seen, rec
}

// TestProxyProtocolRemoteAddr: a version 1 or 2 header from a trusted
// (loopback) sender gives OnConnectionRequest and OnConnected the client it
// names, and the bytes sent with the header in one write come as the
// first data; a LOCAL header (a health check) keeps the sender's address.
func TestProxyProtocolRemoteAddr(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		s, seen, _ := proxyServer(t, engine, Options{})
		client := netip.MustParseAddrPort("203.0.113.7:40000")
		for _, c := range []struct {
			name    string
			header  []byte
			want    netip.AddrPort
			version int
		}{
			{"v1", proxyV1(client), client, 1},
			{"v2", proxyV2(client), client, 2},
			{"v2 LOCAL", proxyV2(netip.AddrPort{}), netip.AddrPort{}, 2},
		} {
			nc := dial(t, s)
			if _, err := nc.Write(append(c.header, "hello\n"...)); err != nil {
				t.Fatal(err)
			}
			echoes(t, nc, "") // the write above is whole
			r := bufio.NewReader(nc)
			if got := readLine(t, r); got != "hello" {
				t.Fatalf("%s: echo %q, want the bytes sent with the header", c.name, got)
			}
			got := <-seen
			want := c.want
			if !want.IsValid() {
				want = netip.MustParseAddrPort(nc.LocalAddr().String())
			}
			if got.request != want || got.connected != want {
				t.Fatalf("%s: ConnectionRequest.Remote %v, RemoteAddr %v; want %v", c.name, got.request, got.connected, want)
			}
			h := got.header
			if !got.ok || h.Version != c.version || h.Via != netip.MustParseAddrPort(nc.LocalAddr().String()) ||
				h.Local != !c.want.IsValid() || h.Source != c.want {
				t.Fatalf("%s: ProxyHeader() = %+v, %v", c.name, h, got.ok)
			}
			nc.Close()
		}
		// Without a header a trusted sender is reset (one is required)
		// and the refusal is logged.
		nc := dial(t, s)
		nc.Write([]byte("hello\n"))
		if !isReset(t, nc) {
			t.Fatal("a trusted sender's connection without a header was not reset")
		}
		waitFor(t, "the refusal's record", func() bool {
			return rec(s).Has("connection refused", "PROXY header: required, none sent")
		})
	})
}

// rec returns the server's recorded log.
func rec(s *Server) *testpeer.SlogRecorder {
	return s.initial.Logger.Handler().(*testpeer.SlogRecorder)
}

// TestProxyProtocolTLS: the header and the ClientHello in one write: the
// handshake runs on what follows the header, and the connection is the
// header's client's.
func TestProxyProtocolTLS(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		p := getPKI(t)
		s, seen, _ := proxyServer(t, engine, Options{TLSConfig: p.serverConfig(), DefaultConnectionTimeout: 5 * time.Second})
		client := netip.MustParseAddrPort("198.51.100.9:1234")
		for _, header := range [][]byte{proxyV1(client), proxyV2(client)} {
			raw := dial(t, s)
			tc := tls.Client(&headerConn{Conn: raw, header: header}, p.clientConfig())
			echoes(t, tc, "over TLS\n")
			if got := <-seen; got.connected != client || got.request != client {
				t.Fatalf("RemoteAddr %v, request %v; want %v", got.connected, got.request, client)
			}
			tc.Close()
		}
	})
}

// TestProxyProtocolPerAddress: MaxConnectionsPerAddress counts the
// header's clients, not the sender (all of them from 127.0.0.1).
func TestProxyProtocolPerAddress(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		s, seen, _ := proxyServer(t, engine, Options{MaxConnectionsPerAddress: 1})
		a1 := netip.MustParseAddrPort("203.0.113.1:1000")
		a2 := netip.MustParseAddrPort("203.0.113.2:1000")
		conn := func(src netip.AddrPort) net.Conn {
			nc := dial(t, s)
			if _, err := nc.Write(proxyV2(src)); err != nil {
				t.Fatal(err)
			}
			return nc
		}
		c1 := conn(a1)
		echoes(t, c1, "one")
		<-seen
		if c := conn(a1); !wasRefused(t, c, nil) {
			t.Fatal("a second connection of one client was served with MaxConnectionsPerAddress 1")
		}
		c2 := conn(a2)
		echoes(t, c2, "two")
		if got := <-seen; got.connected != a2 {
			t.Fatalf("RemoteAddr %v, want %v", got.connected, a2)
		}
	})
}

// TestProxyProtocolBlockedClients: the access list's verdict is on the
// header's client.
func TestProxyProtocolBlockedClients(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		rec := &testpeer.SlogRecorder{}
		s := start(t, engine, Options{ProxyProtocol: true, BlockedClients: "203.0.113.66", Events: echoEvents(), Logger: slog.New(rec)})
		nc := dial(t, s)
		nc.Write(proxyV1(netip.MustParseAddrPort("203.0.113.66:5")))
		if !wasRefused(t, nc, nil) {
			t.Fatal("a blocked client behind a trusted sender was served")
		}
		waitFor(t, "the refusal's record", func() bool {
			return rec.Has("connection refused", "remote=203.0.113.66:5")
		})
		ok := dial(t, s)
		ok.Write(proxyV1(netip.MustParseAddrPort("203.0.113.67:5")))
		echoes(t, ok, "served")
	})
}

// TestProxyProtocolUntrusted: a header from a peer not in ProxyFrom resets
// the connection; such a peer without a header is served as usual.
func TestProxyProtocolUntrusted(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		closed := make(chan error, 2)
		ev := echoEvents()
		ev.OnDisconnected = func(c *Conn, err error) { closed <- err }
		s := start(t, engine, Options{ProxyProtocol: true, ProxyFrom: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}, Events: ev})
		nc := dial(t, s)
		echoes(t, nc, "plain\n")
		nc.Close()
		<-closed
		nc = dial(t, s)
		nc.Write(proxyV1(netip.MustParseAddrPort("203.0.113.7:40000")))
		if !isReset(t, nc) {
			t.Fatal("a header from an untrusted peer did not reset the connection")
		}
		if err := <-closed; err == nil || !strings.Contains(err.Error(), "PROXY header: sent by an untrusted peer") {
			t.Fatalf("OnDisconnected(%v), want the untrusted header", err)
		}
	})
}

// TestProxyProtocolTimeout: a header dripped a byte at a time is reset
// once DefaultConnectionTimeout has passed since the accept, logged and
// counted as refused.
func TestProxyProtocolTimeout(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		rec := &testpeer.SlogRecorder{}
		o := &countingObserver{}
		s := start(t, engine, Options{ProxyProtocol: true, DefaultConnectionTimeout: 300 * time.Millisecond,
			Events: echoEvents(), Logger: slog.New(rec), Observer: o})
		nc := dial(t, s)
		d, ok := testpeer.Drip(nc, proxyV1(netip.MustParseAddrPort("203.0.113.7:40000")), 30*time.Millisecond, 5*time.Second)
		if !ok || d < 250*time.Millisecond || d > 2*time.Second {
			t.Fatalf("a dripped header closed after %v (closed %v), want about 300ms", d, ok)
		}
		waitFor(t, "the refusal's record", func() bool {
			return rec.Has("connection refused", "PROXY header: not received in time")
		})
		if o.refused.Load() != 1 || o.opened.Load() != 0 {
			t.Fatalf("Observer: %d refused, %d opened; want the late header's connection refused", o.refused.Load(), o.opened.Load())
		}
	})
}

// TestProxyProtocolOptions: the settings New refuses.
func TestProxyProtocolOptions(t *testing.T) {
	for _, o := range []Options{
		{ProxyFrom: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}},
		{ProxyOptional: true},
		{ProxyProtocol: true, ProxyFrom: []netip.Prefix{{}}},
	} {
		if _, err := New(o); !errors.Is(err, ErrInvalidValue) {
			t.Errorf("New(%+v) = %v, want ErrInvalidValue", o, err)
		}
	}
}

// TestProxyProtocolDeadlineFromAccept: the handshake deadline counts from
// the socket's accept, the time the header took included: a TLS client
// whose header took most of DefaultConnectionTimeout and that then sends
// nothing is reset when the timeout has passed since it connected, not
// that long after its header.
func TestProxyProtocolDeadlineFromAccept(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		s := start(t, engine, Options{ProxyProtocol: true, TLSConfig: getPKI(t).serverConfig(),
			DefaultConnectionTimeout: time.Second, Events: echoEvents()})
		began := time.Now()
		nc := dial(t, s)
		header := proxyV1(netip.MustParseAddrPort("203.0.113.7:40000"))
		for i, part := range [][]byte{header[:10], header[10:20], header[20:]} {
			if i > 0 {
				time.Sleep(450 * time.Millisecond)
			}
			if _, err := nc.Write(part); err != nil {
				t.Fatal(err)
			}
		}
		_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _ = io.Copy(io.Discard, nc)
		if d := time.Since(began); d < 900*time.Millisecond || d > 1600*time.Millisecond {
			t.Fatalf("closed %v after the connect, want about 1s (the deadline from the accept)", d)
		}
	})
}

// TestProxyProtocolUntrustedTLS: a header from a peer not in ProxyFrom to
// a TLS server resets the connection before any of it reaches the TLS
// handshake: the client reads no byte (no alert), with the header and
// its ClientHello in one write or the header alone, and the connection's
// error is the untrusted header's, not the handshake's.
func TestProxyProtocolUntrustedTLS(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		p := getPKI(t)
		errs := make(chan error, 10)
		ev := echoEvents()
		ev.OnError = func(c *Conn, err error) { errs <- err }
		ev.OnDisconnected = func(c *Conn, err error) { errs <- err }
		s := start(t, engine, Options{ProxyProtocol: true, ProxyFrom: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
			TLSConfig: p.serverConfig(), Events: ev, DefaultConnectionTimeout: 5 * time.Second})
		client := netip.MustParseAddrPort("203.0.113.7:40000")
		for _, withHello := range []bool{true, false} {
			for _, header := range [][]byte{proxyV1(client), proxyV2(client)} {
				nc := dial(t, s)
				if withHello {
					tc := tls.Client(&headerConn{Conn: nc, header: header}, p.clientConfig())
					_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
					if err := tc.Handshake(); !errors.Is(err, syscall.ECONNRESET) {
						t.Fatalf("the TLS client's handshake: %v, want a reset (no alert, no ServerHello)", err)
					}
				} else {
					if _, err := nc.Write(header); err != nil {
						t.Fatal(err)
					}
					_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
					n, err := io.Copy(io.Discard, nc)
					if n != 0 || !errors.Is(err, syscall.ECONNRESET) {
						t.Fatalf("after an untrusted header: %d bytes, %v; want a reset", n, err)
					}
				}
				for err := range errs {
					if err == nil || !strings.Contains(err.Error(), "PROXY header: sent by an untrusted peer") {
						t.Fatalf("error %v, want the untrusted header", err)
					}
					if errors.Is(err, ErrHandshake) {
						t.Fatalf("error %v: the handshake ran", err)
					}
					if len(errs) == 0 {
						break
					}
				}
			}
		}
		// A trusted-list miss without a header is served over TLS.
		tc := tls.Client(dial(t, s), p.clientConfig())
		echoes(t, tc, "plain TLS\n")
	})
}

// TestProxyProtocolShutdownWhileWaiting: Shutdown with connections still
// waiting for their header returns at once (not after the header's
// timeout), resets them, and none reaches OnConnectionRequest; goleak
// (TestMain) sees no goroutine of theirs left, and the server listens
// again.
func TestProxyProtocolShutdownWhileWaiting(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		requests := make(chan netip.AddrPort, 10)
		ev := echoEvents()
		ev.OnConnectionRequest = func(r *ConnectionRequest) { requests <- r.Remote }
		s := start(t, engine, Options{ProxyProtocol: true, DefaultConnectionTimeout: 30 * time.Second, Events: ev})
		var waiting []net.Conn
		for i := range 3 {
			nc := dial(t, s)
			if _, err := nc.Write(proxyV1(netip.MustParseAddrPort("203.0.113.7:40000"))[:5+i*5]); err != nil {
				t.Fatal(err)
			}
			waiting = append(waiting, nc)
		}
		time.Sleep(50 * time.Millisecond) // each is waiting
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		began := time.Now()
		if err := s.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(began); d > 2*time.Second {
			t.Fatalf("Shutdown took %v with connections waiting for their header", d)
		}
		for i, nc := range waiting {
			if !isReset(t, nc) {
				t.Errorf("waiting connection %d was not reset", i)
			}
		}
		select {
		case r := <-requests:
			t.Fatalf("a waiting connection reached OnConnectionRequest (%v)", r)
		default:
		}
		if err := s.StartListening(); err != nil {
			t.Fatal(err)
		}
		nc := dial(t, s)
		nc.Write(proxyV1(netip.MustParseAddrPort("203.0.113.8:1")))
		echoes(t, nc, "again\n")
		if r := <-requests; r != netip.MustParseAddrPort("203.0.113.8:1") {
			t.Fatalf("request from %v", r)
		}
	})
}

// TestProxyProtocolMappedSource: a version 2 TCP6 header whose source is
// an IPv4-mapped address gives RemoteAddr, the request and
// ProxyHeader.Source the same IPv4 client; an IPv6 one is kept.
func TestProxyProtocolMappedSource(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		s, seen, _ := proxyServer(t, engine, Options{})
		for _, src := range []string{"[::ffff:203.0.113.8]:4002", "[2001:db8::9]:4003"} {
			a := netip.MustParseAddrPort(src)
			b := []byte("\r\n\r\n\x00\r\nQUIT\n\x21\x21\x00\x24")
			sa, da := a.Addr().As16(), netip.MustParseAddr("::ffff:192.0.2.1").As16()
			b = append(append(b, sa[:]...), da[:]...)
			b = binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(b, a.Port()), 443)
			nc := dial(t, s)
			if _, err := nc.Write(b); err != nil {
				t.Fatal(err)
			}
			echoes(t, nc, "v6 header\n")
			want := netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
			got := <-seen
			if got.connected != want || got.request != want || got.header.Source != want ||
				got.header.Destination != netip.MustParseAddrPort("192.0.2.1:443") {
				t.Fatalf("RemoteAddr %v, request %v, ProxyHeader %+v; want %v", got.connected, got.request, got.header, want)
			}
			nc.Close()
		}
	})
}
