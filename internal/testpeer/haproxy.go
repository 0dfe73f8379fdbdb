package testpeer

import (
	"bytes"
	"crypto/tls"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// HAProxy runs haproxy with the configuration cfg, after a global and a
// defaults section (mode tcp, timeouts of 5 and 10 seconds), until the
// test ends (a missing haproxy skips the test, as Tool does). cfg's
// frontends bind
// fd@3, fd@4 and so on, one for each of the frontends listening sockets
// made here on 127.0.0.1 and inherited, so that no port can be taken
// between choosing and binding it; HAProxy returns their addresses.
// haproxy's output is logged if the test fails.
func HAProxy(t testing.TB, frontends int, cfg string) []netip.AddrPort {
	t.Helper()
	haproxy := Tool(t, "haproxy")
	var addrs []netip.AddrPort
	var files []*os.File
	for range frontends {
		ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		f, err := ln.File()
		_ = ln.Close() // haproxy gets its own copy, f
		if err != nil {
			t.Fatal(err)
		}
		addrs, files = append(addrs, ln.Addr().(*net.TCPAddr).AddrPort()), append(files, f)
	}
	cfgFile := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(cfgFile, []byte(haproxyDefaults+cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer // one writer for both streams: written by one goroutine at a time
	cmd := exec.Command(haproxy, "-db", "-f", cfgFile)
	cmd.ExtraFiles = files // ExtraFiles[i] is fd 3+i in haproxy
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Start()
	for _, f := range files {
		_ = f.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("haproxy's output:\n%s", out.String())
		}
	})
	return addrs
}

// haproxyDefaults are the sections HAProxy puts before its configuration.
const haproxyDefaults = `global
	maxconn 100
defaults
	mode tcp
	timeout connect 5s
	timeout client 10s
	timeout server 10s
`

// DialFrom connects to addr from src (any 127.0.0.x is loopback on
// Linux), over TLS with tc if not nil. The connection is closed when the
// test ends.
func DialFrom(t testing.TB, src netip.Addr, addr netip.AddrPort, tc *tls.Config) net.Conn {
	t.Helper()
	d := &net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, 0)), Timeout: Timeout}
	var c net.Conn
	var err error
	if tc != nil {
		c, err = tls.DialWithDialer(d, "tcp", addr.String(), tc)
	} else {
		c, err = d.Dial("tcp", addr.String())
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}
