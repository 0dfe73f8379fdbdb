package lifecycle

import (
	"strings"
	"testing"
)

type phase uint8

const (
	a phase = iota
	b
	c
)

func table(strict bool) *Table[phase] {
	return &Table[phase]{What: "test: conn", Names: []string{"a", "b", "c"},
		Next: []uint32{a: 1<<b | 1<<c, b: 1 << c}, Strict: strict}
}

// TestMove: the moves the table lists are made; the others, and a move
// whose from is not the current phase, are refused (reported false, or a
// panic naming the move when Strict), leaving the phase as it was.
func TestMove(t *testing.T) {
	allowed := map[[2]phase]bool{{a, b}: true, {a, c}: true, {b, c}: true}
	for _, strict := range []bool{false, true} {
		tb := table(strict)
		for from := a; from <= c+1; from++ {
			for to := a; to <= c+1; to++ {
				if got := tb.Allowed(from, to); got != allowed[[2]phase{from, to}] {
					t.Errorf("Allowed(%v, %v) = %v", from, to, got)
				}
				for cur := a; cur <= c; cur++ {
					p := cur
					moved, msg := try(tb, &p, from, to)
					ok := cur == from && allowed[[2]phase{from, to}]
					switch {
					case ok && (!moved || p != to || msg != ""):
						t.Errorf("strict %v: in %v, %v -> %v: moved %v, phase %v, panic %q", strict, cur, from, to, moved, p, msg)
					case !ok && (moved || p != cur):
						t.Errorf("strict %v: in %v, %v -> %v refused but moved to %v", strict, cur, from, to, p)
					case !ok && strict != strings.Contains(msg, "test: conn: illegal phase change "+tb.String(from)+" -> "+tb.String(to)+" in phase "+tb.String(cur)):
						t.Errorf("strict %v: in %v, %v -> %v: panic %q", strict, cur, from, to, msg)
					}
				}
			}
		}
	}
	if s := table(false).String(7); s != "phase(7)" {
		t.Errorf("String(7) = %q", s)
	}
}

func try(tb *Table[phase], p *phase, from, to phase) (moved bool, msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg, _ = r.(string)
		}
	}()
	return tb.Move(p, from, to), ""
}
