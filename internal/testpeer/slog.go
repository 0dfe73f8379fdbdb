package testpeer

import (
	"context"
	"log/slog"
	"strings"
	"sync"
)

// SlogRecorder is a slog.Handler that keeps every record as a text line,
// "LEVEL message key=value ...", for tests of structured logging.
type SlogRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (h *SlogRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *SlogRecorder) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *SlogRecorder) WithGroup(string) slog.Handler            { return h }

func (h *SlogRecorder) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.String())
		return true
	})
	h.mu.Lock()
	h.lines = append(h.lines, b.String())
	h.mu.Unlock()
	return nil
}

// Text returns the records so far, one a line.
func (h *SlogRecorder) Text() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Join(h.lines, "\n")
}

// Has reports whether one record contains every part.
func (h *SlogRecorder) Has(parts ...string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, l := range h.lines {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(l, p)
		}
		if all {
			return true
		}
	}
	return false
}
