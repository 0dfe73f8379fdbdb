package serial

import "sync"

// Queue is one target's pending events. Its zero value is an empty queue;
// it must not be copied after first use. It does not point back to its
// target, so that it costs a connection no interface value.
type Queue[E any] struct {
	mu      sync.Mutex
	buf     []slot[E] // a ring, a power of two long; nil when empty
	head    uint32    // the oldest event's index in buf
	n       uint32    // events in buf
	running bool      // an owner is handling the queue
	pending uint32    // kinds posted with PostOnce and not rearmed
}

// slot is a queued event, or a Call's function when fn is set.
type slot[E any] struct {
	ev E
	fn func()
}

// bufLen is the length of the event arrays pooled for queues: most bursts
// are a few events (data, then room to send).
const bufLen = 4

// push appends s; q.mu is held.
func (q *Queue[E]) push(s slot[E], pool *sync.Pool) {
	if q.buf == nil {
		q.buf = pool.Get().(*[bufLen]slot[E])[:]
		q.head = 0
	} else if int(q.n) == len(q.buf) {
		grown := make([]slot[E], 2*len(q.buf))
		k := copy(grown, q.buf[q.head:])
		copy(grown[k:], q.buf[:q.head])
		if len(q.buf) == bufLen {
			clear(q.buf)
			pool.Put((*[bufLen]slot[E])(q.buf))
		}
		q.buf, q.head = grown, 0
	}
	q.buf[(q.head+q.n)&uint32(len(q.buf)-1)] = s
	q.n++
}

// pop removes the oldest event; q.mu is held and q.n > 0.
func (q *Queue[E]) pop() slot[E] {
	s := q.buf[q.head]
	q.buf[q.head] = slot[E]{}
	q.head = (q.head + 1) & uint32(len(q.buf)-1)
	q.n--
	return s
}

// release gives the empty queue's array back (one that grew is left to
// the collector); q.mu is held.
func (q *Queue[E]) release(pool *sync.Pool) {
	if len(q.buf) == bufLen {
		pool.Put((*[bufLen]slot[E])(q.buf))
	}
	q.buf, q.head = nil, 0
}

// Rearm ends the coalescing of kind (see Executor.PostOnce): the next
// PostOnce of kind queues an event again. A handler calls it when it takes
// the state that the event reports, under the same lock as the code that
// changes that state and posts, so that a change made before Rearm is
// reported by the event being handled and one made after it by a new one.
func (q *Queue[E]) Rearm(kind uint) {
	q.mu.Lock()
	q.pending &^= 1 << kind
	q.mu.Unlock()
}

// Len is the number of events waiting (not counting one being handled).
func (q *Queue[E]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return int(q.n)
}
