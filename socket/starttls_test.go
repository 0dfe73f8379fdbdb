package socket

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tlskit/tlskit/tlsconf"
)

// greetingServer speaks a plaintext greeting, waits for STARTTLS, answers,
// and then echoes over TLS. extra is sent in the clear right after the
// "go ahead" line (a command-injection attempt when not empty).
func greetingServer(t *testing.T, cfg *tls.Config, extra string) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, "220 greeting\r\n")
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || line != "STARTTLS\r\n" {
			return
		}
		io.WriteString(c, "220 go ahead\r\n"+extra)
		tc := tls.Server(c, cfg)
		if err := tc.Handshake(); err != nil {
			return
		}
		io.Copy(tc, tc)
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// readLine reads one LF-terminated line through the socket's blocking Read.
func readLine(t *testing.T, s *Socket) string {
	t.Helper()
	s.SetReadDeadline(time.Now().Add(10 * time.Second))
	var line []byte
	b := make([]byte, 1)
	for !strings.HasSuffix(string(line), "\n") {
		if _, err := s.Read(b); err != nil {
			t.Fatalf("reading a line: %v (got %q)", err, line)
		}
		line = append(line, b[0])
	}
	return string(line)
}

func TestStartTLS(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	port := greetingServer(t, p.serverConfig(t), "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Dial(ctx, Config{Address: "127.0.0.1", Port: port, TLS: TLSOptions{CA: [][]byte{p.root.Raw}, Settings: tlsconf.Settings{ServerName: "localhost"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := readLine(t, s); got != "220 greeting\r\n" {
		t.Fatalf("greeting %q", got)
	}
	if _, err := s.Send([]byte("STARTTLS\r\n")); err != nil {
		t.Fatal(err)
	}
	if got := readLine(t, s); got != "220 go ahead\r\n" {
		t.Fatalf("answer %q", got)
	}
	if err := s.StartTLS(ctx); err != nil {
		t.Fatal(err)
	}
	st, ok := s.ConnectionState()
	if !ok || !st.HandshakeComplete || st.ServerName != "localhost" || !s.SSLConnected() {
		t.Fatalf("after StartTLS: ok=%v state=%+v", ok, st)
	}
	if _, err := s.Write([]byte("secret\r\n")); err != nil {
		t.Fatal(err)
	}
	if got := readLine(t, s); got != "secret\r\n" {
		t.Fatalf("echo over TLS %q", got)
	}
	if err := s.StartTLS(ctx); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("second StartTLS: %v", err)
	}
}

func TestStartTLSRefusesInjectedPlaintext(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	port := greetingServer(t, p.serverConfig(t), "250 injected\r\n")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Dial(ctx, Config{Address: "127.0.0.1", Port: port, TLS: TLSOptions{CA: [][]byte{p.root.Raw}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	readLine(t, s)
	s.Send([]byte("STARTTLS\r\n"))
	waitFor(t, s, "the answer and the injected line", func() bool {
		return strings.Contains(string(s.Lookahead()), "injected\r\n")
	})
	s.ReadN(len("220 go ahead\r\n"))
	if err := s.StartTLS(ctx); !errors.Is(err, ErrInvalidState) || !strings.Contains(err.Error(), "plaintext") {
		t.Fatalf("StartTLS with unread plaintext: %v", err)
	}
}

func TestFromConnTakesOverASocket(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	port := greetingServer(t, p.serverConfig(t), "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	plain, err := Dial(ctx, Config{Address: "127.0.0.1", Port: port})
	if err != nil {
		t.Fatal(err)
	}
	readLine(t, plain)
	plain.Send([]byte("STARTTLS\r\n"))
	readLine(t, plain)
	s, err := FromConn(ctx, plain, Config{Secure: true, TLS: TLSOptions{CA: [][]byte{p.root.Raw}, Settings: tlsconf.Settings{ServerName: "localhost"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if plain.IsConnected() || plain.Handle() != -1 {
		t.Fatal("the original socket still owns the connection")
	}
	if !s.SSLConnected() || s.RemotePort() != port || s.RemoteAddress() != "127.0.0.1" {
		t.Fatalf("new socket: SSLConnected %v, remote %s:%d", s.SSLConnected(), s.RemoteAddress(), s.RemotePort())
	}
	s.Write([]byte("hi\r\n"))
	if got := readLine(t, s); got != "hi\r\n" {
		t.Fatalf("echo %q", got)
	}
}
