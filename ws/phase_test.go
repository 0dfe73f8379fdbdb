package ws

import (
	"strings"
	"testing"
	"unsafe"
)

// The package's tests run with illegal phase changes panicking, so that a
// lifecycle bug fails the test that reaches it.
func init() { phases.Strict = true }

// legalPhaseChanges lists, independently of phases, every move of a
// Conn's lifecycle.
var legalPhaseChanges = map[[2]phase]string{
	{phaseHandshake, phaseOpen}:    "the upgrade succeeded (a client: at once)",
	{phaseHandshake, phaseRefused}: "the upgrade refused, or answered as a page",
	{phaseHandshake, phaseClosed}:  "the transport closed in the handshake",
	{phaseOpen, phaseClosing}:      "a Close sent or received, a failure, a hook's panic",
	{phaseOpen, phaseClosed}:       "the transport closed while open",
	{phaseClosing, phaseClosed}:    "the transport closed after the close began",
	{phaseRefused, phaseClosed}:    "the transport closed after the refusal",
	{phaseClosed, phaseGone}:       "OnDisconnected has run",
}

// TestConnPhases: every move the lifecycle lists is made, every other is
// refused with a panic naming it (as is a move from a phase the Conn is
// not in), and leaving the open phase closes notOpen exactly then.
func TestConnPhases(t *testing.T) {
	for from := phaseHandshake; from <= phaseGone; from++ {
		for to := phaseHandshake; to <= phaseGone; to++ {
			_, legal := legalPhaseChanges[[2]phase{from, to}]
			if got := phases.Allowed(from, to); got != legal {
				t.Errorf("phases.Allowed(%v, %v) = %v, want %v", from, to, got, legal)
			}
			for cur := phaseHandshake; cur <= phaseGone; cur++ {
				c := &Conn{phase: cur}
				notOpen := c.notOpenChan()
				moved, msg := tryConnPhase(c, from, to)
				ok := legal && cur == from
				switch {
				case ok && (!moved || c.phase != to || msg != ""):
					t.Errorf("in %v, %v -> %v: moved %v, phase %v, panic %q", cur, from, to, moved, c.phase, msg)
				case !ok && (c.phase != cur || !strings.Contains(msg, "ws: connection: illegal phase change "+from.String()+" -> "+to.String())):
					t.Errorf("in %v, %v -> %v refused: phase %v, panic %q", cur, from, to, c.phase, msg)
				}
				select {
				case <-notOpen:
					if c.phase < phaseClosing {
						t.Errorf("in %v, %v -> %v: notOpen closed in phase %v", cur, from, to, c.phase)
					}
				default:
					if c.phase >= phaseClosing {
						t.Errorf("in %v, %v -> %v: notOpen open in phase %v", cur, from, to, c.phase)
					}
				}
			}
		}
	}
	if phases.Allowed(phaseGone+1, phaseGone) {
		t.Error("a move from an unknown phase was accepted")
	}
}

// tryConnPhase calls c.setPhaseLocked(from, to) and reports what it
// returned and what it panicked with (phases.Strict is set in the tests).
func tryConnPhase(c *Conn, from, to phase) (moved bool, msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg, _ = r.(string)
		}
	}()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.setPhaseLocked(from, to), ""
}

// A Conn stays within the 256-byte size class it had before its lifecycle
// became a phase (TestIdleConnHeap measures the whole connection).
func TestConnSize(t *testing.T) {
	if n := unsafe.Sizeof(Conn{}); n > 256 {
		t.Errorf("unsafe.Sizeof(Conn{}) = %d, want at most 256", n)
	}
}
