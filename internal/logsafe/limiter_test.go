package logsafe

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for the timer's goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Split(strings.TrimSpace(b.b.String()), "\n")
}

func TestLimiterFlood(t *testing.T) {
	t.Parallel()
	var buf lockedBuffer
	// A rate of one record an hour: only the burst passes in this test.
	var drops atomic.Int64
	lim := NewLimiter(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}),
		LimitOptions{Burst: 5, Rate: 1.0 / 3600, Interval: time.Hour, OnDrop: func() { drops.Add(1) }})
	log := slog.New(lim).With("conn", 1)
	for range 1000 {
		log.Info("connection refused")
		log.Debug("detail") // below MinLevel: not limited
	}
	if got := lim.Suppressed(); got != 995 || drops.Load() != 995 {
		t.Errorf("Suppressed() = %d, OnDrop called %d times, want 995", got, drops.Load())
	}
	lim.Close()
	lim.Close()
	lines := buf.lines()
	var info, debug, summaries int
	for _, l := range lines {
		switch {
		case strings.Contains(l, "msg=\"connection refused\""):
			info++
		case strings.Contains(l, "msg=detail"):
			debug++
		case strings.Contains(l, `level=WARN msg="log records suppressed" suppressed=995 total=995`):
			summaries++
		default:
			t.Errorf("unexpected line %q", l)
		}
	}
	if info != 5 || debug != 1000 || summaries != 1 {
		t.Errorf("%d Info lines, %d Debug, %d summaries; want 5, 1000, 1", info, debug, summaries)
	}
	log.Info("after Close") // counted only
	if n := len(buf.lines()); n != len(lines) {
		t.Errorf("a record after Close was written")
	}
}

// TestLimiterSummaryTimer checks that the summary comes Interval after
// the first dropped record, without Close.
func TestLimiterSummaryTimer(t *testing.T) {
	t.Parallel()
	done := make(chan slog.Record, 1)
	h := recordFunc(func(r slog.Record) {
		if r.Message == "log records suppressed" {
			done <- r
		}
	})
	lim := NewLimiter(h, LimitOptions{Burst: 1, Rate: 1.0 / 3600, Interval: time.Millisecond})
	defer lim.Close()
	log := slog.New(lim)
	log.Warn("one")
	log.Warn("two")
	log.Error("three")
	select {
	case r := <-done:
		var n uint64
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "suppressed" {
				n = a.Value.Uint64()
			}
			return true
		})
		if n != 2 {
			t.Errorf("summary says %d suppressed, want 2", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no summary within 10 s")
	}
}

type recordFunc func(slog.Record)

func (f recordFunc) Enabled(context.Context, slog.Level) bool      { return true }
func (f recordFunc) Handle(_ context.Context, r slog.Record) error { f(r); return nil }
func (f recordFunc) WithAttrs([]slog.Attr) slog.Handler            { return f }
func (f recordFunc) WithGroup(string) slog.Handler                 { return f }
