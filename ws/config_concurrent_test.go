package ws

import (
	"strconv"
	"sync"
	"testing"
)

// Config calls made at once on different settings all take effect: each
// one changes the options as they are then, none overwrites another's
// change with the copy it read before.
func TestConfigConcurrentSettingsAllApply(t *testing.T) {
	t.Parallel()
	h, err := NewHandler(HandlerOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"MaxFrameSize", "MaxLineLength", "LogLevel", "DisconnectStatusCode", "DisconnectStatusDescription"}
	for round := 1; round <= 2000; round++ {
		var wg sync.WaitGroup
		var start sync.WaitGroup
		start.Add(1)
		for i, name := range names {
			v := concurrentValue(name, round, i)
			wg.Add(1)
			go func() {
				defer wg.Done()
				start.Wait()
				if _, err := h.Config(name + "=" + v); err != nil {
					t.Error(err)
				}
			}()
		}
		start.Done()
		wg.Wait()
		for i, name := range names {
			want := concurrentValue(name, round, i)
			if got, err := h.Config(name); err != nil || got != want {
				t.Fatalf("round %d: %s = %q (%v) after setting it to %s at the same time as the others", round, name, got, err, want)
			}
		}
	}
}

// concurrentValue is the value the concurrent test gives setting name (the i-th) in
// a round: valid, and different from the round before.
func concurrentValue(name string, round, i int) string {
	switch name {
	case "LogLevel":
		return strconv.Itoa(1 + round%3)
	case "DisconnectStatusCode":
		return strconv.Itoa(4000 + round%3)
	}
	return strconv.Itoa(1000 + round%3 + i)
}
