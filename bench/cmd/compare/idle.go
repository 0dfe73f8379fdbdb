package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tlskit/tlskit/bench/internal/docsection"
)

// Issue 7's targets for tlskit's WebSocket server.
const (
	targetPlainKiB = 1.5 // idle plain WebSocket, KiB per connection
	targetTLSKiB   = 8   // idle TLS WebSocket, KiB per connection
	targetVsGws    = 1.2 // echo msg/s, times gws's
)

// peerOf returns the index of the server of s's protocol whose name is
// name or name-PROTO (gws, gws-wss), -1 if none ran.
func peerOf(sums []summary, proto, name string) int {
	for i, s := range sums {
		if s.proto == proto && (s.name == name || s.name == name+"-"+proto) {
			return i
		}
	}
	return -1
}

// idleTarget says whether an idle cost per connection meets issue 7's
// target for its protocol ("" for protocols without one).
func idleTarget(proto string, kib float64) string {
	limit := map[string]float64{"ws": targetPlainKiB, "wss": targetTLSKiB}[proto]
	if limit == 0 {
		return ""
	}
	return verdict(kib <= limit, fmt.Sprintf("≤ %g", limit))
}

func verdict(met bool, target string) string {
	if met {
		return target + ": met"
	}
	return target + ": **missed**"
}

func writeIdleReport(c config, results []*serverResult, start time.Time, loadBefore, loadAfter string) error {
	sums := make([]summary, len(results))
	for i, r := range results {
		sums[i] = summarize(r, c.idle)
	}
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("## %d idle connections, and echo at %d connections × %d bytes (issue 7)\n\n", c.idle, c.conns, c.size)
	p("Measured %s by `bench/cmd/compare -mode idle` in %s.\n\n", start.UTC().Format("2006-01-02 15:04 MST"), time.Since(start).Round(time.Second))
	p("- Machine: %s. Load average (1 min) %s before the run and %s after it.\n", machine(), loadBefore, loadAfter)
	p("- Idle: %d WebSocket connections opened by the compare process (the server is another process), %d at a time from 127.0.0.1 .. 127.0.0.%d, "+
		"each with its TLS handshake (wss) and upgrade done and nothing sent after; the server's VmRSS is read %s after the last one opened. "+
		"Per connection is (that − VmRSS at start) / %d.\n", c.idle, c.dialers, c.sourceIPs, c.settle, c.idle)
	p("- Echo: right after the idle connections are closed, in the same server process, `tlskit bench` with %d connections, %d-byte binary messages, "+
		"one in flight per connection, %s measured after %s warmup. p50/p99 are its round-trip latencies at that full load.\n", c.conns, c.size, c.duration, c.warmup)
	p("- %d round(s), servers one after the other; with more than one, figures are medians.\n", c.rounds)
	p("- Targets for tlskit's WebSocket server (epoll): idle plain WebSocket ≤ %g KiB per connection, idle TLS WebSocket ≤ %g KiB, echo ≥ %g × gws's msg/s.\n\n",
		targetPlainKiB, float64(targetTLSKiB), targetVsGws)
	if slices.ContainsFunc(results, func(r *serverResult) bool { return r.s.IdleOnly }) {
		p("- crypto-tls-floor is no echo server but the least any server on the standard crypto/tls keeps per idle connection: " +
			"a goroutine per connection runs the TLS handshake and answers the upgrade, then ends, and the *tls.Conn is kept and never read again. " +
			"No load runs on it.\n")
	}
	if slices.ContainsFunc(results, func(r *serverResult) bool { return r.s.Deflate }) {
		p("- Servers named *-deflate accept permessage-deflate, and the bench offers it to them (idle connections and echo) with client_no_context_takeover and server_no_context_takeover; every connection must negotiate it.\n")
	}
	p("\n")
	p("```sh\ncd bench && go run ./cmd/compare -mode idle -section %s -rounds %d -idle %d -conns %d -size %d -duration %s -warmup %s -only %s\n```\n\n",
		c.section, c.rounds, c.idle, c.conns, c.size, c.duration, c.warmup, strings.Join(c.only, ","))
	for _, proto := range []string{"ws", "wss"} {
		bi := baseOf(sums, proto)
		if bi < 0 {
			continue
		}
		base := sums[bi]
		gi := peerOf(sums, proto, "gws")
		p("### %s (base: %s)\n\n", proto, base.name)
		p("| server | RSS, %d idle | KiB/conn | ratio | target | msg/s | ratio | ÷ gws | target | p50 µs | p99 µs | p99 ratio | errors |\n", c.idle)
		p("|---|---:|---:|---:|---|---:|---:|---:|---|---:|---:|---:|---|\n")
		for _, s := range sums {
			if s.proto != proto {
				continue
			}
			vsGws, echoTarget, memTarget := "–", "", ""
			if gi >= 0 {
				vsGws = ratio(s.msgs, sums[gi].msgs)
				if s.ours {
					echoTarget = verdict(s.msgs >= targetVsGws*sums[gi].msgs, fmt.Sprintf("≥ %g × gws", targetVsGws))
				}
			}
			if s.ours {
				memTarget = idleTarget(proto, s.kibPer)
			}
			if s.idleOnly {
				p("| %s | %.1f MiB | %.2f | %s | %s | – | – | – | | – | – | – | idle only |\n",
					s.name, s.idleMiB, s.kibPer, ratio(s.kibPer, base.kibPer), memTarget)
				continue
			}
			p("| %s | %.1f MiB | %.2f | %s | %s | %.0f | %s | %s | %s | %.0f | %.0f | %s | %s |\n",
				s.name, s.idleMiB, s.kibPer, ratio(s.kibPer, base.kibPer), memTarget,
				s.msgs, ratio(s.msgs, base.msgs), vsGws, echoTarget, s.p50, s.p99, ratio(s.p99, base.p99), errorText(s))
		}
		p("\n")
	}
	return docsection.WriteFile(c.out, c.section, b.String())
}
