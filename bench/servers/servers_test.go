package servers

import (
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/loadgen"
	"github.com/tlskit/tlskit/socket"
	"github.com/tlskit/tlskit/ws"
)

// TestEveryServerEchoes runs a short bench against each server: every
// message must come back intact and in order, at a rate and closed-loop.
// The deflate servers are offered permessage-deflate and must negotiate it
// on every connection; the others are not offered it.
func TestEveryServerEchoes(t *testing.T) {
	for _, s := range All {
		t.Run(s.Name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			var cfg *tls.Config
			if s.Secure() {
				if cfg, err = TLSConfig(); err != nil {
					t.Fatal(err)
				}
			}
			stop, err := s.Start(addr, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			url := s.Proto + "://" + addr
			if s.Proto == "ws" || s.Proto == "wss" {
				url += "/echo"
				echoesFormats(t, url)
			}
			for _, rate := range []float64{0, 500} {
				res, err := loadgen.Run(context.Background(), loadgen.Options{
					URL: url, Conns: 4, Size: 3000, Rate: rate, Duration: 300 * time.Millisecond,
					TLSConfig: &tls.Config{InsecureSkipVerify: true}, Deflate: s.Deflate,
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Errors) != 0 || res.ConnsOpened != 4 || res.Messages == 0 || res.Received != res.Sent {
					t.Fatalf("rate %v: opened %d, sent %d, received %d, errors %v %v", rate, res.ConnsOpened, res.Sent, res.Received, res.Errors, res.ErrorSamples)
				}
				if want := map[bool]int64{true: 4}[s.Deflate]; res.DeflateConns != want {
					t.Fatalf("rate %v: permessage-deflate on %d connections, want %d", rate, res.DeflateConns, want)
				}
			}
		})
	}
}

// echoesFormats sends a text and a binary message over a WebSocket and
// checks that each comes back unchanged with its own format.
func echoesFormats(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, url, &ws.DialOptions{Socket: socket.Config{TLS: socket.TLSOptions{Config: &tls.Config{InsecureSkipVerify: true}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect()
	msgs := []struct {
		send ws.SendFormat
		want ws.DataFormat
		data string
	}{
		{send: ws.DataText, want: ws.FormatText, data: "héllo, text"},
		{send: ws.DataBinary, want: ws.FormatBinary, data: "\x00\xffbinary"},
	}
	for _, m := range msgs {
		if err := c.WriteMessage(ctx, m.send, []byte(m.data)); err != nil {
			t.Fatal(err)
		}
		f, data, err := c.ReadMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if f != m.want || string(data) != m.data {
			t.Fatalf("sent %q as %v, got %q as %v", m.data, m.want, data, f)
		}
	}
}

func TestLookup(t *testing.T) {
	if s, err := Lookup("gorilla"); err != nil || s.Proto != "ws" {
		t.Fatalf("gorilla: %+v, %v", s, err)
	}
	if s, err := Lookup("tlskit-wss-epoll"); err != nil || !s.Ours || !s.Secure() {
		t.Fatalf("tlskit-wss-epoll: %+v, %v", s, err)
	}
	if _, err := Lookup("nope"); err == nil {
		t.Fatal("unknown server found")
	}
	seen := map[string]bool{}
	for _, s := range All {
		if seen[s.Name] {
			t.Fatalf("duplicate name %q", s.Name)
		}
		seen[s.Name] = true
	}
}

// TestStartShared starts two shared-port echoes on one port (which fails
// without SO_REUSEPORT) and checks that the port echoes.
func TestStartShared(t *testing.T) {
	for _, proto := range []string{"tcp", "ws"} {
		t.Run(proto, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			ln.Close()
			for range 2 {
				stop, err := StartShared(proto, addr)
				if err != nil {
					t.Fatal(err)
				}
				defer stop()
			}
			res, err := loadgen.Run(context.Background(), loadgen.Options{URL: proto + "://" + addr + "/", Conns: 8, Size: 100, Duration: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Errors) != 0 || res.ConnsOpened != 8 || res.Messages == 0 {
				t.Fatalf("opened %d, %d messages, errors %v", res.ConnsOpened, res.Messages, res.Errors)
			}
		})
	}
	if _, err := StartShared("tls", "127.0.0.1:0"); err == nil {
		t.Fatal("a shared tls echo started")
	}
}
