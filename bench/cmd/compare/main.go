// Command compare runs the same `tlskit bench` load against tlskit's echo
// servers and the peers' (bench/servers), in interleaved rounds so that
// drift on a shared machine hits every server alike, measures each
// server's memory, and writes docs/benchmarks.md with a chart.
//
//	cd bench && go run ./cmd/compare            # about 5 minutes on 2 cores
//	go run ./cmd/compare -only tlskit-tcp,gnet -rounds 1
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

type config struct {
	root      string // the tlskit repository
	rounds    int
	conns     int
	size      int
	duration  time.Duration
	warmup    time.Duration
	rate      float64       // messages/s per connection of the fixed-rate load; 0 skips it
	rateTime  time.Duration // its measured time
	hsConns   int
	hsTime    time.Duration
	idle      int
	only      []string
	out       string
	chart     string
	keepFiles bool
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

// loadAverage returns the 1-minute load average from /proc/loadavg: how
// busy the machine was besides the comparison.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "unknown"
}

func run() error {
	var c config
	var only string
	flag.StringVar(&c.root, "root", "..", "the tlskit repository (where cmd/tlskit is)")
	flag.IntVar(&c.rounds, "rounds", 3, "rounds; each runs every server once, in order")
	flag.IntVar(&c.conns, "conns", 50, "connections of the echo load")
	flag.IntVar(&c.size, "size", 512, "message size of the echo load")
	flag.DurationVar(&c.duration, "duration", 5*time.Second, "measured time of each echo load")
	flag.DurationVar(&c.warmup, "warmup", time.Second, "warmup of each echo load")
	flag.Float64Var(&c.rate, "rate", 100, "messages/s per connection of the fixed-rate load (latency at equal load); 0 skips it")
	flag.DurationVar(&c.rateTime, "rate-duration", 3*time.Second, "measured time of the fixed-rate load")
	flag.IntVar(&c.hsConns, "handshake-conns", 2, "parallel loops of the handshake load")
	flag.DurationVar(&c.hsTime, "handshake-duration", 2*time.Second, "measured time of each handshake load")
	flag.IntVar(&c.idle, "idle", 1000, "idle connections held open while the server's memory is read")
	flag.StringVar(&only, "only", "", "comma-separated servers to run (default all)")
	flag.StringVar(&c.out, "out", "../docs/benchmarks.md", "markdown report to write")
	flag.StringVar(&c.chart, "chart", "../docs/benchmarks.png", "chart to write")
	flag.BoolVar(&c.keepFiles, "keep", false, "keep the build and JSON files (their directory is printed)")
	flag.Parse()
	if only != "" {
		c.only = strings.Split(only, ",")
	}
	if c.rounds < 1 || c.conns < 1 || c.idle < 0 {
		return fmt.Errorf("-rounds and -conns must be at least 1, -idle at least 0")
	}
	start := time.Now()
	loadBefore := loadAverage()
	results, err := measure(c)
	if err != nil {
		return err
	}
	if err := writeReport(c, results, start, loadBefore, loadAverage()); err != nil {
		return err
	}
	fmt.Printf("wrote %s and %s in %s\n", c.out, c.chart, time.Since(start).Round(time.Second))
	return nil
}
