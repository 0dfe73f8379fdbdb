package engine_test

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
	"github.com/tlskit/tlskit/internal/engine/epoll"
	"github.com/tlskit/tlskit/internal/engine/portable"
)

// refusingAcceptor is an acceptCh told of the refused connections too.
type refusingAcceptor struct {
	acceptCh
	refused chan error
}

func (a refusingAcceptor) ProxyRefused(peer netip.AddrPort, err error) { a.refused <- err }

// proxyListen runs f with a listener on host configured with p, for each
// engine of this build.
func proxyListen(t *testing.T, host string, fam engine.Family, p engine.Proxy, f func(t *testing.T, ln engine.Listener, a refusingAcceptor)) {
	engines := []engine.Engine{portable.Engine{}}
	if epoll.Supported {
		engines = append(engines, epoll.New(2))
	}
	for _, e := range engines {
		t.Run(e.Name(), func(t *testing.T) {
			a := refusingAcceptor{make(acceptCh, 8), make(chan error, 8)}
			ln, err := e.Listen(engine.ListenConfig{Host: host, Family: fam, Proxy: &p}, a)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			f(t, ln, a)
		})
	}
}

// proxyV2TCP6 is a version 2 PROXY header of a TCP over IPv6 connection
// from src, with an ALPN TLV.
func proxyV2TCP6(src netip.AddrPort) []byte {
	b := []byte("\r\n\r\n\x00\r\nQUIT\n\x21\x21")
	s, d := src.Addr().As16(), netip.MustParseAddr("2001:db8::2").As16()
	body := append(append(s[:], d[:]...), 0, 0, 0, 0)
	binary.BigEndian.PutUint16(body[32:], src.Port())
	binary.BigEndian.PutUint16(body[34:], 443)
	body = append(body, 0x01, 0, 2, 'h', '2') // PP2_TYPE_ALPN
	b = binary.BigEndian.AppendUint16(b, uint16(len(body)))
	return append(b, body...)
}

// startRecorder starts c with a dataRecorder and waits for its OnOpen.
func startRecorder(t *testing.T, c engine.Conn) *dataRecorder {
	t.Helper()
	r := &dataRecorder{opened: make(chan error, 1), closed: make(chan error, 1)}
	c.Start(r, engine.StartOptions{})
	if err := <-r.opened; err != nil {
		t.Fatal(err)
	}
	return r
}

func waitReceived(t *testing.T, r *dataRecorder, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for r.received() != want {
		if time.Now().After(deadline) {
			t.Fatalf("received %q, want %q", r.received(), want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func acceptOne(t *testing.T, a refusingAcceptor) engine.Conn {
	t.Helper()
	select {
	case c := <-a.acceptCh:
		return c
	case err := <-a.refused:
		t.Fatalf("refused: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("no Accept")
	}
	return nil
}

// TestProxySplitAtEveryByte: a header that arrives a byte per segment,
// within the timeout, is read whole on both engines, versions 1 and 2
// (IPv6, with a TLV, and a v4-mapped source), and the bytes after it are
// the first data; RemoteAddr is the header's source (unmapped), LocalAddr
// the socket's.
func TestProxySplitAtEveryByte(t *testing.T) {
	proxyListen(t, "127.0.0.1", engine.IPv4Only, engine.Proxy{From: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Timeout: 10 * time.Second},
		func(t *testing.T, ln engine.Listener, a refusingAcceptor) {
			for _, tc := range []struct {
				header []byte
				remote string
			}{
				{[]byte("PROXY TCP4 203.0.113.7 192.0.2.1 4000 443\r\n"), "203.0.113.7:4000"},
				{[]byte("PROXY TCP6 2001:db8::7 2001:db8::2 4000 443\r\n"), "[2001:db8::7]:4000"},
				{proxyV2TCP6(netip.MustParseAddrPort("[2001:db8::9]:4001")), "[2001:db8::9]:4001"},
				{proxyV2TCP6(netip.MustParseAddrPort("[::ffff:203.0.113.8]:4002")), "203.0.113.8:4002"},
			} {
				client := dialRaw(t, ln)
				_ = client.(*net.TCPConn).SetNoDelay(true)
				for i := range tc.header {
					if _, err := client.Write(tc.header[i : i+1]); err != nil {
						t.Fatal(err)
					}
					time.Sleep(time.Millisecond)
				}
				if _, err := client.Write([]byte("data")); err != nil {
					t.Fatal(err)
				}
				c := acceptOne(t, a)
				if got := c.RemoteAddr().String(); got != tc.remote {
					t.Errorf("%q: RemoteAddr %s, want %s", tc.header, got, tc.remote)
				}
				if got, want := c.LocalAddr().String(), client.RemoteAddr().String(); got != want {
					t.Errorf("%q: LocalAddr %s, want the socket's %s", tc.header, got, want)
				}
				if info := c.(engine.ProxyConn).ProxyInfo(); info == nil || info.Peer.String() != client.LocalAddr().String() {
					t.Errorf("%q: ProxyInfo %+v, want the sender %s as Peer", tc.header, info, client.LocalAddr())
				}
				r := startRecorder(t, c)
				waitReceived(t, r, "data")
				client.Close()
				c.Close(0)
				<-r.closed
			}
		})
}

// TestProxyIPv6Sender: a sender at ::1 is trusted by ::1/128, and one at
// 127.0.0.1 on a listener of every address (a v4-mapped peer) by
// 127.0.0.0/8.
func TestProxyIPv6Sender(t *testing.T) {
	ln6, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback:", err)
	}
	ln6.Close()
	from := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, host := range []string{"::1", ""} {
		t.Run("host "+host, func(t *testing.T) {
			fam := engine.IPv6Only
			if host == "" {
				fam = engine.DualStack
			}
			proxyListen(t, host, fam, engine.Proxy{From: from, Timeout: 10 * time.Second}, func(t *testing.T, ln engine.Listener, a refusingAcceptor) {
				_, port, _ := net.SplitHostPort(ln.Addr().String())
				dst := "[::1]:" + port
				if host == "" {
					dst = "127.0.0.1:" + port
				}
				client, err := net.Dial("tcp", dst)
				if err != nil {
					t.Fatal(err)
				}
				defer client.Close()
				if _, err := client.Write(append(proxyV2TCP6(netip.MustParseAddrPort("[2001:db8::5]:7")), "x"...)); err != nil {
					t.Fatal(err)
				}
				c := acceptOne(t, a)
				if got := c.RemoteAddr().String(); got != "[2001:db8::5]:7" {
					t.Errorf("RemoteAddr %s", got)
				}
				if info := c.(engine.ProxyConn).ProxyInfo(); info == nil || info.Peer.Addr() != netip.MustParseAddrPort(client.LocalAddr().String()).Addr().Unmap() {
					t.Errorf("ProxyInfo %+v, want Peer %s", info, client.LocalAddr())
				}
				r := startRecorder(t, c)
				waitReceived(t, r, "x")
				client.Close()
				c.Close(0)
				<-r.closed
			})
		})
	}
}

// TestProxyPeerEndsMidHeader: a sender that closes (FIN) or resets its
// connection halfway through the header is refused (no Accept) with the
// cause, and the listener goes on.
func TestProxyPeerEndsMidHeader(t *testing.T) {
	proxyListen(t, "127.0.0.1", engine.IPv4Only, engine.Proxy{From: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Timeout: 10 * time.Second},
		func(t *testing.T, ln engine.Listener, a refusingAcceptor) {
			for _, reset := range []bool{false, true} {
				client := dialRaw(t, ln)
				if _, err := client.Write([]byte("PROXY TCP4 203.0.1")); err != nil {
					t.Fatal(err)
				}
				time.Sleep(20 * time.Millisecond)
				if reset {
					_ = client.(*net.TCPConn).SetLinger(0)
				}
				client.Close()
				select {
				case err := <-a.refused:
					if !strings.HasPrefix(err.Error(), "PROXY header: ") ||
						(!reset && !errors.Is(err, io.ErrUnexpectedEOF)) || (reset && !errors.Is(err, syscall.ECONNRESET)) {
						t.Errorf("reset %v: refused with %v", reset, err)
					}
				case c := <-a.acceptCh:
					t.Fatalf("accepted %v", c.RemoteAddr())
				case <-time.After(5 * time.Second):
					t.Fatal("not refused")
				}
			}
			client := dialRaw(t, ln)
			client.Write([]byte("PROXY TCP4 203.0.113.1 192.0.2.1 1 2\r\n"))
			c := acceptOne(t, a)
			c.Reset()
		})
}

// TestProxyPendingFull: with MaxPending connections waiting for their
// header, the next one is reset at once and refused with ErrProxyPending;
// the accept loop does not wait: the waiting ones, once their header
// comes, and the ones after them are accepted.
func TestProxyPendingFull(t *testing.T) {
	proxyListen(t, "127.0.0.1", engine.IPv4Only, engine.Proxy{From: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Timeout: 10 * time.Second, MaxPending: 2},
		func(t *testing.T, ln engine.Listener, a refusingAcceptor) {
			w1, w2 := dialRaw(t, ln), dialRaw(t, ln)
			w1.Write([]byte("PROXY "))
			w2.Write([]byte("PROXY "))
			time.Sleep(50 * time.Millisecond) // both are waiting
			// (The reset may come before connect returns.)
			third, dialErr := net.Dial("tcp", ln.Addr().String())
			if dialErr == nil {
				defer third.Close()
				third.Write([]byte("PROXY TCP4 203.0.113.3 192.0.2.1 3 4\r\n"))
			}
			select {
			case err := <-a.refused:
				if !errors.Is(err, engine.ErrProxyPending) {
					t.Fatalf("refused with %v, want ErrProxyPending", err)
				}
			case c := <-a.acceptCh:
				t.Fatalf("accepted %v beyond MaxPending", c.RemoteAddr())
			case <-time.After(5 * time.Second):
				t.Fatal("the connection beyond MaxPending was neither refused nor accepted")
			}
			if dialErr == nil {
				_ = third.SetReadDeadline(time.Now().Add(5 * time.Second))
				if _, err := io.Copy(io.Discard, third); !errors.Is(err, syscall.ECONNRESET) {
					t.Fatalf("the connection beyond MaxPending: %v, want a reset", err)
				}
			} else if !errors.Is(dialErr, syscall.ECONNRESET) {
				t.Fatal(dialErr)
			}
			w1.Write([]byte("TCP4 203.0.113.1 192.0.2.1 1 2\r\n"))
			w2.Write([]byte("TCP4 203.0.113.2 192.0.2.1 1 2\r\n"))
			acceptOne(t, a).Reset()
			acceptOne(t, a).Reset()
			after := dialRaw(t, ln)
			after.Write([]byte("PROXY TCP4 203.0.113.4 192.0.2.1 1 2\r\n"))
			if c := acceptOne(t, a); c.RemoteAddr().String() != "203.0.113.4:1" {
				t.Fatalf("RemoteAddr %v", c.RemoteAddr())
			} else {
				c.Reset()
			}
		})
}
