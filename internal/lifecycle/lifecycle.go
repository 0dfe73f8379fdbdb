// Package lifecycle checks the phase changes of a connection: a phase is a
// small integer, a Table lists the moves each phase allows, and Move makes
// one, refusing the others. The epoll engine's connections, server.Conn
// and ws.Conn each declare their phases and one Table, and change phase
// only through it, so that a lifecycle is written down once, in the table,
// and a move it does not list is caught.
package lifecycle

import "strconv"

// A Table is one connection type's lifecycle, for phases of type P
// numbered from 0 (at most 32 of them).
type Table[P ~uint8] struct {
	// What names the connection type in a refused move's panic, such as
	// "epoll: connection".
	What string
	// Names are the phases' names, by number, for String.
	Names []string
	// Next holds, for each phase, the set of phases it may move to: bit q
	// of Next[p] set allows the move p -> q. A phase past its end allows
	// none.
	Next []uint32
	// Strict makes a refused move panic, naming the move and the current
	// phase; the packages' tests set it, so that a lifecycle bug fails the
	// test that reaches it. Otherwise Move only reports false.
	Strict bool
}

// Allowed reports whether the table allows the move from -> to.
func (t *Table[P]) Allowed(from, to P) bool {
	return int(from) < len(t.Next) && to < 32 && t.Next[from]&(1<<to) != 0
}

// Move moves *cur from phase from to phase to, if *cur is from and the
// table allows the move, and reports whether it did. The caller holds the
// lock that guards *cur. Callers check the phase before they move, so a
// refusal is a bug in the caller's package: it panics when t.Strict is set.
func (t *Table[P]) Move(cur *P, from, to P) bool {
	if *cur != from || !t.Allowed(from, to) {
		if t.Strict {
			panic(t.What + ": illegal phase change " + t.String(from) + " -> " + t.String(to) +
				" in phase " + t.String(*cur))
		}
		return false
	}
	*cur = to
	return true
}

// String returns p's name, or "phase(N)" for a phase the table does not
// name.
func (t *Table[P]) String(p P) string {
	if int(p) < len(t.Names) {
		return t.Names[p]
	}
	return "phase(" + strconv.Itoa(int(p)) + ")"
}
