package server

import (
	"strings"
	"testing"
)

// The package's tests run with illegal phase changes panicking, so that a
// lifecycle bug fails the test that reaches it.
func init() { phases.Strict = true }

// legalPhaseChanges lists, independently of phases, every move of a
// Conn's lifecycle.
var legalPhaseChanges = map[[2]phase]string{
	{phaseAccepted, phaseConnected}: "OnOpen succeeded",
	{phaseAccepted, phaseFailed}:    "the handshake failed",
	{phaseAccepted, phaseClosed}:    "refused, or closed by the engine before OnOpen",
	{phaseConnected, phaseClosed}:   "OnClose",
	{phaseFailed, phaseClosed}:      "OnClose after the failed handshake",
}

func TestConnPhaseTransitions(t *testing.T) {
	for from := phaseAccepted; from <= phaseClosed; from++ {
		for to := phaseAccepted; to <= phaseClosed; to++ {
			_, legal := legalPhaseChanges[[2]phase{from, to}]
			if got := phases.Allowed(from, to); got != legal {
				t.Errorf("phases.Allowed(%v, %v) = %v, want %v", from, to, got, legal)
			}
			c := &Conn{phase: from}
			moved, panicked := tryPhase(c, from, to)
			if legal && (!moved || panicked || c.phase != to) {
				t.Errorf("legal %v -> %v: moved %v, panicked %v, phase %v", from, to, moved, panicked, c.phase)
			}
			if !legal && (!panicked || c.phase != from) {
				t.Errorf("illegal %v -> %v: panicked %v, phase %v", from, to, panicked, c.phase)
			}
			// Claiming the wrong current phase is refused, whatever the move.
			for cur := phaseAccepted; cur <= phaseClosed; cur++ {
				if cur == from {
					continue
				}
				c := &Conn{phase: cur}
				if _, panicked := tryPhase(c, from, to); !panicked || c.phase != cur {
					t.Errorf("in phase %v, setPhaseLocked(%v, %v): panicked %v, phase %v", cur, from, to, panicked, c.phase)
				}
			}
		}
	}
	if phases.Allowed(phaseClosed+1, phaseClosed) {
		t.Error("a move from an unknown phase was accepted")
	}
}

// tryPhase calls c.setPhaseLocked(from, to) and reports what it returned
// and whether it panicked (phases.Strict is set in the tests).
func tryPhase(c *Conn, from, to phase) (moved, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			s, _ := r.(string)
			panicked = strings.Contains(s, from.String()+" -> "+to.String())
		}
	}()
	return c.setPhaseLocked(from, to), false
}
