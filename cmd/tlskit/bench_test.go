package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"image/png"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// echoListener echoes whatever each connection sends, for the CLI tests.
func echoListener(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				io.Copy(c, c)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

func runBench(t *testing.T, ctx context.Context, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := newRootCmd()
	var o, e bytes.Buffer
	cmd.SetArgs(append([]string{"bench"}, args...))
	cmd.SetOut(&o)
	cmd.SetErr(&e)
	err = cmd.ExecuteContext(ctx)
	return o.String(), e.String(), err
}

func TestBenchTCP(t *testing.T) {
	dir := t.TempDir()
	addr := echoListener(t, nil)
	jsonFile, chartFile := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.png")
	out, status, err := runBench(t, context.Background(), "tcp://"+addr, "--conns", "3", "--size", "128",
		"--duration", "1200ms", "--warmup", "200ms", "--json", jsonFile, "--chart", chartFile, "--pid", strconv.Itoa(os.Getpid()))
	if err != nil {
		t.Fatalf("%v\n%s%s", err, status, out)
	}
	for _, want := range []string{"connections    3 opened, 0 failed", "msg/s", "MB/s", "p50", "p99.9", "server memory", "errors         none", "wrote " + jsonFile, "wrote " + chartFile} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Not a terminal: one plain progress line per second, no redraws.
	if !strings.Contains(status, "3 connections, 128-byte messages") || !strings.Contains(status, "msg/s  3 open") || strings.Contains(status, "\r") {
		t.Errorf("progress output:\n%q", status)
	}
	var res struct {
		Conns       int                `json:"conns"`
		ConnsOpened int                `json:"conns_opened"`
		Messages    int64              `json:"messages"`
		MsgsPerSec  float64            `json:"msgs_per_s"`
		Latency     map[string]float64 `json:"latency"`
		Errors      map[string]int64   `json:"errors"`
		Timeline    []map[string]any   `json:"timeline"`
	}
	b, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if res.Conns != 3 || res.ConnsOpened != 3 || res.Messages == 0 || res.MsgsPerSec <= 0 || res.Latency["p99_us"] <= 0 || len(res.Errors) != 0 || len(res.Timeline) == 0 {
		t.Fatalf("JSON result: %+v", res)
	}
	f, err := os.Open(chartFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatalf("chart: %v", err)
	}
}

func TestBenchTLSTrust(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	mustCLI(t, "cert", "new", "127.0.0.1", "--out-cert", "c.pem", "--out-key", "k.pem")
	cert, err := tls.LoadX509KeyPair("c.pem", "k.pem")
	if err != nil {
		t.Fatal(err)
	}
	url := "tls://" + echoListener(t, &tls.Config{Certificates: []tls.Certificate{cert}})
	for _, trust := range [][]string{{"--ca", "c.pem"}, {"--insecure"}} {
		out, status, err := runBench(t, context.Background(), append([]string{url, "--duration", "300ms"}, trust...)...)
		if err != nil || !strings.Contains(out, "1 opened, 0 failed") {
			t.Fatalf("%v: %v\n%s%s", trust, err, status, out)
		}
	}
	// Without trust the handshake fails and is reported by kind.
	out, _, err := runBench(t, context.Background(), url, "--duration", "300ms", "--conns", "2")
	if err == nil || !strings.Contains(out, "0 opened, 2 failed") || !strings.Contains(out, "handshake 2") {
		t.Fatalf("untrusted server: %v\n%s", err, out)
	}
	out, _, err = runBench(t, context.Background(), url, "--handshakes", "--ca", "c.pem", "--duration", "300ms", "--conns", "2")
	if err != nil || !strings.Contains(out, "(handshakes)") || !strings.Contains(out, "handshake latency  p50") {
		t.Fatalf("handshakes: %v\n%s", err, out)
	}
}

func TestBenchRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	out, _, err := runBench(t, context.Background(), "tcp://"+addr, "--conns", "4", "--duration", "200ms")
	if err == nil || !strings.Contains(err.Error(), "no connection could be opened") {
		t.Fatalf("err %v", err)
	}
	if !strings.Contains(out, "0 opened, 4 failed") || !strings.Contains(out, "dial 4") {
		t.Fatalf("table:\n%s", out)
	}
}

func TestBenchInterrupt(t *testing.T) {
	addr := echoListener(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	begin := time.Now()
	out, _, err := runBench(t, ctx, "tcp://"+addr, "--duration", "1m")
	if err == nil || !strings.Contains(err.Error(), "interrupted") || time.Since(begin) > 5*time.Second {
		t.Fatalf("err %v after %v", err, time.Since(begin))
	}
	if !strings.Contains(out, "interrupted  yes") {
		t.Fatalf("table:\n%s", out)
	}
}

// --deflate is negotiated with a ws.Server (deflate on by default) and
// reported; the echoes are checked after inflating them.
func TestBenchDeflate(t *testing.T) {
	t.Parallel()
	p := startWSPeer(t)
	out, status, err := runBench(t, context.Background(), p.url+"/", "--deflate", "--conns", "2", "--size", "512", "--duration", "300ms")
	if err != nil {
		t.Fatalf("%v\n%s%s", err, status, out)
	}
	for _, want := range []string{"permessage-deflate offered", "offered, negotiated on 2 of 2", "errors              none"} {
		if !strings.Contains(status+out, want) {
			t.Errorf("output lacks %q:\n%s%s", want, status, out)
		}
	}
}

func TestBenchFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "no url", args: nil, want: "accepts 1 arg"},
		{name: "insecure on tcp", args: []string{"tcp://127.0.0.1:1", "--insecure"}, want: "only to tls:// and wss://"},
		{name: "insecure and ca", args: []string{"tls://127.0.0.1:1", "--insecure", "--ca", "x.pem"}, want: "conflict"},
		{name: "ca not pem", args: []string{"tls://127.0.0.1:1", "--ca", os.DevNull}, want: "no PEM certificate"},
		{name: "size", args: []string{"tcp://127.0.0.1:1", "--size", "8"}, want: "size"},
		{name: "scheme", args: []string{"udp://127.0.0.1:1"}, want: "not supported"},
		{name: "deflate on tcp", args: []string{"tcp://127.0.0.1:1", "--deflate"}, want: "needs a ws:// or wss:// URL"},
		{name: "rate with handshakes", args: []string{"tcp://127.0.0.1:1", "--handshakes", "--rate", "5"}, want: "--rate does not apply"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runBench(t, context.Background(), tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}
