package main

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/tlskit/tlskit/bench/internal/docsection"
	"github.com/tlskit/tlskit/internal/chart"
	"github.com/tlskit/tlskit/internal/loadgen"
)

// summary is a server's medians over the rounds.
type summary struct {
	name, proto     string
	ours            bool
	idleOnly        bool // no load ran (servers.Server.IdleOnly)
	msgs, mbps      float64
	p50, p99        float64
	rateP50         float64 // fixed-rate load, 0 when skipped
	rateP99         float64
	hs              float64
	idleMiB, kibPer float64
	peakMiB         float64
	msgsByRound     []float64
	errors          map[string]int64
	samples         map[string]string // first error of each kind
	connsFailed     int64
}

func summarize(r *serverResult, idle int) summary {
	s := summary{name: r.s.Name, proto: r.s.Proto, ours: r.s.Ours, idleOnly: r.s.IdleOnly, errors: map[string]int64{}, samples: map[string]string{}}
	var msgs, mbps, p50, p99, hs, idleMiB, per, peak, rp50, rp99 []float64
	for _, x := range r.samples {
		if x.paced != nil {
			rp50 = append(rp50, x.paced.Latency.P50)
			rp99 = append(rp99, x.paced.Latency.P99)
		}
		if x.idleRedials > 0 {
			s.errors["idle connection failed, dialled again"] += x.idleRedials
			if _, ok := s.samples["idle connection failed, dialled again"]; !ok {
				s.samples["idle connection failed, dialled again"] = x.idleRedialErr
			}
		}
		s.addErrors("", x.echo)
		s.addErrors("rate run: ", x.paced)
		s.addErrors("handshake run: ", x.hs)
		msgs = append(msgs, x.echo.MsgsPerSec)
		mbps = append(mbps, x.echo.MBPerSec)
		p50 = append(p50, x.echo.Latency.P50)
		p99 = append(p99, x.echo.Latency.P99)
		hs = append(hs, handshakeRate(x.hs))
		idleMiB = append(idleMiB, float64(x.idleKB)/1024)
		if idle > 0 {
			per = append(per, float64(x.idleKB-x.baseRSS)/float64(idle))
		}
		peak = append(peak, float64(x.peakKB)/1024)
		s.connsFailed += x.echo.ConnsFailed
	}
	s.msgs, s.mbps, s.p50, s.p99, s.hs = median(msgs), median(mbps), median(p50), median(p99), median(hs)
	s.idleMiB, s.kibPer, s.peakMiB = median(idleMiB), median(per), median(peak)
	s.msgsByRound = msgs
	s.rateP50, s.rateP99 = median(rp50), median(rp99)
	return s
}

// addErrors counts the errors of run r (nil: skipped) under their kind
// with prefix, keeping the first sample of each.
func (s *summary) addErrors(prefix string, r *loadgen.Result) {
	if r == nil {
		return
	}
	for k, v := range r.Errors {
		s.errors[prefix+k] += v
		if _, ok := s.samples[prefix+k]; !ok {
			s.samples[prefix+k] = r.ErrorSamples[k]
		}
	}
}

// baseOf returns the index of the server the others of proto are compared
// to: tlskit's, or the first one.
func baseOf(sums []summary, proto string) int {
	first := -1
	for i, s := range sums {
		if s.proto != proto {
			continue
		}
		if s.ours {
			return i
		}
		if first < 0 {
			first = i
		}
	}
	return first
}

func ratio(v, base float64) string {
	if base == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", v/base)
}

func machine() string {
	var model, mem, kernel string
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				var kb int64
				fmt.Sscan(v, &kb)
				mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%d cores (nproc), %s memory, %s, Linux %s, %s", runtime.NumCPU(), mem, model, kernel, runtime.Version())
}

func writeReport(c config, results []*serverResult, start time.Time, loadBefore, loadAfter string) error {
	sums := make([]summary, len(results))
	for i, r := range results {
		sums[i] = summarize(r, c.idle)
	}
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("## Every server: echo, latency, handshakes, memory\n\n")
	p("Measured %s by `bench/cmd/compare` in %s.\n\n", start.UTC().Format("2006-01-02 15:04 MST"), time.Since(start).Round(time.Second))
	p("- Machine: %s. Load average (1 min) %s before the run and %s after it: the machine was shared with other work, see below.\n", machine(), loadBefore, loadAfter)
	p("- Load: `tlskit bench` with %d connections, %d-byte messages, one message in flight per connection "+
		"(the next is sent when the echo arrives), %s measured after %s warmup; then the same connections at a fixed rate; handshakes: %d connect/handshake/close loops for %s.\n",
		c.conns, c.size, c.duration, c.warmup, c.hsConns, c.hsTime)
	p("- Memory: the server's VmRSS (from /proc/PID/status) with %d idle connections open, their handshakes done; "+
		"per connection is (that − VmRSS at start) / %d; peak is VmHWM over the whole run.\n", c.idle, c.idle)
	p("- %d rounds; each round starts every server afresh, one after the other (A B C, A B C), so drift on the machine hits all alike. Figures are medians over the rounds; the msg/s of each round are listed to show the spread.\n\n", c.rounds)
	p("### Reproduce\n\n```sh\ncd bench && go run ./cmd/compare -rounds %d -conns %d -size %d -duration %s -warmup %s -rate %g -rate-duration %s -idle %d\n```\n\n",
		c.rounds, c.conns, c.size, c.duration, c.warmup, c.rate, c.rateTime, c.idle)
	p("One server by hand: `go run ./cmd/echoserver -impl gorilla -addr 127.0.0.1:9000` and, from the repository root, `go run ./cmd/tlskit bench ws://127.0.0.1:9000/ --conns %d --size %d --duration %s`.\n\n", c.conns, c.size, c.duration)

	p("### Results\n\n")
	p("Ratios are server ÷ base, where the base is tlskit's server for the protocol on its epoll engine. " +
		"Above 1 means more messages or handshakes per second (better) or more memory (worse).\n\n")
	for _, proto := range []string{"tcp", "tls", "ws", "wss"} {
		bi := baseOf(sums, proto)
		if bi < 0 {
			continue
		}
		base := sums[bi]
		p("#### %s (base: %s)\n\n", proto, base.name)
		p("| server | msg/s | ratio | msg/s by round | MB/s | p50 µs | p99 µs | at %g/s: p50 µs | p99 µs | p99 ratio | handshakes/s | ratio | RSS idle, %d conns | KiB/conn | ratio | peak RSS | errors |\n", c.rate*float64(c.conns), c.idle)
		p("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
		for _, s := range sums {
			if s.proto != proto {
				continue
			}
			rounds := make([]string, len(s.msgsByRound))
			for i, v := range s.msgsByRound {
				rounds[i] = fmt.Sprintf("%.0f", v)
			}
			p("| %s | %.0f | %s | %s | %.2f | %.0f | %.0f | %.0f | %.0f | %s | %.0f | %s | %.1f MiB | %.1f | %s | %.1f MiB | %s |\n",
				s.name, s.msgs, ratio(s.msgs, base.msgs), strings.Join(rounds, " / "), s.mbps, s.p50, s.p99,
				s.rateP50, s.rateP99, ratio(s.rateP99, base.rateP99),
				s.hs, ratio(s.hs, base.hs), s.idleMiB, s.kibPer, ratio(s.kibPer, base.kibPer), s.peakMiB, errorText(s))
		}
		p("\n")
		notes := 0
		for _, s := range sums {
			if s.proto != proto {
				continue
			}
			for _, k := range slices.Sorted(maps.Keys(s.samples)) {
				p("- %s, %s (%d in all): first one was `%s`\n", s.name, k, s.errors[k], s.samples[k])
				notes++
			}
		}
		if notes > 0 {
			p("\n")
		}
	}
	p("![msg/s and handshakes/s relative to the base, memory per idle connection](%s)\n\n", filepath.Base(c.chart))
	p("### What the numbers mean\n\n")
	p("- **The machine is small and shared.** The load generator and the server run on the same %d cores, and other work may run beside them: "+
		"a server that uses less CPU leaves more to the client and looks faster. Differences under about 10-15 %% are noise here; "+
		"compare the rounds of one server to see the spread. Absolute figures say little; ratios measured in the same run say more.\n", runtime.NumCPU())
	p("- **msg/s** counts verified echoes (sequence number and CRC checked) per second of the measured window, summed over connections; " +
		"with one message in flight per connection it is a round-trip rate, so it is bound by latency, not bandwidth. **MB/s** is that times the message size, one direction.\n")
	p("- **p50/p99** are round-trip latencies from a log-linear histogram (0.8 %% precision): first at full speed, where they mostly reflect queueing for the 2 cores, "+
		"then at a fixed rate of %g msg/s per connection (%g msg/s in all, %s measured), the same load for every server, measured from the time each message was due. "+
		"The p99 ratio is the fixed-rate one.\n", c.rate, c.rate*float64(c.conns), c.rateTime)
	p("- **handshakes/s** is connect + TLS handshake or WebSocket upgrade + close, %d loops in parallel; for tcp it is connect and close only. "+
		"TLS handshakes are full ones (no session resumption) with an ECDSA P-256 certificate.\n", c.hsConns)
	p("- **KiB/conn** is what an idle connection costs the server process: goroutine stacks, buffers and TLS state. " +
		"RSS includes what the Go runtime has not returned to the OS, so small differences are not meaningful.\n")
	p("- The bench's WebSocket client ends every connection with the closing handshake (it sends a Close frame and waits for the server's), " +
		"as RFC 6455 §7 asks; clients that just drop the TCP connection exercise less of a server.\n")
	p("- **errors** are anything the bench detected: lost, reordered or corrupt messages, timeouts, failed connections. Every server here must show none.\n")
	p("- **ws and wss** servers echo each message whole with its own opcode. %s wss servers are the same echoes behind TLS with the same certificate; "+
		"nbio's is its own TLS (lesismal/llib's fork of crypto/tls), the others' crypto/tls.\n", deflateText(results))

	if err := docsection.WriteFile(c.out, "compare", b.String()); err != nil {
		return err
	}
	return writeChart(c.chart, sums)
}

func errorText(s summary) string {
	if len(s.errors) == 0 && s.connsFailed == 0 {
		return "none"
	}
	var parts []string
	for k, v := range s.errors {
		parts = append(parts, fmt.Sprintf("%s %d", k, v))
	}
	return strings.Join(parts, ", ")
}

func writeChart(path string, sums []summary) error {
	var labels []string
	var msgs, hs, per []float64
	for _, s := range sums {
		base := sums[baseOf(sums, s.proto)]
		labels = append(labels, chartLabel(s.name))
		msgs = append(msgs, safeDiv(s.msgs, base.msgs))
		hs = append(hs, safeDiv(s.hs, base.hs))
		per = append(per, s.kibPer)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = chart.WritePNG(f, 1700, 340,
		&chart.Bars{Title: "throughput relative to the protocol's base (tlskit, epoll engine)", YLabel: "ratio", Labels: labels, ShowValues: true,
			Groups: []chart.Group{{Name: "msg/s", Values: msgs}, {Name: "handshakes/s", Values: hs}}},
		&chart.Bars{Title: "server memory per idle connection", YLabel: "KiB", Labels: labels, ShowValues: true,
			Groups: []chart.Group{{Name: "KiB/conn", Values: per}}},
	)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// chartLabel shortens a server's name to fit under its bars:
// tlskit-wss-portable is tk-wss-pt.
func chartLabel(name string) string {
	return strings.NewReplacer("tlskit-", "tk-", "-epoll", "-ep", "-portable", "-pt").Replace(name)
}

func safeDiv(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// deflateText says which servers of the run use permessage-deflate.
func deflateText(results []*serverResult) string {
	const off = "tlskit's echo turns permessage-deflate off, as gorilla, gws and nbio have it by default"
	if !slices.ContainsFunc(results, func(r *serverResult) bool { return r.s.Deflate }) {
		return "No server uses permessage-deflate: the bench's client does not offer it, and " + off + "."
	}
	return "Only the servers named *-deflate use permessage-deflate: the bench offers it to them alone " +
		"(client_no_context_takeover and server_no_context_takeover) and checks that every connection negotiated it; " + off + "."
}
