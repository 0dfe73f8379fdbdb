package server

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"
)

// dialFrom connects to s from the local address ip (127.0.0.2 and the
// like are usable as sources on loopback).
func dialFrom(t *testing.T, s *Server, ip string) (net.Conn, error) {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c, err := d.Dial("tcp", s.Addr().String())
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// wasRefused reports whether the server closed c without serving it (the
// dial may already have failed, err).
func wasRefused(t *testing.T, c net.Conn, err error) bool {
	t.Helper()
	if err != nil {
		return true
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Read(make([]byte, 1))
	return err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
}

func echoes(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
		t.Fatalf("echo: %q, %v; want %q", got, err, msg)
	}
}

// TestMaxConnectionsPerAddress: the third connection from 127.0.0.1 is
// refused while 127.0.0.2 is still served, and room returns when one of
// the first two closes (issue 15, defect 4).
func TestMaxConnectionsPerAddress(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		connected := make(chan *Conn, 10)
		ev := echoEvents()
		ev.OnConnected = func(c *Conn) { connected <- c }
		s := start(t, engine, Options{MaxConnectionsPerAddress: 2, Events: ev})
		for range 2 {
			if _, err := dialFrom(t, s, "127.0.0.1"); err != nil {
				t.Fatal(err)
			}
		}
		first := <-connected
		<-connected
		if c, err := dialFrom(t, s, "127.0.0.1"); !wasRefused(t, c, err) {
			t.Fatal("a third connection from 127.0.0.1 was served with MaxConnectionsPerAddress 2")
		}
		other, err := dialFrom(t, s, "127.0.0.2")
		if err != nil {
			t.Fatal(err)
		}
		echoes(t, other, "another address is served")
		<-connected
		first.Reset()
		waitFor(t, "one connection to close", func() bool { return s.ConnectionCount() == 2 })
		again, err := dialFrom(t, s, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		echoes(t, again, "room again")
	})
}

// TestMaxConnectionsPerAddressBeforeTLS: the refusal comes before the TLS
// handshake, which a handshaking connection holds its place in.
func TestMaxConnectionsPerAddressBeforeTLS(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		p := getPKI(t)
		obs := &countingObserver{}
		s := start(t, engine, Options{TLSConfig: p.serverConfig(), MaxConnectionsPerAddress: 1, Events: echoEvents(),
			Observer: obs})
		// The first connection sends nothing: it is still in the handshake.
		if _, err := dialFrom(t, s, "127.0.0.1"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the first connection to be accepted", func() bool { return s.ConnectionCount() == 1 })
		c, err := dialFrom(t, s, "127.0.0.1")
		if err == nil {
			tc := tls.Client(c, p.clientConfig())
			tc.SetDeadline(time.Now().Add(5 * time.Second))
			if err = tc.Handshake(); err == nil {
				t.Fatal("a second TLS connection from 127.0.0.1 was served with MaxConnectionsPerAddress 1")
			}
		}
		waitFor(t, "the refusal to be counted", func() bool { return obs.refused.Load() == 1 })
		if n := obs.hs.Load(); n != 0 {
			t.Fatalf("%d TLS handshakes ended; the refused connection should have had none", n)
		}
	})
}

// TestBusyResponse: a connection refused for MaxConnections reads
// BusyResponse, then the end of the stream.
func TestBusyResponse(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		connected := make(chan *Conn, 1)
		s := start(t, engine, Options{MaxConnections: 1, BusyResponse: []byte("busy, come back later\n"),
			Events: Events{OnConnected: func(c *Conn) { connected <- c }}})
		dial(t, s)
		<-connected
		c := dial(t, s)
		c.Write([]byte("a request the server need not read\n"))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		if line != "busy, come back later\n" {
			t.Fatalf("a refused connection read %q, %v; want BusyResponse", line, err)
		}
	})
}

// TestBusyResponseDuringClose: Close returns, and leaves no goroutine,
// while refused connections are being answered or are about to be.
func TestBusyResponseDuringClose(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		for range 5 {
			s, err := New(Options{LocalHost: "127.0.0.1", Engine: Engine(engine), MaxConnections: 1, BusyResponse: []byte("busy\n")})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.StartListening(); err != nil {
				t.Fatal(err)
			}
			addr := s.Addr().String()
			held, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the first connection", func() bool { return s.ConnectionCount() == 1 })
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						c, err := net.DialTimeout("tcp", addr, time.Second)
						if err != nil {
							continue
						}
						c.SetReadDeadline(time.Now().Add(time.Second))
						c.Read(make([]byte, 8))
						c.Close()
					}
				})
			}
			time.Sleep(20 * time.Millisecond)
			closed := make(chan error, 1)
			go func() { closed <- s.Close() }()
			select {
			case <-closed:
			case <-time.After(10 * time.Second):
				t.Fatal("Close did not return while refused connections were being answered")
			}
			close(stop)
			wg.Wait()
			held.Close()
		}
	})
}
