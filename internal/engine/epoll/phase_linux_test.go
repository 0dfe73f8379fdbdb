package epoll

import (
	"strings"
	"testing"
)

// The package's tests run with illegal phase changes panicking, so that a
// lifecycle bug fails the test that reaches it.
func init() { phases.Strict = true }

// legalPhaseChanges lists, independently of phases, every move of a
// connection's lifecycle.
var legalPhaseChanges = map[[2]phase]string{
	{phaseProxy, phaseNew}:         "the PROXY header is read: Accept",
	{phaseProxy, phaseFinished}:    "the PROXY header failed: reset",
	{phaseNew, phaseStarted}:       "Start",
	{phaseNew, phaseFinished}:      "Close or Reset before Start",
	{phaseStarted, phaseOpen}:      "begin registers it",
	{phaseStarted, phaseClosing}:   "Close or Reset before begin",
	{phaseOpen, phaseClosing}:      "Close, Reset or the peer's FIN",
	{phaseOpen, phaseEnding}:       "an end while the handshake goroutine runs",
	{phaseOpen, phaseFinished}:     "an error, a handshake failure or timeout",
	{phaseClosing, phaseNotified}:  "close_notify queued",
	{phaseClosing, phaseDraining}:  "FIN sent (plain)",
	{phaseClosing, phaseEnding}:    "an end while the handshake goroutine runs",
	{phaseClosing, phaseFinished}:  "Reset, a write error, a close during the handshake",
	{phaseNotified, phaseDraining}: "FIN sent after close_notify",
	{phaseNotified, phaseEnding}:   "an end while the handshake goroutine runs",
	{phaseNotified, phaseFinished}: "Reset, a write error, the linger deadline",
	{phaseDraining, phaseEnding}:   "an end while the handshake goroutine runs",
	{phaseDraining, phaseFinished}: "the peer's FIN, Reset, the peer-wait deadline",
	{phaseEnding, phaseFinished}:   "the handshake goroutine returned",
}

func TestPhaseTransitions(t *testing.T) {
	for from := phaseProxy; from <= phaseFinished; from++ {
		for to := phaseProxy; to <= phaseFinished; to++ {
			_, legal := legalPhaseChanges[[2]phase{from, to}]
			if got := phases.Allowed(from, to); got != legal {
				t.Errorf("phases.Allowed(%v, %v) = %v, want %v", from, to, got, legal)
			}
			c := &conn{phase: from}
			moved, panicked := tryPhase(c, from, to)
			if legal && (!moved || panicked || c.phase != to) {
				t.Errorf("legal %v -> %v: moved %v, panicked %v, phase %v", from, to, moved, panicked, c.phase)
			}
			if !legal && (!panicked || c.phase != from) {
				t.Errorf("illegal %v -> %v: panicked %v, phase %v", from, to, panicked, c.phase)
			}
			// Claiming the wrong current phase is refused, whatever the move.
			for cur := phaseProxy; cur <= phaseFinished; cur++ {
				if cur == from {
					continue
				}
				c := &conn{phase: cur}
				if _, panicked := tryPhase(c, from, to); !panicked || c.phase != cur {
					t.Errorf("in phase %v, setPhaseLocked(%v, %v): panicked %v, phase %v", cur, from, to, panicked, c.phase)
				}
			}
		}
	}
	// A phase beyond the table is refused, not an index out of range.
	if phases.Allowed(phaseFinished+1, phaseFinished) {
		t.Error("a move from an unknown phase was accepted")
	}
}

// tryPhase calls c.setPhaseLocked(from, to) and reports what it returned
// and whether it panicked (phases.Strict is set in the tests).
func tryPhase(c *conn, from, to phase) (moved, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			panicked = true
		}
	}()
	return c.setPhaseLocked(from, to), false
}

func TestPhaseIllegalPanicsWhenStrict(t *testing.T) {
	defer func() {
		r := recover()
		s, _ := r.(string)
		if !strings.Contains(s, "finished -> finished") {
			t.Fatalf("recovered %v, want a panic naming the illegal move", r)
		}
	}()
	c := &conn{phase: phaseFinished} // a second finish, as a second end would make
	c.setPhaseLocked(phaseFinished, phaseFinished)
}
