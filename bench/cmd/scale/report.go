package main

import (
	"fmt"
	"runtime"
	"slices"
	"strings"

	"github.com/tlskit/tlskit/bench/internal/docsection"
)

func sum[T int | int64](v []T) T {
	var s T
	for _, x := range v {
		s += x
	}
	return s
}

func mib(kb int64) string { return fmt.Sprintf("%.1f MiB", float64(kb)/1024) }

// markdown is the run's section of docs/benchmarks.md.
func (r *result) markdown() string {
	c := r.c
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	held := sum(r.perServer)
	p("## %d connections on %d server processes (SO_REUSEPORT)\n\n", c.conns, c.servers)
	p("Measured %s by `bench/cmd/scale`; %d cores, %s. Load average (1 min) %s before and %s after.\n\n",
		r.start.UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), runtime.Version(), r.loadBefore, r.loadAfter)
	p("- Servers: %d processes of tlskit's %s echo (`servers.StartShared`: epoll engine, `server.Options.SharePort`, permessage-deflate off) on %s; the kernel spreads the connections among them.\n",
		c.servers, c.proto, r.addr)
	p("- Clients: %d processes opening %s connections, %d at a time each, from 127.0.0.2 .. 127.0.0.%d (%d addresses each)%s, then holding them idle. ",
		c.clients, strings.Join(intStrings(r.clientConns), " + "), c.dialers, 1+c.clients*c.ipsPerCli, c.ipsPerCli, upgradeNote(c.proto))
	p("Open-file limit per process %d, ephemeral ports %s.\n", r.fileLimit, r.portRange)
	p("- Memory: the sum of the servers' VmRSS %s after the last connection opened; per connection is (that − the sum at start) / connections held (counted as each server's open descriptors).\n\n", c.settle)
	p("```sh\ncd bench && go run ./cmd/scale -proto %s -conns %d -servers %d -clients %d -source-ips %d -dialers %d\n```\n\n",
		c.proto, c.conns, c.servers, c.clients, c.ipsPerCli, c.dialers)
	p("| connections held | per server | servers' RSS at start | with the connections | per connection | peak RSS (sum of VmHWM) | connect time | connections/s | clients' RSS |\n")
	p("|---:|---|---:|---:|---:|---:|---:|---:|---:|\n")
	lo, hi := 0, 0
	if len(r.perServer) > 0 {
		lo, hi = slices.Min(r.perServer), slices.Max(r.perServer)
	}
	perConn := 0.0
	if held > 0 {
		perConn = float64(sum(r.rssKB)-sum(r.baseKB)) / float64(held)
	}
	p("| %d | %d .. %d | %s | %s | %.2f KiB | %s | %s | %.0f | %s |\n\n",
		held, lo, hi, mib(sum(r.baseKB)), mib(sum(r.rssKB)), perConn, mib(sum(r.hwmKB)),
		r.connectTime.Round(1e6), r.totalConnsPerSecs, mib(r.clientKB))
	if held != c.conns {
		p("%d connections were opened but the servers hold %d.\n\n", c.conns, held)
	}
	return b.String()
}

func upgradeNote(proto string) string {
	if proto == "ws" {
		return ", each with its WebSocket upgrade done"
	}
	return ""
}

func intStrings(v []int) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = fmt.Sprint(x)
	}
	return out
}

func writeSection(path, body string) error {
	return docsection.WriteFile(path, "scale", body)
}
