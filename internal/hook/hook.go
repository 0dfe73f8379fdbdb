// Package hook runs the callbacks a program gives tlskit (event handlers,
// connection and upgrade hooks) so that a panic in one ends only the
// connection it ran for, as net/http does for a panicking handler, while a
// panic in tlskit's own code still crashes.
package hook

import (
	"fmt"
	"runtime/debug"
)

// Panic is a panic recovered from a callback. It is an error, so that it
// can be reported as the cause of the connection's end.
type Panic struct {
	Hook  string // the callback's name, such as "OnDataIn"
	Value any    // what the callback panicked with
	Stack []byte // the panicking goroutine's stack
}

func (p *Panic) Error() string { return fmt.Sprintf("panic in %s: %v", p.Hook, p.Value) }

// Unwrap returns the panic value when it is an error.
func (p *Panic) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

// Call runs fn, the program's callback named name, and returns the panic
// it raised, nil if none. A panic that Own marked as tlskit's own goes on.
// A callback that ends its goroutine (runtime.Goexit) is not stopped.
func Call(name string, fn func()) (p *Panic) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if o, ok := r.(ownPanic); ok {
			panic(o) // tlskit's bug: crash
		}
		p = &Panic{Hook: name, Value: r, Stack: debug.Stack()}
	}()
	fn()
	return nil
}

// Own is deferred by tlskit's functions that are themselves run through
// Call by another tlskit package (package ws's handlers of package server's
// events) and call the program's callbacks through Call in turn: a panic of
// their own code is then marked so that the outer Call lets it through.
func Own() {
	if r := recover(); r != nil {
		if _, ok := r.(ownPanic); ok {
			panic(r)
		}
		panic(ownPanic{r})
	}
}

// ownPanic is a panic of tlskit's own code inside a function run by Call.
type ownPanic struct{ v any }

func (o ownPanic) Error() string { return fmt.Sprint(o.v) }
