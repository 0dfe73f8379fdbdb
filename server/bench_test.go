package server

import (
	"crypto/tls"
	"io"
	"net"
	"testing"
)

// BenchmarkEcho measures echo round trips of 1 KiB over one connection,
// through the server and through a bare crypto/tls (or net) loop with a
// goroutine per connection, in the same run.
func BenchmarkEcho(b *testing.B) {
	p := getPKI(b)
	msg := make([]byte, 1024)
	for _, mode := range []string{"tcp", "tls"} {
		var scfg *tls.Config
		if mode == "tls" {
			scfg = p.serverConfig()
		}
		for _, engine := range engines {
			b.Run(mode+"/server-"+engine, func(b *testing.B) {
				o := Options{TLSConfig: scfg, Events: Events{OnDataIn: func(c *Conn, text []byte, eol bool) { c.Send(text) }}}
				s := start(b, engine, o)
				echoLoop(b, s.Addr().String(), scfg != nil, msg)
			})
		}
		b.Run(mode+"/bare", func(b *testing.B) {
			addr := bareEcho(b, scfg)
			echoLoop(b, addr, scfg != nil, msg)
		})
	}
}

func echoLoop(b *testing.B, addr string, useTLS bool, msg []byte) {
	var c net.Conn
	var err error
	if useTLS {
		c, err = tls.Dial("tcp", addr, getPKI(b).clientConfig())
	} else {
		c, err = net.Dial("tcp", addr)
	}
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	buf := make([]byte, len(msg))
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	for range b.N {
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// bareEcho runs the simplest Go echo server: a goroutine per connection
// copying what it reads back.
func bareEcho(b *testing.B, cfg *tls.Config) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	b.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln.Addr().String()
}

// BenchmarkHandshake measures full TLS handshakes (connect, handshake, one
// byte echoed, close) against the server and a bare crypto/tls loop.
func BenchmarkHandshake(b *testing.B) {
	p := getPKI(b)
	run := func(b *testing.B, addr string) {
		cfg := p.clientConfig()
		cfg.ClientSessionCache = nil
		b.ResetTimer()
		for range b.N {
			c, err := tls.Dial("tcp", addr, cfg)
			if err != nil {
				b.Fatal(err)
			}
			c.Write([]byte{1})
			if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
				b.Fatal(err)
			}
			c.Close()
		}
	}
	for _, engine := range engines {
		b.Run("server-"+engine, func(b *testing.B) {
			s := start(b, engine, Options{TLSConfig: p.serverConfig(), ConnectionBacklog: 1024,
				Events: Events{OnDataIn: func(c *Conn, text []byte, eol bool) { c.Send(text) }}})
			run(b, s.Addr().String())
		})
	}
	b.Run("bare", func(b *testing.B) {
		run(b, bareEcho(b, p.serverConfig()))
	})
}
