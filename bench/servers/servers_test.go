package servers

import (
	"context"
	"crypto/tls"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/loadgen"
	"github.com/tlskit/tlskit/tlsconf"
	"github.com/tlskit/tlskit/ws"
)

// TestEveryServerEchoes runs a short bench against each server: every
// message must come back intact and in order, at a rate and closed-loop.
// The deflate servers are offered permessage-deflate and must negotiate it
// on every connection; the others are not offered it.
func TestEveryServerEchoes(t *testing.T) {
	for _, s := range All {
		if s.IdleOnly {
			continue // TestTLSFloor
		}
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
	c, err := ws.Dial(ctx, url, &ws.DialOptions{TLS: tlsconf.Options{Config: &tls.Config{InsecureSkipVerify: true}}})
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

// TestTLSFloor opens WebSocket connections over TLS to crypto-tls-floor,
// as the comparison's idle count does: each must get its upgrade, and the
// server must hold every one open with no goroutine left for it.
func TestTLSFloor(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg, err := TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	f := &floor{}
	stop, err := startTLSFloorWith(f, addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	d, err := loadgen.NewDialer(loadgen.Options{URL: "wss://" + addr + "/", Timeout: 10 * time.Second, TLSConfig: &tls.Config{InsecureSkipVerify: true}})
	if err != nil {
		t.Fatal(err)
	}
	base := runtime.NumGoroutine()
	const n = 20
	for i := range n {
		c, err := d.Dial(context.Background())
		if err != nil {
			t.Fatalf("connection %d: %v", i+1, err)
		}
		defer c.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for f.count() != n {
		if time.Now().After(deadline) {
			t.Fatalf("server holds %d connections, want %d", f.count(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The dialer keeps no goroutine for an idle connection, nor may the
	// server once the upgrade is answered.
	if extra := runtime.NumGoroutine() - base; extra > 2 {
		t.Errorf("%d goroutines more with %d idle connections: the server keeps some", extra, n)
	}
	if _, err := startTLSFloor(addr, nil); err == nil {
		t.Error("started without a TLS configuration")
	}
}
