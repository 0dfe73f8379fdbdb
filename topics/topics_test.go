package topics

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestValid(t *testing.T) {
	for _, s := range []string{"a", "a.b", "chat.room-1", "ä.ö", "a.b.c.d"} {
		if err := ValidTopic(s); err != nil {
			t.Errorf("ValidTopic(%q) = %v", s, err)
		}
		if err := ValidPattern(s); err != nil {
			t.Errorf("ValidPattern(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"*", ">", "a.*", "a.>", "*.b.>", "*.*"} {
		if err := ValidPattern(s); err != nil {
			t.Errorf("ValidPattern(%q) = %v", s, err)
		}
		if err := ValidTopic(s); !errors.Is(err, ErrInvalidTopic) {
			t.Errorf("ValidTopic(%q) = %v, want ErrInvalidTopic", s, err)
		}
	}
	for _, s := range []string{"", ".", "a.", ".a", "a..b", "a b", "a\tb", "a\x00", ">.a", "a.>.b", strings.Repeat("a", MaxTopicLength+1)} {
		if err := ValidPattern(s); !errors.Is(err, ErrInvalidTopic) {
			t.Errorf("ValidPattern(%q) = %v, want ErrInvalidTopic", s, err)
		}
	}
	// Wildcards are whole tokens only; inside a token they are literal.
	if ValidTopic("a*.b>") != nil || Match("a*", "ab") {
		t.Error("* and > within a token must be literal")
	}
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		p, s string
		want bool
	}{
		{"a", "a", true}, {"a", "b", false}, {"a", "a.b", false}, {"a.b", "a", false},
		{"*", "a", true}, {"*", "a.b", false}, {"a.*", "a.b", true}, {"a.*", "a", false},
		{"a.*.c", "a.b.c", true}, {"a.*.c", "a.b.d", false},
		{">", "a", true}, {">", "a.b.c", true}, {"a.>", "a", false}, {"a.>", "a.b", true},
		{"a.>", "a.b.c", true}, {"*.>", "a.b", true}, {"*.>", "a", false},
		{"a.b", "a.*", false}, // a topic with a wildcard is invalid
	} {
		if got := Match(c.p, c.s); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.p, c.s, got, c.want)
		}
	}
}

func TestTree(t *testing.T) {
	var tr Tree[string]
	if added, first := tr.Add("a.*", "x"); !added || !first {
		t.Fatal("first Add")
	}
	if added, _ := tr.Add("a.*", "x"); added {
		t.Fatal("second Add of the same pair")
	}
	if added, first := tr.Add("a.*", "y"); !added || first {
		t.Fatal("Add of a second value")
	}
	tr.Add("a.>", "x")
	tr.Add("a.b", "z")
	tr.Add(">", "w")
	got := tr.Match(nil, "a.b")
	slices.Sort(got)
	if want := []string{"w", "x", "y", "z"}; !slices.Equal(got, want) {
		t.Fatalf("Match(a.b) = %q, want %q (x once)", got, want)
	}
	if removed, last := tr.Remove("a.*", "x"); !removed || last {
		t.Fatal("Remove x")
	}
	if removed, last := tr.Remove("a.*", "y"); !removed || !last {
		t.Fatal("Remove y")
	}
	if removed, _ := tr.Remove("a.*", "y"); removed {
		t.Fatal("Remove twice")
	}
	for _, p := range []string{"a.>", "a.b", ">"} {
		tr.Remove(p, map[string]string{"a.>": "x", "a.b": "z", ">": "w"}[p])
	}
	if tr.Len() != 0 || !tr.root.empty() {
		t.Fatalf("tree not empty after removing all: %d %+v", tr.Len(), tr.root)
	}
}

type recorder struct {
	mu  sync.Mutex
	got []string
}

func (r *recorder) Deliver(m Message) {
	r.mu.Lock()
	r.got = append(r.got, m.Topic+"="+string(m.Data))
	r.mu.Unlock()
}

// Each subscriber gets a message once whatever number of its patterns
// match, and every subscriber the messages of one publisher in order.
func TestLocalOnceInOrder(t *testing.T) {
	b := NewLocal()
	r1, r2 := &recorder{}, &recorder{}
	for _, p := range []string{"chat.*", "chat.>", ">", "chat.a"} {
		if err := b.Subscribe(p, r1); err != nil {
			t.Fatal(err)
		}
	}
	b.Subscribe("chat.a", r2)
	b.Subscribe("chat.a", r2)
	var want1, want2 []string
	for i := range 100 {
		topic := []string{"chat.a", "chat.b", "other"}[i%3]
		d := strings.Repeat("x", i)
		if err := b.Publish(Message{Topic: topic, Data: []byte(d)}); err != nil {
			t.Fatal(err)
		}
		want1 = append(want1, topic+"="+d)
		if topic == "chat.a" {
			want2 = append(want2, topic+"="+d)
		}
	}
	if !slices.Equal(r1.got, want1) || !slices.Equal(r2.got, want2) {
		t.Fatalf("got %d and %d messages, want %d and %d in order", len(r1.got), len(r2.got), len(want1), len(want2))
	}
	if err := b.Publish(Message{Topic: "chat.*"}); !errors.Is(err, ErrInvalidTopic) {
		t.Fatalf("Publish to a pattern: %v", err)
	}
	if err := b.Subscribe("a..b", r1); !errors.Is(err, ErrInvalidTopic) {
		t.Fatalf("Subscribe to an invalid pattern: %v", err)
	}
	if s := b.Stats(); s.Published != 100 || s.Delivered != uint64(len(want1)+len(want2)) {
		t.Fatalf("Stats = %+v", s)
	}
	for _, p := range []string{"chat.*", "chat.>", ">", "chat.a"} {
		b.Unsubscribe(p, r1)
		b.Unsubscribe(p, r2)
	}
	if n := b.Subscriptions(); n != 0 {
		t.Fatalf("%d subscriptions left", n)
	}
}
