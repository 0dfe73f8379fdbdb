// Package topics carries messages to subscribers by topic: any code
// publishes to a topic, and every subscriber whose pattern matches gets the
// message once, however many of its patterns match.
//
// Topics are NATS subjects: tokens separated by dots ("chat.room1"). A
// pattern may have "*" for any one token ("chat.*") and, as its last
// token, ">" for one or more ("chat.>").
//
// A Bus carries the messages. Local, the default, reaches the subscribers
// of one process; package topics/natsbus reaches those of every process on
// one NATS system. ws.Server and ws.Handler subscribe their connections
// (ws.Conn.Subscribe) through one Bus subscription per pattern, and send
// each message's frames encoded once as Broadcast does.
package topics

import (
	"sync"
	"sync/atomic"
)

// Message is one publication. Binary tells a binary message from a text
// one (whose Data is UTF-8).
type Message struct {
	Topic  string
	Data   []byte
	Binary bool
}

// Subscriber takes the messages of its subscriptions. A Bus calls Deliver
// for one message at a time, in the order of each publisher's Publish
// calls. Deliver must not block, nor keep m.Data after it returns, nor call
// the Bus.
type Subscriber interface {
	Deliver(m Message)
}

// Bus carries messages from publishers to subscribers.
type Bus interface {
	// Publish sends m to every subscriber of a matching pattern. m.Topic
	// must be ValidTopic. Publish does not block on a network, and keeps
	// no reference to m.Data.
	Publish(m Message) error
	// Subscribe adds s under a ValidPattern; once per pattern and s.
	Subscribe(pattern string, s Subscriber) error
	// Unsubscribe removes s from under pattern (nothing if it is not).
	Unsubscribe(pattern string, s Subscriber) error
}

// Stats counts a bus's messages.
type Stats struct {
	Published uint64 // Publish calls that succeeded
	Delivered uint64 // Deliver calls
}

// Local is a Bus within one process. Its zero value is ready to use.
// Publish delivers at once, to each subscriber in turn, one publication at
// a time, so that every subscriber gets all messages in one order.
type Local struct {
	pmu  sync.Mutex // one publication at a time
	mu   sync.Mutex // tree
	tree Tree[Subscriber]
	buf  []Subscriber // under pmu

	published, delivered atomic.Uint64
}

// NewLocal returns an empty Local bus.
func NewLocal() *Local { return &Local{} }

// Publish delivers m to the subscribers of matching patterns.
func (l *Local) Publish(m Message) error {
	if err := ValidTopic(m.Topic); err != nil {
		return err
	}
	l.pmu.Lock()
	defer l.pmu.Unlock()
	l.mu.Lock()
	subs := l.tree.Match(l.buf[:0], m.Topic)
	l.mu.Unlock()
	for i, s := range subs {
		s.Deliver(m)
		subs[i] = nil
	}
	l.buf = subs[:0]
	l.published.Add(1)
	l.delivered.Add(uint64(len(subs)))
	return nil
}

// Subscribe adds s under pattern.
func (l *Local) Subscribe(pattern string, s Subscriber) error {
	if err := ValidPattern(pattern); err != nil {
		return err
	}
	l.mu.Lock()
	l.tree.Add(pattern, s)
	l.mu.Unlock()
	return nil
}

// Unsubscribe removes s from under pattern.
func (l *Local) Unsubscribe(pattern string, s Subscriber) error {
	if err := ValidPattern(pattern); err != nil {
		return err
	}
	l.mu.Lock()
	l.tree.Remove(pattern, s)
	l.mu.Unlock()
	return nil
}

// Subscriptions returns how many (pattern, subscriber) pairs l holds.
func (l *Local) Subscriptions() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tree.Len()
}

// Stats returns l's counts.
func (l *Local) Stats() Stats {
	return Stats{Published: l.published.Load(), Delivered: l.delivered.Load()}
}
