package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// dialFrom connects to addr from the local address ip (any 127.0.0.0/8
// address is usable as a source on loopback).
func dialFrom(t *testing.T, addr, ip string) (net.Conn, error) {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	c, err := d.Dial("tcp", addr)
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// TestServePerAddressLimit: serve refuses a client's 101st connection by
// default (--max-conns-per-addr 100, as --help says) while another address
// is still served; over ws the refused client reads 503 with Retry-After
// (issue 15, defect 4).
func TestServePerAddressLimit(t *testing.T) {
	t.Parallel()
	t.Run("tcp default", func(t *testing.T) {
		t.Parallel()
		s := serve(t, "--proto", "tcp")
		addr := strings.TrimPrefix(s.url, "tcp://")
		echo := func(c net.Conn) error {
			c.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Write([]byte("x")); err != nil {
				return err
			}
			_, err := io.ReadFull(c, make([]byte, 1))
			c.SetDeadline(time.Time{})
			return err
		}
		for i := range defaultMaxConnsPerAddr {
			c, err := dialFrom(t, addr, "127.0.0.1")
			if err == nil {
				err = echo(c)
			}
			if err != nil {
				t.Fatalf("connection %d of 127.0.0.1: %v", i+1, err)
			}
		}
		c, err := dialFrom(t, addr, "127.0.0.1")
		if err == nil {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err = c.Read(make([]byte, 1))
			if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("connection %d of 127.0.0.1 was not refused: %v", defaultMaxConnsPerAddr+1, err)
			}
		}
		other, err := dialFrom(t, addr, "127.0.0.2")
		if err == nil {
			err = echo(other)
		}
		if err != nil {
			t.Fatalf("127.0.0.2 is not served: %v", err)
		}
	})
	t.Run("ws 503", func(t *testing.T) {
		t.Parallel()
		s := serve(t, "--proto", "ws", "--max-conns-per-addr", "1")
		addr, _, _ := strings.Cut(strings.TrimPrefix(s.url, "ws://"), "/")
		upgrade := func(ip string) *http.Response {
			c, err := dialFrom(t, addr, ip)
			if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(5 * time.Second))
			c.Write([]byte("GET / HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("from %s: %v, want a response", ip, err)
			}
			resp.Body.Close()
			c.SetDeadline(time.Time{})
			return resp
		}
		if resp := upgrade("127.0.0.1"); resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("the first client: %s", resp.Status)
		}
		if resp := upgrade("127.0.0.1"); resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("the second client of 127.0.0.1: %s, Retry-After %q; want 503 with Retry-After", resp.Status, resp.Header.Get("Retry-After"))
		}
		if resp := upgrade("127.0.0.2"); resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("a client of 127.0.0.2: %s", resp.Status)
		}
	})
}
