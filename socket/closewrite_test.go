package socket

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// After CloseWrite the peer reads to EOF, and the socket still receives
// the whole answer the peer sends afterwards. (The peer is a plain net.Conn:
// a Socket itself treats the peer's FIN as the end of the connection.)
func TestCloseWrite(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	for _, tt := range []struct {
		name   string
		server *tls.Config // nil: plain TCP
	}{
		{name: "plain"},
		{name: "TLS", server: p.serverConfig(t)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			peerRead := make(chan string, 1)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					peerRead <- err.Error()
					return
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				if tt.server != nil {
					c = tls.Server(c, tt.server)
				}
				got, err := io.ReadAll(c)
				if err != nil {
					peerRead <- err.Error()
					return
				}
				peerRead <- string(got)
				c.Write([]byte("answer"))
			}()
			cfg := Config{Address: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port}
			if tt.server != nil {
				cfg.Secure, cfg.TLS = true, TLSOptions{Config: &tls.Config{RootCAs: p.pool}}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			d, err := Dial(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if _, err := d.Write([]byte("request")); err != nil {
				t.Fatal(err)
			}
			if err := d.CloseWrite(); err != nil {
				t.Fatalf("CloseWrite: %v", err)
			}
			if _, err := d.Write([]byte("more")); !errors.Is(err, ErrInvalidState) {
				t.Fatalf("Write after CloseWrite: %v, want CodeInvalidState", err)
			}
			if got := <-peerRead; got != "request" {
				t.Fatalf("peer read %q, want the request then EOF", got)
			}
			d.SetReadDeadline(time.Now().Add(10 * time.Second))
			got, err := io.ReadAll(d)
			if err != nil || string(got) != "answer" {
				t.Fatalf("read %q, %v after CloseWrite; want the answer then EOF", got, err)
			}
		})
	}
}

func TestCloseWriteNotConnected(t *testing.T) {
	t.Parallel()
	if err := New(Config{}).CloseWrite(); !errors.Is(err, ErrInvalidState) {
		t.Fatalf("CloseWrite of an idle socket: %v", err)
	}
}
