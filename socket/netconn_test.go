package socket

import (
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"golang.org/x/net/nettest"
)

// pair connects a Listen socket and a Dial socket over loopback.
func pair(t testing.TB, listenCfg, dialCfg Config) (listener, dialer *Socket) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	listenCfg.LocalAddress = "127.0.0.1"
	l := New(listenCfg)
	if err := l.Listen(ctx); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	dialCfg.Address = "127.0.0.1"
	dialCfg.Port = l.Port()
	d, err := Dial(ctx, dialCfg)
	if err != nil {
		l.Close()
		t.Fatalf("Dial: %v", err)
	}
	if err := l.WaitConnected(ctx); err != nil {
		d.Close()
		t.Fatalf("WaitConnected: %v", err)
	}
	return l, d
}

func TestNetConnPlain(t *testing.T) {
	t.Parallel()
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		l, d := pair(t, Config{}, Config{})
		return d, l, func() { d.Close(); l.Close() }, nil
	})
}

func TestNetConnTLS(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		l, d := pair(t,
			Config{Secure: true, TLS: TLSOptions{Config: p.serverConfig(t)}},
			Config{Secure: true, TLS: TLSOptions{Config: &tls.Config{RootCAs: p.pool}}})
		return d, l, func() { d.Close(); l.Close() }, nil
	})
}
