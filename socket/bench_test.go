package socket

import (
	"context"
	"io"
	"net"
	"strconv"
	"testing"
	"time"
)

// BenchmarkThroughput writes through a plain socket's net.Conn Write to a
// peer that discards, and reads through its Read what a peer sends
// without pause, size bytes per call.
func BenchmarkThroughput(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10} {
		name := strconv.Itoa(size>>10) + "K"
		b.Run(name, func(b *testing.B) {
			s, done := benchPeer(b, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
			p := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := s.Write(p); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := s.Disconnect(ctx); err != nil {
				b.Fatal(err)
			}
			<-done
		})
		b.Run("read-"+name, func(b *testing.B) {
			s, done := benchPeer(b, func(c net.Conn) {
				p := make([]byte, size)
				for {
					if _, err := c.Write(p); err != nil {
						return
					}
				}
			})
			p := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := io.ReadFull(s, p); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			s.Close()
			<-done
		})
	}
}

// benchPeer dials a socket to a loopback peer that runs serve on its one
// connection; done is closed once the peer's connection is closed.
func benchPeer(b *testing.B, serve func(net.Conn)) (*Socket, <-chan struct{}) {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		defer c.Close()
		serve(c)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Dial(ctx, Config{Address: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port})
	if err != nil {
		b.Fatal(err)
	}
	return s, done
}
