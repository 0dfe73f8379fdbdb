// Command scale holds many connections (100,000 by default) on several
// tlskit server processes that share one port with SO_REUSEPORT (epoll
// engine, server.Options.SharePort), opened by several client processes
// from distinct 127.0.0.x addresses, since one process may hold at most
// 20,000 open files. It reports the servers' total memory (the sum of
// their VmRSS), the memory per connection and the connect rate, and writes
// the "scale" section of docs/benchmarks.md.
//
//	cd bench && go run ./cmd/scale                       # 100,000 WebSocket connections
//	go run ./cmd/scale -conns 20000 -proto tcp -out ""   # print only
//
// Every process it starts is ended when it returns, on error or on
// Ctrl-C, and dies with it should it be killed (Pdeathsig).
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

type config struct {
	proto      string // "ws" or "tcp"
	conns      int
	servers    int
	clients    int
	ipsPerCli  int
	dialers    int
	settle     time.Duration
	maxPerProc int // open files a process may hold, less a margin
	out        string
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

func run() error {
	var c config
	role := flag.String("role", "", "internal: run as a server or client process")
	addr := flag.String("addr", "", "internal: the shared address")
	src := flag.String("src", "", "internal: the client's source addresses, comma-separated")
	flag.StringVar(&c.proto, "proto", "ws", "ws (upgrade done on every connection) or tcp")
	flag.IntVar(&c.conns, "conns", 100000, "connections to hold in all")
	flag.IntVar(&c.servers, "servers", 0, "server processes (default: enough for 15,000 connections each)")
	flag.IntVar(&c.clients, "clients", 0, "client processes (default: enough for 17,000 connections each)")
	flag.IntVar(&c.ipsPerCli, "source-ips", 2, "127.0.0.x source addresses per client process")
	flag.IntVar(&c.dialers, "dialers", 32, "connections each client opens at once")
	flag.DurationVar(&c.settle, "settle", 3*time.Second, "wait after the last connection before reading the servers' memory")
	flag.IntVar(&c.maxPerProc, "max-per-process", 19000, "connections one process may hold (its open-file limit, less a margin)")
	flag.StringVar(&c.out, "out", "../docs/benchmarks.md", "markdown file whose \"scale\" section is written (\"\": none)")
	flag.Parse()
	switch *role {
	case "server":
		return serve(c.proto, *addr)
	case "client":
		return hold(c.proto, *addr, *src, c.conns, c.dialers)
	case "":
		return orchestrate(c)
	}
	return fmt.Errorf("-role %q: want server or client", *role)
}
