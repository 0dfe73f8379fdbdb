package server

import (
	"crypto/tls"
	"io"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestManyConcurrentTLSClients holds 5,000 TLS connections open at once,
// echoes on each, closes the server and checks that no goroutine or file
// descriptor is left behind. -short lowers the count to 500.
func TestManyConcurrentTLSClients(t *testing.T) {
	n := 5000
	if testing.Short() {
		n = 500
	}
	forEachEngine(t, func(t *testing.T, engine string) {
		p := getPKI(t)
		fdBefore := fdCount(t)
		goBefore := runtime.NumGoroutine()
		// Session tickets are off so every client does a full handshake.
		scfg := p.serverConfig()
		scfg.SessionTicketsDisabled = true
		s, err := New(Options{LocalHost: "127.0.0.1", Engine: Engine(engine), TLSConfig: scfg,
			MaxConnections: n + 10, ConnectionBacklog: 4096, DefaultConnectionTimeout: 30 * time.Second,
			Events: Events{OnDataIn: func(c *Conn, text []byte, eol bool) { c.Send(text) }}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.StartListening(); err != nil {
			t.Fatal(err)
		}
		ccfg := p.clientConfig()
		conns := make([]*tls.Conn, n)
		var wg sync.WaitGroup
		sem := make(chan struct{}, 64) // dial rate, not a cap on open connections
		errs := make(chan error, n)
		for i := range n {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				d := net.Dialer{Timeout: 20 * time.Second}
				c, err := tls.DialWithDialer(&d, "tcp", s.Addr().String(), ccfg)
				if err != nil {
					errs <- err
					return
				}
				c.Write([]byte{byte(i)})
				b := make([]byte, 1)
				if _, err := io.ReadFull(c, b); err != nil || b[0] != byte(i) {
					errs <- err
					c.Close()
					return
				}
				conns[i] = c
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("client: %v", err)
		}
		if got := s.ConnectionCount(); got != n {
			t.Fatalf("%d connections open, want %d", got, n)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		for _, c := range conns {
			c.Close()
		}
		waitFor(t, "fd count back to baseline", func() bool { return fdCount(t) <= fdBefore })
		waitFor(t, "goroutines back to baseline", func() bool { return runtime.NumGoroutine() <= goBefore })
	})
}
