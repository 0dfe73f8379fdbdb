package metrics_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/tlskit/tlskit/metrics"
	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/ws"
)

// Wiring metrics: one Metrics observes a WebSocket server, is registered
// in a Prometheus registry, and the registry is served at /metrics.
func Example() {
	m := metrics.New()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	scrape := httptest.NewServer(mux) // in a program: http.ListenAndServe("127.0.0.1:9090", mux)
	defer scrape.Close()

	srv, err := ws.NewServer(ws.Options{
		Server:   server.Options{LocalHost: "127.0.0.1"},
		Observer: m,
		Events: ws.Events{OnDataIn: func(c *ws.Conn, f ws.DataFormat, data []byte, _, _ bool) {
			_, _ = c.SendMessage(ws.SendFormatOf(f), data)
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := srv.StartListening(); err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, srv.URL(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = c.WriteMessage(ctx, ws.DataText, []byte("counted"))
	_, _, _ = c.ReadMessage(ctx)

	resp, err := http.Get(scrape.URL + "/metrics")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "tlskit_connections_open ") || strings.HasPrefix(sc.Text(), "tlskit_connections_opened_total") {
			fmt.Println(sc.Text())
		}
	}
	_ = c.Disconnect()
	<-c.Done()
	// Output:
	// tlskit_connections_open 1
	// tlskit_connections_opened_total 1
}
