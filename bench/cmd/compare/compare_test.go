package main

import (
	"strings"
	"testing"

	"github.com/tlskit/tlskit/bench/servers"
	"github.com/tlskit/tlskit/internal/loadgen"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1}, 3}, {[]float64{9, 1, 5}, 5},
	}
	for _, tc := range tests {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestBaseAndRatios(t *testing.T) {
	sums := []summary{
		{name: "gnet", proto: "tcp", msgs: 150},
		{name: "tlskit-tcp", proto: "tcp", ours: true, msgs: 100},
		{name: "gorilla", proto: "ws", msgs: 80},
		{name: "gws", proto: "ws", msgs: 120},
	}
	if b := baseOf(sums, "tcp"); sums[b].name != "tlskit-tcp" {
		t.Errorf("tcp base %s, want tlskit's", sums[b].name)
	}
	if b := baseOf(sums, "ws"); sums[b].name != "gorilla" {
		t.Errorf("ws base %s, want the first", sums[b].name)
	}
	if baseOf(sums, "tls") != -1 {
		t.Error("a base for an absent protocol")
	}
	if got := ratio(150, 100); got != "1.50" {
		t.Errorf("ratio %s", got)
	}
	if got := ratio(1, 0); got != "–" {
		t.Errorf("ratio to zero %s", got)
	}
}

func TestSummarize(t *testing.T) {
	res := func(msgs float64, errs map[string]int64) *loadgen.Result {
		return &loadgen.Result{MsgsPerSec: msgs, Errors: errs}
	}
	r := &serverResult{samples: []sample{
		{echo: res(100, nil), hs: res(0, nil), baseRSS: 1000, idleKB: 3000},
		{echo: res(300, map[string]int64{"lost": 2}), hs: res(0, nil), baseRSS: 1000, idleKB: 5000},
	}}
	s := summarize(r, 1000)
	if s.msgs != 200 || s.kibPer != 3 || s.errors["lost"] != 2 || len(s.msgsByRound) != 2 {
		t.Fatalf("summary %+v", s)
	}
	if errorText(s) != "lost 2" {
		t.Fatalf("errors %q", errorText(s))
	}
	// Idle connections dialled again after a failure are errors too.
	r.samples[0].idleRedials, r.samples[0].idleRedialErr = 1, "remote error: tls: internal error"
	s = summarize(r, 1000)
	if got := s.errors["idle connection failed, dialled again"]; got != 1 || s.samples["idle connection failed, dialled again"] == "" {
		t.Fatalf("redials %d, sample %q", got, s.samples["idle connection failed, dialled again"])
	}
}

func TestIdleTargets(t *testing.T) {
	sums := []summary{
		{name: "gws", proto: "ws"},
		{name: "gws-wss", proto: "wss"},
		{name: "gwsx", proto: "ws"},
	}
	if i := peerOf(sums, "ws", "gws"); i != 0 {
		t.Errorf("ws peer %d, want 0", i)
	}
	if i := peerOf(sums, "wss", "gws"); i != 1 {
		t.Errorf("wss peer %d, want 1", i)
	}
	if i := peerOf(sums, "tls", "gws"); i != -1 {
		t.Errorf("tls peer %d, want none", i)
	}
	tests := []struct {
		proto string
		kib   float64
		want  string
	}{
		{proto: "ws", kib: 1.5, want: "≤ 1.5: met"},
		{proto: "ws", kib: 1.6, want: "≤ 1.5: **missed**"},
		{proto: "wss", kib: 7.9, want: "≤ 8: met"},
		{proto: "wss", kib: 9, want: "≤ 8: **missed**"},
		{proto: "tcp", kib: 100, want: ""},
	}
	for _, tc := range tests {
		if got := idleTarget(tc.proto, tc.kib); got != tc.want {
			t.Errorf("idleTarget(%s, %v) = %q, want %q", tc.proto, tc.kib, got, tc.want)
		}
	}
}

func TestChartLabel(t *testing.T) {
	for name, want := range map[string]string{"tlskit-wss-portable": "tk-wss-pt", "tlskit-tcp-epoll": "tk-tcp-ep", "gorilla-wss": "gorilla-wss"} {
		if got := chartLabel(name); got != want {
			t.Errorf("chartLabel(%s) = %s, want %s", name, got, want)
		}
	}
}

// TestDeflateText: the report says permessage-deflate is off everywhere
// only when no *-deflate server ran.
func TestDeflateText(t *testing.T) {
	plain := []*serverResult{{s: servers.Server{Name: "gws", Proto: "ws"}}}
	if got := deflateText(plain); !strings.HasPrefix(got, "No server uses permessage-deflate") {
		t.Errorf("without deflate servers: %q", got)
	}
	mixed := append(plain, &serverResult{s: servers.Server{Name: "gws-deflate", Proto: "ws", Deflate: true}})
	if got := deflateText(mixed); strings.Contains(got, "No server") || !strings.Contains(got, "*-deflate") {
		t.Errorf("with a deflate server: %q", got)
	}
}
