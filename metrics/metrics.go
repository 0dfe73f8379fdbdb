// Package metrics exports what tlskit's servers do in the Prometheus format:
// connections (refusals by cause), TLS handshakes (counts, failures by
// reason and a histogram of their times), bytes, WebSocket messages (counts
// and a histogram of their sizes) and WebSocket connections closed for an
// error, by close code. Every label has a small fixed set of values, none
// taken from what a peer sent.
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
	opened, closed    atomic.Int64
	refused           [server.NumRefuseCauses]atomic.Int64
	hsOK              atomic.Int64
	hsFailed          [numHandshakeFailures]atomic.Int64
	bytesIn, bytesOut atomic.Int64
	msgsIn, msgsOut   atomic.Int64
	wsErrors          [len(closeCodes)]atomic.Int64
	logsDropped       atomic.Int64
	hsTime            prometheus.Histogram
	sizes             *prometheus.HistogramVec
	sizeIn, sizeOut   prometheus.Observer // its two children
}

var _ ws.Observer = (*Metrics)(nil)
var _ prometheus.Collector = (*Metrics)(nil)

// HandshakeBuckets are the upper bounds, in seconds, of the TLS handshake
// time histogram: 250 µs to 4 s.
var HandshakeBuckets = prometheus.ExponentialBuckets(0.00025, 2, 15)

// MessageSizeBuckets are the upper bounds, in bytes, of the WebSocket
// message size histogram: powers of 4 from 64 B to 16 MiB.
var MessageSizeBuckets = prometheus.ExponentialBuckets(64, 4, 10)

// New returns a Metrics with every count at zero.
func New() *Metrics {
	sizes := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tlskit_websocket_message_size_bytes",
		Help:    "Sizes of whole WebSocket data messages (received: after decompression; sent: before compression), by direction (received, sent).",
		Buckets: MessageSizeBuckets,
	}, []string{"direction"})
	return &Metrics{
		hsTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tlskit_tls_handshake_seconds",
			Help:    "Time of the TLS handshakes that succeeded, from their first received bytes to their end.",
			Buckets: HandshakeBuckets,
		}),
		sizes:   sizes,
		sizeIn:  sizes.WithLabelValues("received"),
		sizeOut: sizes.WithLabelValues("sent"),
	}
}

func (m *Metrics) ConnectionOpened()   { m.opened.Add(1) }
func (m *Metrics) ConnectionClosed()   { m.closed.Add(1) }
func (m *Metrics) BytesReceived(n int) { m.bytesIn.Add(int64(n)) }
func (m *Metrics) BytesSent(n int)     { m.bytesOut.Add(int64(n)) }

// ConnectionRefused counts a refused connection by its cause.
func (m *Metrics) ConnectionRefused(cause server.RefuseCause) {
	if cause < server.NumRefuseCauses {
		m.refused[cause].Add(1)
	}
}

// MessageReceived and MessageSent count a whole data message and its size.
func (m *Metrics) MessageReceived(size int) { m.msgsIn.Add(1); m.sizeIn.Observe(float64(size)) }
func (m *Metrics) MessageSent(size int)     { m.msgsOut.Add(1); m.sizeOut.Observe(float64(size)) }

// ProtocolError counts a WebSocket connection closed for an error by the
// close code sent; a code outside the ones tlskit sends counts as "other".
func (m *Metrics) ProtocolError(code ws.CloseCode) {
	m.wsErrors[closeCodeIndex(code)].Add(1)
}

// LogRecordSuppressed counts a log record the server's rate limit
// dropped (see server.Options.Logger).
func (m *Metrics) LogRecordSuppressed() { m.logsDropped.Add(1) }

// TLSHandshake counts a TLS handshake, a failed one by its reason (see
// HandshakeFailureReason), and the time of one that succeeded.
func (m *Metrics) TLSHandshake(d time.Duration, err error) {
	if err != nil {
		m.hsFailed[handshakeFailureOf(err)].Add(1)
		return
	}
	m.hsOK.Add(1)
	m.hsTime.Observe(d.Seconds())
}

var (
	descOpened  = prometheus.NewDesc("tlskit_connections_opened_total", "Connections admitted (after the access lists and OnConnectionRequest).", nil, nil)
	descRefused = prometheus.NewDesc("tlskit_connections_refused_total", "Connections closed at once, by cause (not_listening, max_connections, per_address_limit, access_list, hook, proxy_header).", []string{"cause"}, nil)
	descHSFail  = prometheus.NewDesc("tlskit_tls_handshake_failures_total", "TLS handshakes that failed, by reason (timeout, protocol_version, no_shared_cipher, unknown_ca, bad_certificate, client_cert_missing, certificate_rejected, not_tls, peer_alert, peer_closed, other).", []string{"reason"}, nil)
	descWSErr   = prometheus.NewDesc("tlskit_websocket_protocol_errors_total", "WebSocket connections closed for an error, by the close code sent (1002, 1003, 1007, 1008, 1009, 1011, other).", []string{"code"}, nil)
	descClosed  = prometheus.NewDesc("tlskit_connections_closed_total", "Admitted connections that ended.", nil, nil)
	descOpen    = prometheus.NewDesc("tlskit_connections_open", "Admitted connections not yet ended.", nil, nil)
	descHS      = prometheus.NewDesc("tlskit_tls_handshakes_total", "TLS handshakes that ended, by result (ok, failed).", []string{"result"}, nil)
	descBytes   = prometheus.NewDesc("tlskit_bytes_total", "Application bytes (after TLS), by direction (received, sent).", []string{"direction"}, nil)
	descMsgs    = prometheus.NewDesc("tlskit_websocket_messages_total", "Whole WebSocket data messages, by direction (received, sent).", []string{"direction"}, nil)
	descLogs    = prometheus.NewDesc("tlskit_log_records_suppressed_total", "Connection log records dropped by the servers' rate limit.", nil, nil)
)

// Describe sends the descriptions of every metric.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOpened, descRefused, descClosed, descOpen, descHS, descHSFail, descBytes, descMsgs, descWSErr, descLogs} {
		ch <- d
	}
	m.hsTime.Describe(ch)
	m.sizes.Describe(ch)
}

// Collect sends the current counts.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	opened, closed := m.opened.Load(), m.closed.Load()
	counter(descOpened, opened)
	for c := range server.NumRefuseCauses {
		counter(descRefused, m.refused[c].Load(), c.String())
	}
	counter(descClosed, closed)
	ch <- prometheus.MustNewConstMetric(descOpen, prometheus.GaugeValue, float64(max(opened-closed, 0)))
	var failed int64
	for r := range m.hsFailed {
		n := m.hsFailed[r].Load()
		failed += n
		counter(descHSFail, n, handshakeFailureNames[r])
	}
	counter(descHS, m.hsOK.Load(), "ok")
	counter(descHS, failed, "failed")
	for i := range m.wsErrors {
		counter(descWSErr, m.wsErrors[i].Load(), closeCodeLabel(i))
	}
	counter(descBytes, m.bytesIn.Load(), "received")
	counter(descBytes, m.bytesOut.Load(), "sent")
	counter(descMsgs, m.msgsIn.Load(), "received")
	counter(descMsgs, m.msgsOut.Load(), "sent")
	counter(descLogs, m.logsDropped.Load())
	m.hsTime.Collect(ch)
	m.sizes.Collect(ch)
}

var (
	_ server.Observer    = (*Metrics)(nil)
	_ server.LogObserver = (*Metrics)(nil)
)
