package epoll

import (
	"sync"

	"golang.org/x/sys/unix"
)

// chunkSize is the size of the pooled chunks queues are made of: one TLS
// record of plaintext.
const chunkSize = 16 << 10

// chunkPool hands out chunkSize buffers.
type chunkPool struct{ p sync.Pool }

func (cp *chunkPool) get() *[]byte {
	if b, ok := cp.p.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, 0, chunkSize)
	return &b
}

func (cp *chunkPool) put(b *[]byte) {
	*b = (*b)[:0]
	cp.p.Put(b)
}

// byteQueue is a FIFO of bytes held in pooled chunks. An empty queue holds
// no chunk. It is not safe for concurrent use.
type byteQueue struct {
	pool   *chunkPool
	chunks []*[]byte
	head   int // bytes of chunks[0] already consumed
	n      int // bytes queued
}

func (q *byteQueue) len() int { return q.n }

// push appends a copy of p.
func (q *byteQueue) push(p []byte) {
	q.n += len(p)
	for len(p) > 0 {
		if len(q.chunks) == 0 || len(*q.chunks[len(q.chunks)-1]) == chunkSize {
			q.chunks = append(q.chunks, q.pool.get())
		}
		last := q.chunks[len(q.chunks)-1]
		k := copy((*last)[len(*last):chunkSize], p)
		*last = (*last)[:len(*last)+k]
		p = p[k:]
	}
}

// consume drops n bytes from the front.
func (q *byteQueue) consume(n int) {
	q.n -= n
	for n > 0 {
		first := *q.chunks[0]
		avail := len(first) - q.head
		if n < avail {
			q.head += n
			return
		}
		n -= avail
		q.pool.put(q.chunks[0])
		q.chunks[0] = nil
		q.chunks = q.chunks[1:]
		q.head = 0
	}
	if len(q.chunks) == 0 || q.n == 0 {
		q.reset()
	}
}

// read copies from the front into p and consumes what it copied.
func (q *byteQueue) read(p []byte) int {
	n := 0
	for n < len(p) && q.n > 0 {
		k := copy(p[n:], (*q.chunks[0])[q.head:])
		n += k
		q.consume(k)
	}
	return n
}

// reset drops everything and returns the chunks to the pool.
func (q *byteQueue) reset() {
	for i, c := range q.chunks {
		q.pool.put(c)
		q.chunks[i] = nil
	}
	q.chunks, q.head, q.n = nil, 0, 0
}

// maxIovecs bounds one writev.
const maxIovecs = 64

// writeTo writes the queue to fd until it is empty or the kernel refuses
// more, and returns the bytes written and the error that stopped it
// (EAGAIN when the socket buffer is full).
func (q *byteQueue) writeTo(fd int, iov [][]byte) (int, error) {
	total := 0
	for q.n > 0 {
		iov = iov[:0]
		for i, c := range q.chunks {
			if i == maxIovecs {
				break
			}
			b := *c
			if i == 0 {
				b = b[q.head:]
			}
			iov = append(iov, b)
		}
		var n int
		var err error
		if len(iov) == 1 {
			n, err = unix.Write(fd, iov[0])
		} else {
			n, err = unix.Writev(fd, iov)
		}
		if n > 0 {
			total += n
			q.consume(n)
		}
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// detach removes whole chunks from the front, up to limit bytes but at
// least one chunk, appending them to dst. It returns them with the offset
// of the first byte in the first chunk and the byte count. The caller owns
// the chunks and returns them to the pool.
func (q *byteQueue) detach(limit int, dst []*[]byte) ([]*[]byte, int, int) {
	head, n := q.head, 0
	for len(q.chunks) > 0 && len(dst) < cap(dst) {
		k := len(*q.chunks[0])
		if len(dst) == 0 {
			k -= head
		} else if n+k > limit {
			break
		}
		n += k
		dst = append(dst, q.chunks[0])
		q.chunks[0] = nil
		q.chunks = q.chunks[1:]
	}
	q.n -= n
	q.head = 0
	if len(q.chunks) == 0 {
		q.chunks = nil
	}
	return dst, head, n
}
