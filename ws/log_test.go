package ws

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
)

// TestLogPeerData: what a client sends (a 4,000-byte URI, a close reason
// with a line break) is escaped and cut in the Log records.
func TestLogPeerData(t *testing.T) {
	t.Parallel()
	h := &testpeer.SlogRecorder{}
	s := startServer(t, Options{Conn: ConnOptions{LogLevel: LogVerbose}, Logger: slog.New(h), Events: echoEvents()})
	path := "/" + strings.Repeat("a", 4000)
	c := dialT(t, s.URL()+path, nil)
	if err := c.Close(CloseNormal, "bye\nlevel=ERROR msg=forged"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, want := range []string{
		"INFO WebSocket open: /" + strings.Repeat("a", 200),
		"...(4001 bytes)",
		`bye\nlevel=ERROR msg=forged`,
	} {
		for !strings.Contains(h.Text(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("no record with %q:\n%.2000s", want, h.Text())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	for _, l := range strings.Split(h.Text(), "\n") {
		if len(l) > 2048 {
			t.Errorf("a %d-byte record: %.300s", len(l), l)
		}
		if strings.Contains(l, "msg=forged") && !strings.Contains(l, "bye") {
			t.Errorf("a close reason's line break went into the log: %q", l)
		}
	}
}
