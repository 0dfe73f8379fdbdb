package hook

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestCallRecoversTheHooksPanic(t *testing.T) {
	if p := Call("OnX", func() {}); p != nil {
		t.Fatalf("a hook that returned: %v", p)
	}
	p := Call("OnX", func() { panicHere(io.EOF) })
	if p == nil || p.Hook != "OnX" || p.Value != io.EOF || !errors.Is(p, io.EOF) {
		t.Fatalf("got %#v", p)
	}
	if !strings.Contains(string(p.Stack), "panicHere") {
		t.Errorf("the stack lacks the panicking function:\n%s", p.Stack)
	}
	if p.Error() != "panic in OnX: EOF" {
		t.Errorf("Error() = %q", p.Error())
	}
}

// A panic of tlskit's own code under Own goes through Call, while a hook
// that Own's function calls through Call is still recovered.
func TestOwnPanicGoesOn(t *testing.T) {
	inner := Call("outer", func() {
		defer Own()
		if p := Call("inner", func() { panic("user") }); p == nil || p.Value != "user" {
			t.Errorf("inner hook: %v", p)
		}
	})
	if inner != nil {
		t.Fatalf("outer: %v", inner)
	}
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("tlskit's own panic was recovered by Call")
		}
		if err, ok := r.(error); !ok || err.Error() != "own bug" {
			t.Fatalf("panic value %v", r)
		}
	}()
	Call("outer", func() {
		defer Own()
		panic("own bug")
	})
}

func panicHere(v any) { panic(v) }
