package server

import (
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/logsafe"
	"github.com/tlskit/tlskit/internal/testpeer"
)

// TestLogFlood: a flood of refused connections writes at most the
// limiter's burst and rate of records, then a record of how many it
// dropped; together they account for every connection.
func TestLogFlood(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		h := &testpeer.SlogRecorder{}
		ev := echoEvents()
		ev.OnConnectionRequest = func(r *ConnectionRequest) { r.Accept = false }
		obs := &dropCounter{}
		s := start(t, engine, Options{Events: ev, Logger: slog.New(h), Observer: obs})
		const n = 400
		began := time.Now()
		for range n {
			// The server may reset it before Dial returns.
			if c, err := net.DialTimeout("tcp", s.Addr().String(), 5*time.Second); err == nil {
				_, _ = io.Copy(io.Discard, c) // until the server resets it
				c.Close()
			}
		}
		waitFor(t, "every refusal", func() bool {
			return refusedLines(h)+suppressedCount(t, h) == n
		})
		s.Close() // writes the last count
		elapsed := time.Since(began)
		lines, dropped := refusedLines(h), suppressedCount(t, h)
		if lines+dropped != n {
			t.Fatalf("%d refused records and %d suppressed, want %d in all\n%s", lines, dropped, n, h.Text())
		}
		if most := logsafe.DefaultBurst + int(elapsed.Seconds()*logsafe.DefaultRate) + 1; lines > most {
			t.Errorf("%d refused records in %v, want at most %d", lines, elapsed, most)
		}
		if dropped == 0 || obs.drops.Load() != int64(dropped) {
			t.Errorf("%d records suppressed, the LogObserver was told of %d", dropped, obs.drops.Load())
		}
	})
}

// dropCounter is a LogObserver that counts the dropped records.
type dropCounter struct {
	countingObserver
	drops atomic.Int64
}

func (d *dropCounter) LogRecordSuppressed() { d.drops.Add(1) }

func refusedLines(h *testpeer.SlogRecorder) int {
	return strings.Count(h.Text(), "INFO connection refused")
}

var suppressedRE = regexp.MustCompile(`WARN log records suppressed suppressed=(\d+)`)

// suppressedCount sums the counts of the "log records suppressed" records.
func suppressedCount(t *testing.T, h *testpeer.SlogRecorder) int {
	sum := 0
	for _, m := range suppressedRE.FindAllStringSubmatch(h.Text(), -1) {
		n, err := strconv.Atoi(m[1])
		if err != nil {
			t.Fatal(err)
		}
		sum += n
	}
	return sum
}

// TestLogPeerData: a TLS error that quotes what the client sent (20 KB of
// ALPN protocols the server does not speak) is logged escaped and cut.
func TestLogPeerData(t *testing.T) {
	pki := getPKI(t)
	forEachEngine(t, func(t *testing.T, engine string) {
		h := &testpeer.SlogRecorder{}
		cfg := pki.serverConfig()
		cfg.NextProtos = []string{"h2"}
		s := start(t, engine, Options{TLSConfig: cfg, Logger: slog.New(h)})
		cc := pki.clientConfig()
		for i := range 100 {
			cc.NextProtos = append(cc.NextProtos, fmt.Sprintf("%03d\n%s", i, strings.Repeat("x", 200)))
		}
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", s.Addr().String(), cc)
		if err == nil {
			c.Close()
			t.Fatal("the handshake succeeded")
		}
		waitFor(t, "a handshake failed record", func() bool { return h.Has("INFO handshake failed") })
		for _, l := range strings.Split(h.Text(), "\n") {
			if len(l) > 1024 {
				t.Errorf("a %d-byte record: %.200s...", len(l), l)
			}
			if strings.Contains(l, "handshake failed") && (!strings.Contains(l, "cause=tls: client requested unsupported application protocols") || !strings.HasSuffix(l, " bytes)")) {
				t.Errorf("the TLS error is not there, cut: %.400s", l)
			}
		}
	})
}
