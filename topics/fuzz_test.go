package topics

import (
	"regexp"
	"strings"
	"testing"
)

// refMatch is Match by regular expression, to check the parser against.
func refMatch(pattern, topic string) bool {
	var b strings.Builder
	b.WriteString("^")
	for i, tok := range strings.Split(pattern, ".") {
		if i > 0 {
			b.WriteString(`\.`)
		}
		switch tok {
		case "*":
			b.WriteString(`[^.]+`)
		case ">":
			b.WriteString(`[^.]+(\.[^.]+)*`)
		default:
			b.WriteString(regexp.QuoteMeta(tok))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String()).MatchString(topic)
}

func FuzzMatch(f *testing.F) {
	for _, s := range [][2]string{{"a.*", "a.b"}, {"a.>", "a.b.c"}, {">", "x"}, {"*.*", "a.b"}, {"a..b", "a.b"}, {"a.>.b", "a.c.b"}, {"a b", "a b"}, {"*", ""}} {
		f.Add(s[0], s[1], "q.*")
	}
	f.Fuzz(func(t *testing.T, pattern, topic, other string) {
		got := Match(pattern, topic)
		valid := ValidPattern(pattern) == nil && ValidTopic(topic) == nil
		if !valid {
			if got {
				t.Fatalf("Match(%q, %q) true for an invalid argument", pattern, topic)
			}
			return
		}
		if want := refMatch(pattern, topic); got != want {
			t.Fatalf("Match(%q, %q) = %v, regexp says %v", pattern, topic, got, want)
		}
		if !Match(topic, topic) || !Match(">", topic) {
			t.Fatalf("%q does not match itself or >", topic)
		}
		// The tree agrees, with a second pattern beside it, and is empty
		// once both are removed.
		var tr Tree[int]
		tr.Add(pattern, 1)
		otherOK := ValidPattern(other) == nil
		if otherOK {
			tr.Add(other, 2)
			tr.Add(other, 1)
		}
		want := map[int]bool{1: got || otherOK && Match(other, topic), 2: otherOK && Match(other, topic)}
		m := tr.Match(nil, topic)
		if len(m) != map[bool]int{true: 1}[want[1]]+map[bool]int{true: 1}[want[2]] {
			t.Fatalf("tree %q,%q matches %q: %v, want %v", pattern, other, topic, m, want)
		}
		for _, v := range m {
			if !want[v] {
				t.Fatalf("tree %q,%q matches %q: %v, want %v", pattern, other, topic, m, want)
			}
		}
		tr.Remove(pattern, 1)
		if otherOK {
			tr.Remove(other, 2)
			tr.Remove(other, 1)
		}
		if tr.Len() != 0 || !tr.root.empty() {
			t.Fatalf("tree not empty: %d", tr.Len())
		}
	})
}
