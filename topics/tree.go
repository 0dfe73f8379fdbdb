package topics

import "strings"

// Tree holds values under patterns and finds the values whose patterns
// match a topic, each once however many of its patterns match. The zero
// value is empty. A Tree is not safe for concurrent use.
type Tree[V comparable] struct {
	root node[V]
	n    int
}

type node[V comparable] struct {
	next map[string]*node[V] // literal tokens
	star *node[V]            // "*"
	rest map[V]struct{}      // ">" at this level
	here map[V]struct{}      // patterns that end here
}

func (n *node[V]) empty() bool {
	return len(n.next) == 0 && n.star == nil && len(n.rest) == 0 && len(n.here) == 0
}

// Add puts v under the valid pattern. It returns whether v was not there
// yet, and whether it is the pattern's first value.
func (t *Tree[V]) Add(pattern string, v V) (added, first bool) {
	n := &t.root
	for {
		tok, rest, more := strings.Cut(pattern, ".")
		if tok == ">" {
			return t.put(&n.rest, v)
		}
		var c *node[V]
		if tok == "*" {
			if n.star == nil {
				n.star = &node[V]{}
			}
			c = n.star
		} else {
			if n.next == nil {
				n.next = map[string]*node[V]{}
			}
			if c = n.next[tok]; c == nil {
				c = &node[V]{}
				n.next[tok] = c
			}
		}
		n = c
		if !more {
			return t.put(&n.here, v)
		}
		pattern = rest
	}
}

func (t *Tree[V]) put(set *map[V]struct{}, v V) (added, first bool) {
	if *set == nil {
		*set = map[V]struct{}{}
	}
	if _, ok := (*set)[v]; ok {
		return false, false
	}
	(*set)[v] = struct{}{}
	t.n++
	return true, len(*set) == 1
}

// Remove takes v from under pattern. It returns whether v was there, and
// whether the pattern has no value left.
func (t *Tree[V]) Remove(pattern string, v V) (removed, last bool) {
	return t.remove(&t.root, pattern, v)
}

func (t *Tree[V]) remove(n *node[V], pattern string, v V) (removed, last bool) {
	tok, rest, more := strings.Cut(pattern, ".")
	var set map[V]struct{}
	var c *node[V]
	switch {
	case tok == ">":
		set = n.rest
	case tok == "*":
		c = n.star
	default:
		c = n.next[tok]
	}
	if set == nil && c != nil {
		if more {
			removed, last = t.remove(c, rest, v)
		} else {
			set = c.here
		}
	}
	if set != nil {
		if _, ok := set[v]; ok {
			delete(set, v)
			t.n--
			removed, last = true, len(set) == 0
		}
	}
	if c != nil && c.empty() {
		if tok == "*" {
			n.star = nil
		} else {
			delete(n.next, tok)
		}
	}
	return removed, last
}

// Len returns how many (pattern, value) pairs the tree holds.
func (t *Tree[V]) Len() int { return t.n }

// Match appends to dst the values whose patterns match the valid topic,
// each once, and returns the extended slice.
func (t *Tree[V]) Match(dst []V, topic string) []V {
	start := len(dst)
	var seen map[V]struct{}
	add := func(set map[V]struct{}) {
		for v := range set {
			if seen == nil {
				// Most topics match few values: a scan beats a map.
				if len(dst)-start < 16 {
					dup := false
					for _, w := range dst[start:] {
						if w == v {
							dup = true
							break
						}
					}
					if !dup {
						dst = append(dst, v)
					}
					continue
				}
				seen = make(map[V]struct{}, len(dst)-start)
				for _, w := range dst[start:] {
					seen[w] = struct{}{}
				}
			}
			if _, ok := seen[v]; !ok {
				seen[v] = struct{}{}
				dst = append(dst, v)
			}
		}
	}
	var walk func(n *node[V], topic string)
	walk = func(n *node[V], topic string) {
		add(n.rest)
		tok, rest, more := strings.Cut(topic, ".")
		for _, c := range [2]*node[V]{n.next[tok], n.star} {
			if c == nil {
				continue
			}
			if more {
				walk(c, rest)
			} else {
				add(c.here)
			}
		}
	}
	walk(&t.root, topic)
	return dst
}
