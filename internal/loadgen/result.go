package loadgen

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Snapshot is the state of a run at one progress tick.
type Snapshot struct {
	Elapsed    time.Duration // since the timed phases began
	Phase      string        // "warmup", "measuring" or "draining"
	Open       int64         // connections open now
	Received   int64         // echoes received so far, warmup included
	Handshakes int64         // handshakes completed so far, warmup included
	Errors     int64         // errors of every kind so far
	// MsgsPerSec and HandshakesPerSec are the rates over the last tick.
	MsgsPerSec       float64
	HandshakesPerSec float64
}

// Sample is one point of Result.Timeline.
type Sample struct {
	T                float64 `json:"t_s"` // seconds since the timed phases began (end of the tick)
	MsgsPerSec       float64 `json:"msgs_per_s"`
	MBPerSec         float64 `json:"mb_per_s"`
	HandshakesPerSec float64 `json:"handshakes_per_s,omitempty"`
	Warmup           bool    `json:"warmup,omitempty"`
	ServerRSSKiB     int64   `json:"server_rss_kib,omitempty"`
}

// Percentiles summarises a latency histogram, in microseconds.
type Percentiles struct {
	Count int64   `json:"count"`
	Min   float64 `json:"min_us"`
	Mean  float64 `json:"mean_us"`
	P50   float64 `json:"p50_us"`
	P90   float64 `json:"p90_us"`
	P99   float64 `json:"p99_us"`
	P999  float64 `json:"p99_9_us"`
	Max   float64 `json:"max_us"`
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// Summarize returns h's percentiles.
func Summarize(h *Histogram) Percentiles {
	return Percentiles{
		Count: h.Count(), Min: us(h.Min()), Mean: us(h.Mean()),
		P50: us(h.Percentile(0.50)), P90: us(h.Percentile(0.90)), P99: us(h.Percentile(0.99)),
		P999: us(h.Percentile(0.999)), Max: us(h.Max()),
	}
}

// Result is what a run measured. Messages, rates and latencies cover the
// measured window only: replies to messages sent (with a rate: due) after
// the Warmup. Sent and Received count everything.
type Result struct {
	URL         string        `json:"url"`
	Mode        string        `json:"mode"` // "echo" or "handshakes"
	Conns       int           `json:"conns"`
	Size        int           `json:"size"`
	Rate        float64       `json:"rate_per_conn"`
	Deflate     bool          `json:"deflate,omitempty"` // Options.Deflate
	Warmup      time.Duration `json:"warmup_ns"`
	Duration    time.Duration `json:"duration_ns"` // measured window actually run
	ConnectTime time.Duration `json:"connect_ns"`  // opening the connections, before the timed phases
	Interrupted bool          `json:"interrupted,omitempty"`

	ConnsOpened int64 `json:"conns_opened"`
	ConnsFailed int64 `json:"conns_failed"`
	// DeflateConns counts the opened connections that negotiated
	// permessage-deflate (Options.Deflate).
	DeflateConns int64 `json:"deflate_conns,omitempty"`

	Sent       int64       `json:"sent"`
	Received   int64       `json:"received"`
	Messages   int64       `json:"messages"`
	MsgsPerSec float64     `json:"msgs_per_s"`
	MBPerSec   float64     `json:"mb_per_s"` // echoed payload, one direction, 10^6 bytes
	Latency    Percentiles `json:"latency"`
	// LatencyBins is the latency distribution for charts (log-spaced).
	LatencyBins []Bin `json:"latency_bins,omitempty"`

	Handshakes       int64       `json:"handshakes"`
	HandshakesPerSec float64     `json:"handshakes_per_s"`
	HandshakeLatency Percentiles `json:"handshake_latency"`

	// ServerRSSKiB and ServerPeakKiB are the memory of Options.ServerPID
	// at the end of the run (VmRSS) and its peak since it started (VmHWM).
	ServerRSSKiB  int64 `json:"server_rss_kib,omitempty"`
	ServerPeakKiB int64 `json:"server_peak_kib,omitempty"`

	// Errors counts failures by ErrorKind name; kinds that did not occur
	// are absent.
	Errors map[string]int64 `json:"errors"`
	// ErrorSamples holds the first error of each kind, for diagnosis.
	ErrorSamples map[string]string `json:"error_samples,omitempty"`
	Timeline     []Sample          `json:"timeline"`
}

// ErrorCount returns the number of errors of every kind.
func (res *Result) ErrorCount() int64 {
	var n int64
	for _, v := range res.Errors {
		n += v
	}
	return n
}

// WriteTable writes the human-readable summary.
func (res *Result) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, format string, a ...any) { fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{k}, a...)...) }
	row("target", "%s (%s)", res.URL, res.Mode)
	if res.Interrupted {
		row("interrupted", "yes: partial results over %s", res.Duration.Round(time.Millisecond))
	}
	row("measured", "%s after %s warmup", res.Duration.Round(time.Millisecond), res.Warmup)
	row("connections", "%d opened, %d failed", res.ConnsOpened, res.ConnsFailed)
	if res.Deflate {
		row("permessage-deflate", "offered, negotiated on %d of %d", res.DeflateConns, res.ConnsOpened)
	}
	lat := func(name string, p Percentiles) {
		row(name, "p50 %s  p90 %s  p99 %s  p99.9 %s  max %s",
			fmtUS(p.P50), fmtUS(p.P90), fmtUS(p.P99), fmtUS(p.P999), fmtUS(p.Max))
	}
	if res.Mode == "handshakes" {
		row("handshakes", "%d (%.0f/s)", res.Handshakes, res.HandshakesPerSec)
		lat("handshake latency", res.HandshakeLatency)
	} else {
		row("messages", "%d of %d bytes (%d sent, %d received in all)", res.Messages, res.Size, res.Sent, res.Received)
		row("throughput", "%.0f msg/s, %.2f MB/s", res.MsgsPerSec, res.MBPerSec)
		lat("latency", res.Latency)
	}
	if res.ServerRSSKiB > 0 {
		row("server memory", "%.1f MiB resident at the end, %.1f MiB peak", float64(res.ServerRSSKiB)/1024, float64(res.ServerPeakKiB)/1024)
	}
	if len(res.Errors) == 0 {
		row("errors", "none")
	} else {
		kinds := make([]string, 0, len(res.Errors))
		for k := range res.Errors {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		parts := make([]string, len(kinds))
		for i, k := range kinds {
			parts[i] = fmt.Sprintf("%s %d", k, res.Errors[k])
		}
		row("errors", "%s", strings.Join(parts, ", "))
		for _, k := range kinds {
			if msg := res.ErrorSamples[k]; msg != "" {
				row("  first "+k, "%s", msg)
			}
		}
	}
	return tw.Flush()
}

func fmtUS(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fs", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.2fms", v/1e3)
	}
	return fmt.Sprintf("%.0fµs", v)
}

// progressLoop samples the counters every ProgressInterval for the
// timeline and the Progress hook, until stop closes; then it takes a last
// sample of the time since the previous one, unless that is under half an
// interval and there was a previous one. So the timeline has a sample
// however short the run and however late the ticks of a loaded machine
// come.
func (r *run) progressLoop(stop <-chan struct{}) {
	tick := time.NewTicker(r.o.ProgressInterval)
	defer tick.Stop()
	var lastRecv, lastHS int64
	last := time.Now()
	for {
		final := false
		select {
		case <-stop:
			final = true
		case <-tick.C:
		}
		now := time.Now()
		if final && len(r.timeline) > 0 && now.Sub(last) < r.o.ProgressInterval/2 {
			return
		}
		secs := now.Sub(last).Seconds()
		last = now
		recv, hs := r.received.Load(), r.allHandshakes.Load()
		elapsed := r.since()
		// The phase of a tick is the one its interval was mostly in.
		mid := elapsed - int64(r.o.ProgressInterval)/2
		phase := "measuring"
		switch {
		case mid < r.warmupEnd:
			phase = "warmup"
		case mid > r.end:
			phase = "draining"
		}
		s := Sample{
			T:                time.Duration(elapsed).Seconds(),
			MsgsPerSec:       float64(recv-lastRecv) / secs,
			HandshakesPerSec: float64(hs-lastHS) / secs,
			Warmup:           phase == "warmup",
		}
		s.MBPerSec = s.MsgsPerSec * float64(r.o.Size) / 1e6
		if r.o.ServerPID != 0 {
			s.ServerRSSKiB, _, _ = readProcMem(r.o.ServerPID)
		}
		lastRecv, lastHS = recv, hs
		r.timeline = append(r.timeline, s)
		if r.o.Progress != nil {
			var errs int64
			for i := range r.errs {
				errs += r.errs[i].Load()
			}
			r.o.Progress(Snapshot{
				Elapsed: time.Duration(elapsed), Phase: phase, Open: r.open.Load(),
				Received: recv, Handshakes: hs, Errors: errs,
				MsgsPerSec: s.MsgsPerSec, HandshakesPerSec: s.HandshakesPerSec,
			})
		}
		if final {
			return
		}
	}
}

func (r *run) result() *Result {
	elapsed := min(r.since(), r.end)
	window := time.Duration(max(0, elapsed-r.warmupEnd))
	res := &Result{
		URL: r.o.URL, Mode: "echo", Conns: r.o.Conns, Size: r.o.Size, Rate: r.o.Rate,
		Warmup: r.o.Warmup, Duration: window, ConnectTime: r.connectT,
		Interrupted: r.ctx.Err() != nil,
		ConnsOpened: r.opened.Load(), ConnsFailed: r.failed.Load(),
		Deflate: r.o.Deflate, DeflateConns: r.deflated.Load(),
		Sent: r.sent.Load(), Received: r.received.Load(), Messages: r.measured.Load(),
		Latency: Summarize(&r.latency), LatencyBins: r.latency.Bins(40),
		Handshakes: r.handshakes.Load(), HandshakeLatency: Summarize(&r.handshake),
		Errors:   map[string]int64{},
		Timeline: r.timeline,
	}
	if r.o.Handshakes {
		res.Mode = "handshakes"
		res.LatencyBins = r.handshake.Bins(40)
	}
	if secs := window.Seconds(); secs > 0 {
		res.MsgsPerSec = float64(res.Messages) / secs
		res.MBPerSec = res.MsgsPerSec * float64(res.Size) / 1e6
		res.HandshakesPerSec = float64(res.Handshakes) / secs
	}
	if r.o.ServerPID != 0 {
		res.ServerRSSKiB, res.ServerPeakKiB, _ = readProcMem(r.o.ServerPID)
	}
	for k := range numKinds {
		if n := r.errs[k].Load(); n > 0 {
			res.Errors[k.String()] = n
		}
		if msg := r.firstErr[k].Load(); msg != nil {
			if res.ErrorSamples == nil {
				res.ErrorSamples = map[string]string{}
			}
			res.ErrorSamples[k.String()] = *msg
		}
	}
	return res
}
