package topics

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrInvalidTopic reports a topic or pattern that is not a subject.
var ErrInvalidTopic = errors.New("topics: invalid topic")

// MaxTopicLength bounds a topic or pattern, in bytes.
const MaxTopicLength = 1024

// ValidTopic reports whether topic is a subject a message can be published
// to: UTF-8 tokens separated by dots, none empty, none "*" or ">", no
// space or control byte, at most MaxTopicLength bytes.
func ValidTopic(topic string) error { return check(topic, false) }

// ValidPattern reports whether pattern is a subject a subscriber can take:
// a topic in which a token may be "*" (any one token) and the last token
// may be ">" (one or more tokens).
func ValidPattern(pattern string) error { return check(pattern, true) }

func check(s string, wild bool) error {
	if s == "" {
		return fmt.Errorf("%w: empty", ErrInvalidTopic)
	}
	if len(s) > MaxTopicLength {
		return fmt.Errorf("%w: %d bytes (at most %d)", ErrInvalidTopic, len(s), MaxTopicLength)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %q is not UTF-8", ErrInvalidTopic, s)
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			if b := s[i]; b <= ' ' || b == 0x7f {
				return fmt.Errorf("%w: %q has a space or control byte", ErrInvalidTopic, s)
			}
			continue
		}
		tok := s[start:i]
		switch {
		case tok == "":
			return fmt.Errorf("%w: %q has an empty token", ErrInvalidTopic, s)
		case tok == "*" || tok == ">":
			if !wild {
				return fmt.Errorf("%w: %q has a wildcard", ErrInvalidTopic, s)
			}
			if tok == ">" && i != len(s) {
				return fmt.Errorf("%w: %q has > before its last token", ErrInvalidTopic, s)
			}
		}
		start = i + 1
	}
	return nil
}

// Match reports whether the pattern matches the topic. Both must be valid
// (ValidPattern, ValidTopic); otherwise Match returns false.
func Match(pattern, topic string) bool {
	if ValidPattern(pattern) != nil || ValidTopic(topic) != nil {
		return false
	}
	for {
		p, prest, pmore := strings.Cut(pattern, ".")
		t, trest, tmore := strings.Cut(topic, ".")
		switch {
		case p == ">":
			return true
		case p != "*" && p != t:
			return false
		case !pmore || !tmore:
			return pmore == tmore
		}
		pattern, topic = prest, trest
	}
}
