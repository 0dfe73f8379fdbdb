package loadgen

import (
	"fmt"
	"io"

	"github.com/tlskit/tlskit/internal/chart"
)

// WriteChart draws res as a PNG: throughput (or handshakes) per second over
// time, warmup included, and the latency distribution of the measured
// window.
func (res *Result) WriteChart(w io.Writer) error {
	var t, rate []float64
	for _, s := range res.Timeline {
		t = append(t, s.T)
		if res.Mode == "handshakes" {
			rate = append(rate, s.HandshakesPerSec)
		} else {
			rate = append(rate, s.MsgsPerSec)
		}
	}
	what, unit := "messages", "msg/s"
	lat := res.Latency
	if res.Mode == "handshakes" {
		what, unit = "handshakes", "handshakes/s"
		lat = res.HandshakeLatency
	}
	over := &chart.Line{
		Title:  fmt.Sprintf("%s per second, %s, %d conns (warmup %s)", what, res.URL, res.Conns, res.Warmup),
		XLabel: "seconds", YLabel: unit,
		Series: []chart.Series{{Name: unit, X: t, Y: rate}},
	}
	labels := make([]string, len(res.LatencyBins))
	counts := make([]float64, len(res.LatencyBins))
	for i, b := range res.LatencyBins {
		labels[i] = fmtUS(us(b.Lo))
		counts[i] = float64(b.Count)
	}
	dist := &chart.Bars{
		Title: fmt.Sprintf("latency distribution: p50 %s p99 %s p99.9 %s max %s",
			fmtUS(lat.P50), fmtUS(lat.P99), fmtUS(lat.P999), fmtUS(lat.Max)),
		XLabel: "latency (log scale, bin lower bound)", YLabel: "count",
		Labels: labels, Groups: []chart.Group{{Name: "count", Values: counts}},
		EveryNthLabel: 5,
	}
	return chart.WritePNG(w, 900, 320, over, dist)
}
