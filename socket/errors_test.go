package socket

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
)

func TestErrorCodes(t *testing.T) {
	t.Parallel()
	// A port that refuses: bind one, close it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := ln.Addr().(*net.TCPAddr).Port
	ln.Close()

	// A port in use, for the local binding.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() })
	busyPort := busy.Addr().(*net.TCPAddr).Port

	tests := []struct {
		name   string
		cfg    Config
		listen bool
		code   Code
		is     error
	}{
		{name: "unresolvable name", cfg: Config{Address: "no-such-host.invalid", Port: 80}, code: CodeCannotResolve, is: ErrCannotResolve},
		{name: "refused port", cfg: Config{Address: "127.0.0.1", Port: refused}, code: Code(syscall.ECONNREFUSED), is: syscall.ECONNREFUSED},
		{name: "local port in use", cfg: Config{Address: "127.0.0.1", Port: busyPort, LocalAddress: "127.0.0.1", LocalPort: busyPort}, code: CodeAddressInUse, is: ErrAddressInUse},
		{name: "listen port in use", cfg: Config{LocalAddress: "127.0.0.1", Port: busyPort}, listen: true, code: CodeAddressInUse, is: ErrAddressInUse},
		{name: "port zero", cfg: Config{Address: "127.0.0.1"}, code: CodeInvalidPort, is: ErrInvalidPort},
		{name: "port too big", cfg: Config{Address: "127.0.0.1", Port: 70000}, code: CodeInvalidPort, is: ErrInvalidPort},
		{name: "listen port negative", cfg: Config{Port: -1}, listen: true, code: CodeInvalidPort, is: ErrInvalidPort},
		{name: "no address", cfg: Config{Port: 80}, code: CodeCannotResolve, is: ErrCannotResolve},
		{name: "bad local address", cfg: Config{Address: "127.0.0.1", Port: 80, LocalAddress: "not-an-ip"}, code: CodeCannotResolve, is: ErrCannotResolve},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var got []error
			tt.cfg.Events.Error = func(s *Socket, err error) { got = append(got, err) }
			tt.cfg.ManualEvents = true
			s := New(tt.cfg)
			var err error
			if tt.listen {
				err = s.Listen(ctx)
			} else {
				err = s.Connect(ctx)
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v (%T) is not an *Error", err, err)
			}
			if ErrorCode(se) != tt.code || !errors.Is(err, tt.is) {
				t.Fatalf("got %v (code %d), want code %d matching %v", err, ErrorCode(se), tt.code, tt.is)
			}
			if s.LastErrorCode() != tt.code {
				t.Errorf("LastErrorCode = %d, want %d", s.LastErrorCode(), tt.code)
			}
			if n := s.Poll(); n != 1 || len(got) != 1 || !errors.Is(got[0], tt.is) {
				t.Errorf("Error event: Poll delivered %d, got %v", n, got)
			}
			if s.State() != StateClosed && s.State() != StateIdle {
				t.Errorf("state %s after a failure", s.State())
			}
		})
	}
}

func TestInvalidState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	idle := New(Config{})
	if _, err := idle.Send([]byte("x")); !errors.Is(err, ErrInvalidState) {
		t.Errorf("Send on an idle socket: %v", err)
	}
	if _, err := idle.ReadN(1); !errors.Is(err, ErrInvalidState) {
		t.Errorf("ReadN on an idle socket: %v", err)
	}
	if err := idle.StartTLS(ctx); !errors.Is(err, ErrInvalidState) {
		t.Errorf("StartTLS on an idle socket: %v", err)
	}

	l, d := pair(t, Config{}, Config{})
	defer l.Close()
	defer d.Close()
	if err := d.Connect(ctx); !errors.Is(err, ErrInvalidState) {
		t.Errorf("Connect on a connected socket: %v", err)
	}
	if err := d.Listen(ctx); !errors.Is(err, ErrInvalidState) {
		t.Errorf("Listen on a connected socket: %v", err)
	}
	d.Close()
	if _, err := d.Send([]byte("x")); !errors.Is(err, ErrInvalidState) {
		t.Errorf("Send after Close: %v", err)
	}
	if _, err := d.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Write after Close: %v", err)
	}
	if _, err := d.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Read after Close: %v", err)
	}
}

func TestLostConnection(t *testing.T) {
	t.Parallel()
	errs := make(chan error, 1)
	l, d := pair(t, Config{}, Config{Events: Events{Error: func(s *Socket, err error) { errs <- err }}})
	defer d.Close()
	if _, err := l.Send([]byte("bye")); err != nil {
		t.Fatal(err)
	}
	if err := l.Disconnect(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errs:
		if !errors.Is(err, ErrLostConnection) || !errors.Is(err, io.EOF) {
			t.Fatalf("Error event %v, want lost connection wrapping io.EOF", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no Error event after the peer closed")
	}
	if d.IsConnected() || d.LastErrorCode() != CodeLostConnection {
		t.Errorf("IsConnected %v, LastErrorCode %d", d.IsConnected(), d.LastErrorCode())
	}
	// The data that arrived before the close is still readable.
	if got := string(d.ReadAll()); got != "bye" {
		t.Errorf("ReadAll after the peer closed = %q", got)
	}
	if _, err := d.ReadN(1); !errors.Is(err, io.EOF) {
		t.Errorf("ReadN on a drained, closed socket: %v", err)
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	e := opError("connect", ErrCannotResolve, errors.New("boom"))
	if got := e.Error(); got != "socket: connect: cannot resolve address: boom" {
		t.Errorf("Error() = %q", got)
	}
	if Code(111).String() != "connection refused" || Code(4095).String() != "errno 4095" {
		t.Errorf("Code(111) = %q, Code(4095) = %q", Code(111).String(), Code(4095).String())
	}
	// A refused dial says so in words, with the address, not errno 111.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, derr := net.Dial("tcp", addr)
	refused := &Error{Op: "connect", Err: derr}
	if got, want := refused.Error(), "socket: connect: connection refused ("+addr+")"; got != want {
		t.Errorf("refused dial: %q, want %q", got, want)
	}
	if !errors.Is(refused, syscall.ECONNREFUSED) || ErrorCode(refused) != Code(syscall.ECONNREFUSED) {
		t.Errorf("refused dial: code %d, errors.Is ECONNREFUSED %v", ErrorCode(refused), errors.Is(refused, syscall.ECONNREFUSED))
	}
	if errors.Is(e, ErrInvalidState) {
		t.Error("codes differ but errors.Is matched")
	}
}

// A TLS 1.3 server that refuses the missing client certificate says so
// with an alert on the client's first read: code 276, not 100.
func TestRemoteAlertCode(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := p.serverConfig(t)
	cfg.ClientAuth = tls.RequireAnyClientCert
	cfg.MinVersion = tls.VersionTLS13
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		_ = tls.Server(c, cfg).Handshake()
	}()
	defer func() { <-done }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Dial(ctx, Config{Address: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, Secure: true,
		TLS: TLSOptions{Config: &tls.Config{RootCAs: p.pool}}})
	if err == nil {
		defer s.Close()
		s.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err = s.Read(make([]byte, 1))
	}
	var se *Error
	if !errors.As(err, &se) || ErrorCode(se) != CodeHandshake || !errors.Is(err, ErrHandshake) {
		t.Fatalf("refused client certificate: %v, want code %d", err, CodeHandshake)
	}
}

// TestSharedConditions: the socket's errors match the conditions other
// packages and the standard library use for the same thing.
func TestSharedConditions(t *testing.T) {
	t.Parallel()
	// A full send buffer is the engine's (and server's) ErrWouldBlock.
	s, _ := pipeSocket(t, Config{SendBufferSize: 2})
	if _, err := s.Send([]byte("abc")); !errors.Is(err, ErrWouldBlock) || !errors.Is(err, engine.ErrWouldBlock) ||
		ErrorCode(err) != CodeOutOfMemory {
		t.Errorf("Send into a full buffer: %v (code %d), want ErrWouldBlock", err, ErrorCode(err))
	}

	// A connect timeout is a deadline: os.ErrDeadlineExceeded, a net.Error
	// whose Timeout is true, ErrTimedOut.
	_, err := Dial(context.Background(), Config{Address: "127.0.0.1", Port: silentListener(t), Secure: true,
		ConnectTimeout: 100 * time.Millisecond})
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.Is(err, ErrTimedOut) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("stalled handshake: %v, want a timeout matching os.ErrDeadlineExceeded", err)
	}

	// Operations on a closed socket match net.ErrClosed and ErrNotConnected.
	l, d := pair(t, Config{}, Config{})
	defer l.Close()
	d.Close()
	if _, err := d.Send([]byte("x")); !errors.Is(err, net.ErrClosed) || !errors.Is(err, ErrNotConnected) ||
		!errors.Is(err, ErrInvalidState) || ErrorCode(err) != CodeInvalidState {
		t.Errorf("Send after Close: %v", err)
	}
}

// silentListener returns the port of a listener that accepts connections
// and never answers, closed at the end of the test.
func silentListener(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}
