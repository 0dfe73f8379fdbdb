// Package metrics exports what tlskit's servers do in the Prometheus format:
// connections, TLS handshakes (counts and a histogram of
// their times), bytes and WebSocket messages.
// A Metrics is a ws.Observer (and so a server.Observer): set it in
// ws.Options.Observer, ws.HandlerOptions.Observer or
// server.Options.Observer, register it with a prometheus.Registerer, and
// serve the registry:
//
//	m := metrics.New()
//	reg := prometheus.NewRegistry()
//	reg.MustRegister(m)
//	srv, _ := ws.NewServer(ws.Options{Observer: m, ...})
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
//
// Several servers may share one Metrics (their counts add up); give each
// its own, registered with a distinguishing prometheus.WrapRegistererWith
// label, to tell them apart.
package metrics

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/ws"
)

// Metrics counts what the servers it observes do, with atomic counters
// (no lock on the data path), and is a prometheus.Collector of them.
type Metrics struct {
	opened, refused, closed atomic.Int64
	hsOK, hsFailed          atomic.Int64
	bytesIn, bytesOut       atomic.Int64
	msgsIn, msgsOut         atomic.Int64
	logsDropped             atomic.Int64
	hsTime                  prometheus.Histogram
}

var _ ws.Observer = (*Metrics)(nil)
var _ prometheus.Collector = (*Metrics)(nil)

// HandshakeBuckets are the upper bounds, in seconds, of the TLS handshake
// time histogram: 250 µs to 4 s.
var HandshakeBuckets = prometheus.ExponentialBuckets(0.00025, 2, 15)

// New returns a Metrics with every count at zero.
func New() *Metrics {
	return &Metrics{hsTime: prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "tlskit_tls_handshake_seconds",
		Help:    "Time of the TLS handshakes that succeeded, from their first received bytes to their end.",
		Buckets: HandshakeBuckets,
	})}
}

func (m *Metrics) ConnectionOpened()   { m.opened.Add(1) }
func (m *Metrics) ConnectionRefused()  { m.refused.Add(1) }
func (m *Metrics) ConnectionClosed()   { m.closed.Add(1) }
func (m *Metrics) BytesReceived(n int) { m.bytesIn.Add(int64(n)) }
func (m *Metrics) BytesSent(n int)     { m.bytesOut.Add(int64(n)) }
func (m *Metrics) MessageReceived()    { m.msgsIn.Add(1) }
func (m *Metrics) MessageSent()        { m.msgsOut.Add(1) }

// LogRecordSuppressed counts a log record the server's rate limit
// dropped (see server.Options.Logger).
func (m *Metrics) LogRecordSuppressed() { m.logsDropped.Add(1) }

func (m *Metrics) TLSHandshake(d time.Duration, err error) {
	if err != nil {
		m.hsFailed.Add(1)
		return
	}
	m.hsOK.Add(1)
	m.hsTime.Observe(d.Seconds())
}

var (
	descOpened  = prometheus.NewDesc("tlskit_connections_opened_total", "Connections admitted (after the access lists and OnConnectionRequest).", nil, nil)
	descRefused = prometheus.NewDesc("tlskit_connections_refused_total", "Connections closed at once: MaxConnections, access lists, OnConnectionRequest, not listening.", nil, nil)
	descClosed  = prometheus.NewDesc("tlskit_connections_closed_total", "Admitted connections that ended.", nil, nil)
	descOpen    = prometheus.NewDesc("tlskit_connections_open", "Admitted connections not yet ended.", nil, nil)
	descHS      = prometheus.NewDesc("tlskit_tls_handshakes_total", "TLS handshakes that ended, by result (ok, failed).", []string{"result"}, nil)
	descBytes   = prometheus.NewDesc("tlskit_bytes_total", "Application bytes (after TLS), by direction (received, sent).", []string{"direction"}, nil)
	descMsgs    = prometheus.NewDesc("tlskit_websocket_messages_total", "Whole WebSocket data messages, by direction (received, sent).", []string{"direction"}, nil)
	descLogs    = prometheus.NewDesc("tlskit_log_records_suppressed_total", "Connection log records dropped by the servers' rate limit.", nil, nil)
)

// Describe sends the descriptions of every metric.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOpened, descRefused, descClosed, descOpen, descHS, descBytes, descMsgs, descLogs} {
		ch <- d
	}
	m.hsTime.Describe(ch)
}

// Collect sends the current counts.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	opened, closed := m.opened.Load(), m.closed.Load()
	counter(descOpened, opened)
	counter(descRefused, m.refused.Load())
	counter(descClosed, closed)
	ch <- prometheus.MustNewConstMetric(descOpen, prometheus.GaugeValue, float64(max(opened-closed, 0)))
	counter(descHS, m.hsOK.Load(), "ok")
	counter(descHS, m.hsFailed.Load(), "failed")
	counter(descBytes, m.bytesIn.Load(), "received")
	counter(descBytes, m.bytesOut.Load(), "sent")
	counter(descMsgs, m.msgsIn.Load(), "received")
	counter(descMsgs, m.msgsOut.Load(), "sent")
	counter(descLogs, m.logsDropped.Load())
	m.hsTime.Collect(ch)
}

var (
	_ server.Observer    = (*Metrics)(nil)
	_ server.LogObserver = (*Metrics)(nil)
)
