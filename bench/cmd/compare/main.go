// Command compare runs the same `tlskit bench` load against tlskit's echo
// servers and the peers' (bench/servers), in interleaved rounds so that
// drift on a shared machine hits every server alike, measures each
// server's memory, and writes docs/benchmarks.md with a chart.
//
// With -mode idle it measures instead what a server costs with many idle
// connections (15,000 by default) and its echo at 200 connections of 1 KiB
// messages, for the WebSocket servers, against issue 7's targets.
//
// Each mode replaces its own generated section of docs/benchmarks.md.
//
//	cd bench && go run ./cmd/compare            # about 8 minutes on 2 cores (2 rounds of 19 servers)
//	go run ./cmd/compare -only tlskit-tcp-epoll,gnet -rounds 1
//	go run ./cmd/compare -mode idle -rounds 2   # about 8 minutes
//	go run ./cmd/compare -mode idle -only tlskit-ws-epoll -profile tlskit-ws-epoll -keep
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/tlskit/tlskit/bench/internal/host"
)

type config struct {
	mode       string // "compare" or "idle"
	root       string // the tlskit repository
	rounds     int
	conns      int
	size       int
	duration   time.Duration
	warmup     time.Duration
	rate       float64       // messages/s per connection of the fixed-rate load; 0 skips it
	rateTime   time.Duration // its measured time
	hsConns    int
	hsTime     time.Duration
	idle       int
	dialers    int           // connections being opened at once for the idle count
	sourceIPs  int           // 127.0.0.x source addresses of the idle connections
	settle     time.Duration // wait before reading the memory of the idle connections
	only       []string
	profile    []string // servers whose heap profile is saved with the idle connections open
	profileDir string
	out        string
	section    string // the generated section of out that -mode idle replaces
	chart      string
	keepFiles  bool
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

func run() error {
	var c config
	var only, profile string
	flag.StringVar(&c.mode, "mode", "compare", "compare: every server, echo, latency, handshakes, 1000 idle; idle: WebSocket servers with 15000 idle connections and an echo of 200 x 1 KiB")
	flag.StringVar(&c.root, "root", "..", "the tlskit repository (where cmd/tlskit is)")
	flag.IntVar(&c.rounds, "rounds", 2, "rounds; each runs every server once, in order")
	flag.IntVar(&c.conns, "conns", 50, "connections of the echo load")
	flag.IntVar(&c.size, "size", 512, "message size of the echo load")
	flag.DurationVar(&c.duration, "duration", 3*time.Second, "measured time of each echo load")
	flag.DurationVar(&c.warmup, "warmup", time.Second, "warmup of each echo load")
	flag.Float64Var(&c.rate, "rate", 100, "messages/s per connection of the fixed-rate load (latency at equal load); 0 skips it")
	flag.DurationVar(&c.rateTime, "rate-duration", 2*time.Second, "measured time of the fixed-rate load")
	flag.IntVar(&c.hsConns, "handshake-conns", 2, "parallel loops of the handshake load")
	flag.DurationVar(&c.hsTime, "handshake-duration", 2*time.Second, "measured time of each handshake load")
	flag.IntVar(&c.idle, "idle", 1000, "idle connections held open while the server's memory is read")
	flag.IntVar(&c.dialers, "dialers", 8, "idle connections opened at once")
	flag.IntVar(&c.sourceIPs, "source-ips", 4, "spread the idle connections over 127.0.0.1 .. 127.0.0.N")
	flag.DurationVar(&c.settle, "settle", time.Second, "wait with the idle connections open before reading the server's memory")
	flag.StringVar(&only, "only", "", "comma-separated servers to run (default all; -mode idle: the ws and wss servers but coder)")
	flag.StringVar(&profile, "profile", "", "comma-separated servers whose heap profile is saved (into the -keep directory) while the idle connections are open")
	flag.StringVar(&c.out, "out", "../docs/benchmarks.md", "markdown report to write")
	flag.StringVar(&c.section, "section", "idle", "-mode idle: name of the generated section of -out to replace (another name adds a section and keeps the others)")
	flag.StringVar(&c.chart, "chart", "../docs/benchmarks.png", "chart to write")
	flag.BoolVar(&c.keepFiles, "keep", false, "keep the build and JSON files (their directory is printed)")
	flag.Parse()
	switch c.mode {
	case "compare":
	case "idle":
		setIdleDefaults(&c, &only)
	default:
		return fmt.Errorf("-mode %q: want compare or idle", c.mode)
	}
	if only != "" {
		c.only = strings.Split(only, ",")
	}
	if profile != "" {
		c.profile = strings.Split(profile, ",")
		c.keepFiles = true // the profiles are saved with the build
	}
	if c.rounds < 1 || c.conns < 1 || c.idle < 0 || c.dialers < 1 {
		return fmt.Errorf("-rounds, -conns and -dialers must be at least 1, -idle at least 0")
	}
	start := time.Now()
	loadBefore := host.LoadAverage()
	results, err := measure(c)
	if err != nil {
		return err
	}
	if c.mode == "idle" {
		err = writeIdleReport(c, results, start, loadBefore, host.LoadAverage())
	} else {
		err = writeReport(c, results, start, loadBefore, host.LoadAverage())
	}
	if err != nil {
		return err
	}
	fmt.Printf("wrote %s in %s\n", c.out, time.Since(start).Round(time.Second))
	return nil
}

// idleServers are the servers -mode idle measures by default: issue 7's
// list, plain and TLS, and the floor of any server on crypto/tls.
var idleServers = "tlskit-ws-epoll,tlskit-ws-portable,gorilla,gws,nbio," +
	"tlskit-wss-epoll,tlskit-wss-portable,gorilla-wss,gws-wss,nbio-wss,crypto-tls-floor"

// setIdleDefaults gives the flags the command line did not set their
// -mode idle values: one round, 15000 idle connections, an echo of 200
// connections x 1 KiB, no fixed-rate or handshake load.
func setIdleDefaults(c *config, only *string) {
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	def := func(name string, apply func()) {
		if !set[name] {
			apply()
		}
	}
	def("rounds", func() { c.rounds = 1 })
	def("idle", func() { c.idle = 15000 })
	def("conns", func() { c.conns = 200 })
	def("size", func() { c.size = 1024 })
	def("rate", func() { c.rate = 0 })
	def("handshake-conns", func() { c.hsConns = 0 })
	def("settle", func() { c.settle = 3 * time.Second })
	def("only", func() { *only = idleServers })
}
