package metrics

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"

	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/tlsconf"
	"github.com/tlskit/tlskit/ws"
)

// find returns the gathered metric name whose labels include label (e.g.
// "result=ok"; "" for the first), or nil.
func find(t *testing.T, reg *prometheus.Registry, name, label string) *dto.Metric {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if label == "" {
				return m
			}
			for _, l := range m.GetLabel() {
				if l.GetName()+"="+l.GetValue() == label {
					return m
				}
			}
		}
	}
	return nil
}

// value returns the gathered value of metric name whose labels include
// label (see find), a histogram's sample count, or -1 if there is none.
func value(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	m := find(t, reg, name, label)
	switch {
	case m == nil:
		return -1
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	case m.GetHistogram() != nil:
		return float64(m.GetHistogram().GetSampleCount())
	}
	return m.GetGauge().GetValue()
}

// startWSEcho starts a WebSocket echo server with o on 127.0.0.1,
// observed by a new Metrics in the registry it returns with its address.
func startWSEcho(t *testing.T, o server.Options) (string, *prometheus.Registry) {
	t.Helper()
	m := New()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	o.LocalHost = "127.0.0.1"
	s, err := ws.NewServer(ws.Options{
		Server:   o,
		Observer: m,
		Events: ws.Events{OnDataIn: func(c *ws.Conn, f ws.DataFormat, data []byte, _, _ bool) {
			_, _ = c.SendMessage(ws.SendFormatOf(f), data)
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.StartListening(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.TCP().Addr().String(), reg
}

// waitValue waits until metric name (with label) is want.
func waitValue(t *testing.T, reg *prometheus.Registry, name, label string, want float64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := value(t, reg, name, label)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s{%s} = %v, want %v", name, label, got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestWebSocketServerMetrics drives a wss server with known traffic on
// each engine and reads the counts back from the registry and from the
// text exposition.
func TestWebSocketServerMetrics(t *testing.T) {
	cert, _ := testCert(t)
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			addr, reg := startWSEcho(t, server.Options{Engine: server.Engine(engine), MaxConnections: 3,
				TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}})

			// A client that does not speak TLS: admitted, then its
			// handshake fails and it ends.
			raw, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = raw.Write([]byte("GET / HTTP/1.1\r\n\r\n"))
			_, _ = io.Copy(io.Discard, raw)
			raw.Close()
			waitValue(t, reg, "tlskit_tls_handshakes_total", "result=failed", 1)
			waitValue(t, reg, "tlskit_connections_closed_total", "", 1)

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			opts := &ws.DialOptions{TLS: tlsconf.Options{Config: &tls.Config{InsecureSkipVerify: true}}}
			var clients []*ws.Conn
			for range 3 {
				c, err := ws.Dial(ctx, "wss://"+addr+"/", opts)
				if err != nil {
					t.Fatal(err)
				}
				clients = append(clients, c)
				for range 2 {
					if err := c.WriteMessage(ctx, ws.DataText, []byte("hello")); err != nil {
						t.Fatal(err)
					}
					if _, data, err := c.ReadMessage(ctx); err != nil || string(data) != "hello" {
						t.Fatalf("echo %q, %v", data, err)
					}
				}
			}
			waitValue(t, reg, "tlskit_connections_open", "", 3)
			// A fourth is over MaxConnections.
			if c, err := ws.Dial(ctx, "wss://"+addr+"/", opts); err == nil {
				c.Disconnect()
				t.Fatal("a connection over MaxConnections was upgraded")
			}
			waitValue(t, reg, "tlskit_connections_refused_total", "cause=max_connections", 1)
			clients[0].Disconnect()
			<-clients[0].Done()
			waitValue(t, reg, "tlskit_connections_open", "", 2)

			for _, tc := range []struct {
				name, label string
				want        float64
			}{
				{"tlskit_connections_opened_total", "", 4},
				{"tlskit_connections_closed_total", "", 2},
				{"tlskit_tls_handshakes_total", "result=ok", 3},
				{"tlskit_tls_handshakes_total", "result=failed", 1},
				{"tlskit_tls_handshake_seconds", "", 3}, // its sample count: the handshakes that succeeded
				{"tlskit_websocket_messages_total", "direction=received", 6},
				{"tlskit_websocket_messages_total", "direction=sent", 6},
			} {
				if got := value(t, reg, tc.name, tc.label); got != tc.want {
					t.Errorf("%s{%s} = %v, want %v", tc.name, tc.label, got, tc.want)
				}
			}
			// Bytes after TLS: three upgrades and six messages at least,
			// each way.
			for _, dir := range []string{"received", "sent"} {
				if got := value(t, reg, "tlskit_bytes_total", "direction="+dir); got < 3*100+6*5 {
					t.Errorf("tlskit_bytes_total{direction=%s} = %v: too few", dir, got)
				}
			}

			rec := httptest.NewRecorder()
			promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
			for _, want := range []string{
				"# TYPE tlskit_connections_opened_total counter",
				"tlskit_connections_open 2",
				`tlskit_websocket_messages_total{direction="sent"} 6`,
				"tlskit_tls_handshake_seconds_count 3",
				`tlskit_tls_handshake_seconds_bucket{le="+Inf"} 3`,
			} {
				if !strings.Contains(rec.Body.String(), want) {
					t.Errorf("exposition lacks %q:\n%s", want, rec.Body.String())
				}
			}
			for _, c := range clients[1:] {
				c.Disconnect()
			}
		})
	}
}

// histogram returns the gathered histogram name whose labels include label.
func histogram(t *testing.T, reg *prometheus.Registry, name, label string) *dto.Histogram {
	t.Helper()
	m := find(t, reg, name, label)
	if m.GetHistogram() == nil {
		t.Fatalf("no histogram %s{%s}", name, label)
	}
	return m.GetHistogram()
}
