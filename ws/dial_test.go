package ws

import (
	"bytes"
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
)

func dialT(t *testing.T, url string, opts *DialOptions) *Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Disconnect()
		select {
		case <-c.Done():
		case <-time.After(10 * time.Second):
			t.Error("client did not close")
		}
	})
	return c
}

func TestDialEcho(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		server   ConnOptions
		client   ConnOptions
		size     int
		deflated bool
	}{
		{name: "deflate", size: 1000, deflated: true},
		{name: "no-deflate-server", server: ConnOptions{DisablePermessageDeflate: true}, size: 1000},
		{name: "no-deflate-client", client: ConnOptions{DisablePermessageDeflate: true}, size: 1000},
		{name: "fragmented", server: ConnOptions{MaxFrameSize: 100}, client: ConnOptions{MaxFrameSize: 100}, size: 5000, deflated: true},
		{name: "large", size: 3 << 20, deflated: true},
		{name: "context-takeover-both", server: ConnOptions{Deflate: DeflateOptions{ServerContextTakeover: true, ClientContextTakeover: true}},
			client: ConnOptions{Deflate: DeflateOptions{ServerContextTakeover: true, ClientContextTakeover: true}}, size: 2000, deflated: true},
		{name: "context-takeover-refused-by-server", client: ConnOptions{Deflate: DeflateOptions{ServerContextTakeover: true, ClientContextTakeover: true}}, size: 2000, deflated: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, Options{Conn: tt.server, Events: echoEvents()})
			c := dialT(t, s.URL()+"/echo", &DialOptions{Conn: tt.client})
			if c.Compressed() != tt.deflated {
				t.Fatalf("Compressed() = %v, want %v", c.Compressed(), tt.deflated)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			msg := bytes.Repeat([]byte("abcdefghij"), tt.size/10)
			for i := 0; i < 3; i++ {
				if err := c.WriteMessage(ctx, DataBinary, msg); err != nil {
					t.Fatal(err)
				}
				f, got, err := c.ReadMessage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if f != FormatBinary || !bytes.Equal(got, msg) {
					t.Fatalf("echo %d: format %v, %d bytes", i, f, len(got))
				}
			}
			if err := c.WriteMessage(ctx, DataText, []byte("héllo")); err != nil {
				t.Fatal(err)
			}
			f, got, err := c.ReadMessage(ctx)
			if err != nil || f != FormatText || string(got) != "héllo" {
				t.Fatalf("text echo: %v %q %v", f, got, err)
			}
		})
	}
}

func TestDialCloseStatus(t *testing.T) {
	t.Parallel()
	s := startServer(t, Options{Events: Events{
		OnDataIn: func(c *Conn, f DataFormat, data []byte, eom, eol bool) { _ = c.Close(4001, "bye now") },
	}})
	c := dialT(t, s.URL(), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WriteMessage(ctx, DataText, []byte("x")); err != nil {
		t.Fatal(err)
	}
	<-c.Done()
	st := c.CloseStatus()
	if st.Code != 4001 || st.Reason != "bye now" {
		t.Fatalf("close status %+v", st)
	}
	if _, _, err := c.ReadMessage(ctx); !errors.As(err, &st) {
		t.Fatalf("ReadMessage after close: %v", err)
	}
}

// OnDisconnected carries the close as an error: a *CloseError with the
// code (and, on the side that received it first, the reason) of the close,
// the value CloseStatus gives.
func TestDisconnectedCarriesCloseError(t *testing.T) {
	t.Parallel()
	serverGone := make(chan error, 1)
	s := startServer(t, Options{Events: Events{
		OnDataIn:       func(c *Conn, f DataFormat, data []byte, eom, eol bool) { _ = c.Close(4001, "bye now") },
		OnDisconnected: func(c *Conn, err error) { serverGone <- err },
	}})
	clientGone := make(chan error, 1)
	c := dialT(t, s.URL(), &DialOptions{Events: Events{OnDisconnected: func(c *Conn, err error) { clientGone <- err }}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WriteMessage(ctx, DataText, []byte("x")); err != nil {
		t.Fatal(err)
	}
	for side, ch := range map[string]chan error{"server": serverGone, "client": clientGone} {
		select {
		case err := <-ch:
			var ce *CloseError
			if !errors.As(err, &ce) || ce.Code != 4001 || side == "client" && ce.Reason != "bye now" || ce.Err != nil {
				t.Errorf("%s OnDisconnected: %v (%T), want a *CloseError 4001", side, err, err)
			}
		case <-ctx.Done():
			t.Fatalf("no %s OnDisconnected", side)
		}
	}
}

func TestDialRefused(t *testing.T) {
	t.Parallel()
	s := startServer(t, Options{Events: Events{
		OnWebSocketOpenRequest: func(r *OpenRequest) {
			r.StatusCode = 401
			r.ResponseHeader = map[string][]string{"Www-Authenticate": {`Basic realm="x"`}}
		},
	}})
	_, err := Dial(context.Background(), s.URL(), nil)
	var he *HandshakeError
	if !errors.As(err, &he) || !errors.Is(err, ErrBadHandshake) || he.Status != 401 || he.Header.Get("WWW-Authenticate") != `Basic realm="x"` {
		t.Fatalf("err = %v", err)
	}
}

func TestDialBadScheme(t *testing.T) {
	t.Parallel()
	if _, err := Dial(context.Background(), "http://127.0.0.1:1/", nil); !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("err = %v", err)
	}
}

func TestDialContextEndsHandshake(t *testing.T) {
	t.Parallel()
	// A server that accepts TCP and never answers the upgrade.
	release := make(chan struct{})
	url, _ := startRawServer(t, func(*wsproto.UpgradeRequest) string {
		<-release
		return ""
	})
	t.Cleanup(func() { close(release) })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := Dial(ctx, url, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > time.Second {
		t.Fatal("Dial did not stop at the context deadline")
	}
}

// TestReadMessageKeepsEchoesDuringClose sends messages and at once our Close:
// the echoes the server sends before its Close answer still reach
// ReadMessage (they used to be dropped at random while closing).
func TestReadMessageKeepsEchoesDuringClose(t *testing.T) {
	t.Parallel()
	s := startServer(t, Options{Conn: ConnOptions{}, Events: echoEvents()})
	for round := 0; round < 10; round++ {
		c := dialT(t, s.URL(), nil)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		const n = 8
		for i := 0; i < n; i++ {
			if err := c.WriteMessage(ctx, DataText, []byte{'a' + byte(i)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Disconnect(); err != nil {
			t.Fatal(err)
		}
		<-c.Done()
		for i := 0; i < n; i++ {
			_, got, err := c.ReadMessage(ctx)
			if err != nil || string(got) != string(rune('a'+i)) {
				t.Fatalf("round %d: echo %d: %q, %v", round, i, got, err)
			}
		}
		cancel()
	}
}

// Data a paused client has not taken yet waits for ProcessData when the
// server ends the connection meanwhile, as on Server and Handler
// connections, and is then delivered in order, before OnDisconnected.
func TestDialDeliversBeforeEnd(t *testing.T) {
	t.Parallel()
	conns := make(chan *Conn, 1)
	s := startServer(t, Options{Conn: ConnOptions{CloseTimeout: 200 * time.Millisecond}, Events: Events{OnConnected: func(c *Conn) { conns <- c }}})
	var mu sync.Mutex
	var seen []string
	ended := make(chan struct{})
	cl := dialT(t, s.URL(), &DialOptions{Events: Events{
		OnDataIn: func(c *Conn, f DataFormat, data []byte, eom, eol bool) {
			mu.Lock()
			seen = append(seen, string(data))
			mu.Unlock()
		},
		OnDisconnected: func(c *Conn, err error) {
			mu.Lock()
			seen = append(seen, err.(*CloseError).Code.String())
			mu.Unlock()
			close(ended)
		},
	}})
	sc := <-conns
	time.Sleep(20 * time.Millisecond)
	cl.PauseData()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, m := range []string{"a", "b"} {
		if err := sc.WriteMessage(ctx, DataText, []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	if err := sc.Disconnect(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sc.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the server connection did not end")
	}
	select {
	case <-ended:
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("events %q delivered while paused", seen)
	case <-time.After(200 * time.Millisecond):
	}
	cl.ProcessData()
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("no OnDisconnected")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 || seen[0] != "a" || seen[1] != "b" || seen[2] != CloseNormal.String() {
		t.Fatalf("events %q", seen)
	}
}

// deadlineConn counts the write deadlines set on a connection.
type deadlineConn struct {
	net.Conn
	writeDeadlines atomic.Int32
}

func (d *deadlineConn) SetDeadline(t time.Time) error {
	if !t.IsZero() {
		d.writeDeadlines.Add(1)
	}
	return d.Conn.SetDeadline(t)
}

func (d *deadlineConn) SetWriteDeadline(t time.Time) error {
	if !t.IsZero() {
		d.writeDeadlines.Add(1)
	}
	return d.Conn.SetWriteDeadline(t)
}

// The opening handshake's bound is never a write deadline, which would
// leave a *tls.Conn unusable for good: the wait for the response has a
// read deadline, and a write that outlasts the bound (a peer that reads
// nothing) is ended by closing the connection.
func TestClientHandshakeNoWriteDeadline(t *testing.T) {
	t.Parallel()
	t.Run("handshake", func(t *testing.T) {
		t.Parallel()
		s := startServer(t, Options{Events: echoEvents()})
		raw, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		nc := &deadlineConn{Conn: raw}
		c, err := NewClientConn(t.Context(), nc, s.URL()+"/", &DialOptions{HandshakeTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(CloseNormal, "")
		if err := c.WriteMessage(t.Context(), DataText, []byte("hi")); err != nil {
			t.Fatal(err)
		}
		if _, got, err := c.ReadMessage(t.Context()); err != nil || string(got) != "hi" {
			t.Fatalf("echo: %q %v", got, err)
		}
		if n := nc.writeDeadlines.Load(); n != 0 {
			t.Fatalf("%d write deadlines set on the connection", n)
		}
	})
	t.Run("write-outlasts-bound", func(t *testing.T) {
		t.Parallel()
		a, b := net.Pipe() // a write waits until the other end reads: it never does
		defer b.Close()
		nc := &deadlineConn{Conn: a}
		start := time.Now()
		_, err := NewClientConn(t.Context(), nc, "ws://example.com/", &DialOptions{HandshakeTimeout: 200 * time.Millisecond})
		if !errors.Is(err, ErrTimedOut) {
			t.Fatalf("err = %v, want ErrTimedOut", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("the handshake ended after %v", d)
		}
		if n := nc.writeDeadlines.Load(); n != 0 {
			t.Fatalf("%d write deadlines set on the connection", n)
		}
	})
}
