package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tlskit/tlskit/bench/servers"
)

// serve is a server process: tlskit's shared-port echo on addr until its
// standard input closes or it is signalled.
func serve(proto, addr string) error {
	stop, err := servers.StartShared(proto, addr)
	if err != nil {
		return err
	}
	fmt.Println("listening")
	waitForEnd()
	return stop()
}

// waitForEnd returns when standard input closes (the parent ended) or on
// SIGTERM or SIGINT.
func waitForEnd() {
	end := make(chan struct{}, 2)
	go func() { io.Copy(io.Discard, os.Stdin); end <- struct{}{} }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	go func() { <-sig; end <- struct{}{} }()
	<-end
}

// hold is a client process: it opens n connections to addr from the
// source addresses in turn, dialers at a time, completing the WebSocket
// upgrade for ws, prints "done N ELAPSED", and holds them until its
// standard input closes.
func hold(proto, addr, src string, n, dialers int) error {
	var sources []*net.TCPAddr
	for s := range strings.SplitSeq(src, ",") {
		ip := net.ParseIP(s)
		if ip == nil {
			return fmt.Errorf("bad source address %q", s)
		}
		sources = append(sources, &net.TCPAddr{IP: ip})
	}
	conns := make([]net.Conn, n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	start := time.Now()
	var next atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range dialers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				c, err := dialOne(proto, addr, sources[int(i)%len(sources)])
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("connection %d from %s: %w", i+1, sources[int(i)%len(sources)].IP, err)
					}
					mu.Unlock()
					next.Store(int64(n))
					return
				}
				conns[i] = c
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	fmt.Printf("done %d %d\n", n, time.Since(start).Nanoseconds())
	waitForEnd()
	return nil
}

// upgradeRequest is a minimal valid WebSocket opening handshake (the key
// is fixed: the server's answer is not checked beyond its status).
const upgradeRequest = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

// dialOne connects from src and, for ws, completes the upgrade.
func dialOne(proto, addr string, src *net.TCPAddr) (net.Conn, error) {
	d := net.Dialer{LocalAddr: src, Timeout: 30 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	if proto != "ws" {
		return c, nil
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, upgradeRequest); err != nil {
		c.Close()
		return nil, err
	}
	r := bufio.NewReaderSize(c, 512)
	status, err := r.ReadString('\n')
	if err == nil && !strings.HasPrefix(status, "HTTP/1.1 101 ") {
		err = fmt.Errorf("upgrade refused: %q", strings.TrimSpace(status))
	}
	for err == nil {
		var line string
		if line, err = r.ReadString('\n'); line == "\r\n" {
			break
		}
	}
	if err == nil && r.Buffered() > 0 {
		err = errors.New("data after the upgrade response")
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return c, nil
}
