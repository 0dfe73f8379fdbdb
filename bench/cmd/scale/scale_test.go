package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tlskit/tlskit/bench/servers"
)

func TestPlan(t *testing.T) {
	tests := []struct {
		name    string
		in      config
		servers int
		clients int
		err     string
	}{
		{name: "defaults for 100k", in: config{conns: 100000, ipsPerCli: 2, dialers: 8, maxPerProc: 19000}, servers: 7, clients: 6},
		{name: "too few servers", in: config{conns: 100000, servers: 5, ipsPerCli: 2, dialers: 8, maxPerProc: 19000}, err: "use more -servers"},
		{name: "too few clients", in: config{conns: 100000, clients: 4, ipsPerCli: 2, dialers: 8, maxPerProc: 19000}, err: "use more -clients"},
		{name: "no source address", in: config{conns: 1000, ipsPerCli: 0, maxPerProc: 19000}, err: "at least 1"},
		{name: "too many source addresses", in: config{conns: 1000, clients: 100, ipsPerCli: 3, dialers: 8, maxPerProc: 19000}, err: "do not fit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.in
			err := plan(&c, &result{})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.servers != tc.servers || c.clients != tc.clients {
				t.Fatalf("%d servers, %d clients; want %d, %d", c.servers, c.clients, tc.servers, tc.clients)
			}
		})
	}
}

func TestDialOne(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	stop, err := servers.StartShared("ws", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	c, err := dialOne("ws", addr, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 3)})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.LocalAddr().(*net.TCPAddr).IP.String(); got != "127.0.0.3" {
		t.Errorf("source %s, want 127.0.0.3", got)
	}
	c.Close()

	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusBadRequest)
	}))
	defer refuse.Close()
	if _, err := dialOne("ws", refuse.Listener.Addr().String(), &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("err %v, want a refused upgrade", err)
	}
}
