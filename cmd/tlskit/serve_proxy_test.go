package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
)

// TestServeProxyProtocol: a real HAProxy with send-proxy and send-proxy-v2
// in front of tlskit serve --proxy-protocol for tcp, tls and wss, clients
// connecting to it from 127.0.0.2-4: the server's connected records name
// each client's own address and port, and --blocked-clients refuses
// 127.0.0.3 (the balancer itself connects from 127.0.0.1).
func TestServeProxyProtocol(t *testing.T) {
	t.Parallel()
	protos := []string{"tcp", "tls", "wss"}
	servers := make([]*served, len(protos))
	var backends strings.Builder
	var frontends strings.Builder
	for i, proto := range protos {
		servers[i] = serve(t, "--proto", proto, "--proxy-protocol", "--blocked-clients", "127.0.0.3")
		u, err := url.Parse(servers[i].url)
		if err != nil {
			t.Fatal(err)
		}
		for v, opt := range []string{"send-proxy", "send-proxy-v2"} {
			name := fmt.Sprintf("%s%d", proto, v+1)
			fmt.Fprintf(&frontends, "frontend %s\n\tbind fd@%d\n\tdefault_backend %s\n", name, 3+2*i+v, name)
			fmt.Fprintf(&backends, "backend %s\n\tserver s %s %s\n", name, u.Host, opt)
		}
	}
	fronts := testpeer.HAProxy(t, 2*len(protos), frontends.String()+backends.String())

	clientTLS := &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}}
	for i, proto := range protos {
		s := servers[i]
		for v := range 2 {
			front := fronts[2*i+v]
			for _, last := range []byte{2, 4} {
				src := netip.AddrFrom4([4]byte{127, 0, 0, last})
				name := fmt.Sprintf("%s, PROXY v%d, from %s", proto, v+1, src)
				var tc *tls.Config
				if proto != "tcp" {
					tc = clientTLS
				}
				c := testpeer.DialFrom(t, src, front, tc)
				_ = c.SetDeadline(time.Now().Add(testpeer.Timeout))
				if proto == "wss" {
					upgrade(t, name, c)
				} else {
					if _, err := c.Write([]byte("hello\n")); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					got := make([]byte, 6)
					if _, err := io.ReadFull(c, got); err != nil || string(got) != "hello\n" {
						t.Fatalf("%s: echo %q, %v", name, got, err)
					}
				}
				// The client's own port: the record is this connection's.
				s.WaitStderr(t, "remote="+c.LocalAddr().String())
				_ = c.Close()
			}
			// A blocked client behind the balancer is refused by its own
			// address, before any TLS.
			src := netip.AddrFrom4([4]byte{127, 0, 0, 3})
			d := &net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, 0)), Timeout: testpeer.Timeout}
			c, err := d.Dial("tcp", front.String())
			if err != nil {
				t.Fatal(err)
			}
			_ = c.SetDeadline(time.Now().Add(testpeer.Timeout))
			_, _ = c.Write([]byte("hello\n"))
			if n, _ := io.Copy(io.Discard, c); n != 0 {
				t.Fatalf("%s: a blocked client got %d bytes", proto, n)
			}
			s.WaitStderr(t, `msg="connection refused" remote=`+c.LocalAddr().String())
			_ = c.Close()
		}
	}
}

// upgrade runs a WebSocket opening handshake on c and checks the 101.
func upgrade(t *testing.T, name string, c net.Conn) {
	t.Helper()
	_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 101") {
		t.Fatalf("%s: upgrade answered %q, %v", name, line, err)
	}
}
