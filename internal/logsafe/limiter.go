package logsafe

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Default limits of a Limiter whose LimitOptions fields are zero.
const (
	DefaultBurst    = 100
	DefaultRate     = 10 // records a second
	DefaultInterval = time.Second
)

// LimitOptions configure a Limiter. Zero fields take the defaults above.
type LimitOptions struct {
	// Burst is how many records may pass at once, Rate how many a second
	// after that (a token bucket).
	Burst int
	Rate  float64
	// Interval is how long after the first record it dropped the Limiter
	// writes a Warn record with the count of the records it dropped since
	// its last such record.
	Interval time.Duration
	// MinLevel is the lowest level that is limited; records below it
	// (Debug, by default) always pass. The zero value is slog.LevelInfo.
	MinLevel slog.Level
	// OnDrop, if set, is called for each record dropped (for a metric),
	// on the goroutine that logged it. It must be cheap and not log.
	OnDrop func()
}

// A Limiter is a slog.Handler that passes records to another Handler,
// except those at or above MinLevel beyond its token bucket's burst and
// rate: it drops them, counts them (Suppressed), and Interval after the
// first one it dropped writes one Warn record "log records suppressed"
// with their count. Handlers derived with WithAttrs and WithGroup share
// their Limiter's bucket and counts. Close writes the last count.
type Limiter struct {
	h  slog.Handler
	st *limitState
}

type limitState struct {
	base     slog.Handler // for the summaries: without derived attributes
	burst    float64
	rate     float64
	interval time.Duration
	minLevel slog.Level
	onDrop   func()
	total    atomic.Uint64

	mu      sync.Mutex
	tokens  float64
	last    time.Time
	dropped uint64      // since the last summary
	timer   *time.Timer // pending summary, nil if none
	closed  bool
	running sync.WaitGroup // a timer's flush
}

// NewLimiter returns a Limiter in front of h.
func NewLimiter(h slog.Handler, o LimitOptions) *Limiter {
	if o.Burst <= 0 {
		o.Burst = DefaultBurst
	}
	if o.Rate <= 0 {
		o.Rate = DefaultRate
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	return &Limiter{h: h, st: &limitState{
		base: h, burst: float64(o.Burst), rate: o.Rate, interval: o.Interval,
		minLevel: o.MinLevel, onDrop: o.OnDrop, tokens: float64(o.Burst), last: time.Now(),
	}}
}

// Enabled reports whether the Handler behind l handles level.
func (l *Limiter) Enabled(ctx context.Context, level slog.Level) bool {
	return l.h.Enabled(ctx, level)
}

// Handle passes r on, unless the bucket is empty.
func (l *Limiter) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= l.st.minLevel && !l.st.take() {
		if l.st.onDrop != nil {
			l.st.onDrop()
		}
		return nil
	}
	return l.h.Handle(ctx, r)
}

// WithAttrs returns a Limiter with the same bucket in front of
// h.WithAttrs(attrs).
func (l *Limiter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &Limiter{h: l.h.WithAttrs(attrs), st: l.st}
}

// WithGroup returns a Limiter with the same bucket in front of
// h.WithGroup(name).
func (l *Limiter) WithGroup(name string) slog.Handler {
	return &Limiter{h: l.h.WithGroup(name), st: l.st}
}

// Suppressed returns how many records l (and the Handlers derived from
// it) dropped since it was made.
func (l *Limiter) Suppressed() uint64 { return l.st.total.Load() }

// Close writes the count of the records dropped since the last summary,
// if any, and stops the summaries: records dropped after Close are only
// counted.
func (l *Limiter) Close() {
	st := l.st
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return
	}
	st.closed = true
	if st.timer != nil && st.timer.Stop() {
		st.running.Done() // its flush will not run
	}
	st.timer = nil
	n := st.dropped
	st.dropped = 0
	st.mu.Unlock()
	st.running.Wait()
	st.summary(n)
}

// take takes a token, or counts a dropped record and reports false.
func (st *limitState) take() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	now := time.Now()
	if d := now.Sub(st.last); d > 0 {
		st.tokens = min(st.burst, st.tokens+d.Seconds()*st.rate)
	}
	st.last = now
	if st.tokens >= 1 {
		st.tokens--
		return true
	}
	st.dropped++
	st.total.Add(1)
	if st.timer == nil && !st.closed {
		st.running.Add(1)
		st.timer = time.AfterFunc(st.interval, st.flush)
	}
	return false
}

// flush writes the summary the timer was set for.
func (st *limitState) flush() {
	defer st.running.Done()
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return
	}
	n := st.dropped
	st.dropped, st.timer = 0, nil
	st.mu.Unlock()
	st.summary(n)
}

func (st *limitState) summary(n uint64) {
	if n == 0 || !st.base.Enabled(context.Background(), slog.LevelWarn) {
		return
	}
	r := slog.NewRecord(time.Now(), slog.LevelWarn, "log records suppressed", 0)
	r.AddAttrs(slog.Uint64("suppressed", n), slog.Uint64("total", st.total.Load()))
	_ = st.base.Handle(context.Background(), r)
}
