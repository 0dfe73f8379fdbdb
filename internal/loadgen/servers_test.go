package loadgen

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
)

// echoServer is the test's own echo server. It counts what it echoes,
// independently of the load generator, and can misbehave on purpose.
type echoServer struct {
	t    testing.TB
	ln   net.Listener
	size int  // message size, for stream framing
	ws   bool // speak WebSocket instead of a raw stream
	// mutate, when set, sees the i-th message of a connection (from 0)
	// and returns false to drop it; it may change msg.
	mutate func(i int, msg []byte) bool
	// swap, when positive, sends message swap+1 before message swap.
	swap int
	// closeAt, when positive, closes a stream connection instead of
	// echoing its closeAt-th message.
	closeAt int

	echoed     atomic.Int64
	closes     atomic.Int64 // WebSocket Close frames received
	handshakes atomic.Int64
	remotes    sync.Map // remote IP string -> true

	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

type serverOpt func(*echoServer)

func withTLS(cfg *tls.Config) serverOpt {
	return func(s *echoServer) { s.ln = tls.NewListener(s.ln, cfg) }
}
func withWS() serverOpt           { return func(s *echoServer) { s.ws = true } }
func withSwap(i int) serverOpt    { return func(s *echoServer) { s.swap = i } }
func withCloseAt(i int) serverOpt { return func(s *echoServer) { s.closeAt = i } }
func withMutate(f func(int, []byte) bool) serverOpt {
	return func(s *echoServer) { s.mutate = f }
}

func startEcho(t testing.TB, size int, opts ...serverOpt) *echoServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &echoServer{t: t, ln: ln, size: size, conns: map[net.Conn]struct{}{}}
	for _, o := range opts {
		o(s)
	}
	s.wg.Go(s.accept)
	t.Cleanup(s.close)
	return s
}

func (s *echoServer) addr() string { return s.ln.Addr().String() }

func (s *echoServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *echoServer) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Go(func() {
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			if h, _, err := net.SplitHostPort(c.RemoteAddr().String()); err == nil {
				s.remotes.Store(h, true)
			}
			if tc, ok := c.(*tls.Conn); ok {
				if tc.Handshake() != nil {
					return
				}
				s.handshakes.Add(1)
			}
			if s.ws {
				s.serveWS(c)
			} else {
				s.serveStream(c)
			}
		})
	}
}

func (s *echoServer) pass(i int, msg []byte) bool {
	return s.mutate == nil || s.mutate(i, msg)
}

func (s *echoServer) serveStream(c net.Conn) {
	r := bufio.NewReader(c)
	msg := make([]byte, s.size)
	var held []byte
	for i := 0; ; i++ {
		if _, err := io.ReadFull(r, msg); err != nil {
			return
		}
		if s.closeAt > 0 && i == s.closeAt {
			return
		}
		if !s.pass(i, msg) {
			continue
		}
		if s.swap > 0 && i == s.swap {
			held = append([]byte(nil), msg...)
			continue
		}
		out := msg
		if held != nil {
			out, held = append(append([]byte(nil), msg...), held...), nil
			s.echoed.Add(1)
		}
		if _, err := c.Write(out); err != nil {
			return
		}
		s.echoed.Add(1)
	}
}

func (s *echoServer) serveWS(c net.Conn) {
	buf := make([]byte, 4096)
	var p wsproto.RequestParser
	var rest []byte
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		req, r, err := p.Feed(buf[:n])
		if err != nil {
			return
		}
		if req != nil {
			resp, err := wsproto.AppendAccept(nil, req, wsproto.AcceptOptions{})
			if err != nil {
				return
			}
			if _, err := c.Write(resp); err != nil {
				return
			}
			rest = r
			break
		}
	}
	s.handshakes.Add(1)
	dec := wsproto.NewDecoder(wsproto.RoleServer, wsproto.DecoderOptions{})
	var enc wsproto.Encoder
	var msg, out []byte
	i := 0
	feed := rest
	for {
		if feed == nil {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			feed = buf[:n]
		}
		dec.Feed(feed)
		feed = nil
		for {
			ch, ok, err := dec.Next()
			if err != nil {
				return
			}
			if !ok {
				break
			}
			if ch.Header.Opcode == wsproto.OpClose {
				s.closes.Add(1)
				out, _ = enc.AppendClose(out[:0], wsproto.CloseNormal, "")
				c.Write(out)
				return
			}
			if ch.Header.Opcode.IsControl() {
				continue
			}
			msg = append(msg, ch.Data...)
			if !ch.EndOfMessage() {
				continue
			}
			if s.pass(i, msg) {
				out, _ = enc.AppendMessage(out[:0], wsproto.OpBinary, msg, false)
				if _, err := c.Write(out); err != nil {
					return
				}
				s.echoed.Add(1)
			}
			i++
			msg = msg[:0]
		}
	}
}

// testTLS returns a server config with a fresh self-signed certificate
// for 127.0.0.1 and a client config trusting it.
func testTLS(t testing.TB) (server, client *tls.Config) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "loadgen test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}}}
	return server, &tls.Config{RootCAs: pool}
}

// freePort returns a loopback address nobody listens on.
func freePort(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// waitFor polls cond for up to 5 s: server-side counters lag the client
// by the time a close or a last segment takes to arrive.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
