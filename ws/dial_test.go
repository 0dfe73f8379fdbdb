package ws

import (
	"bytes"
	"context"
	"errors"
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
