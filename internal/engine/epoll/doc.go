// Package epoll is the Linux engine: a few event loops (one per CPU by
// default) multiplex every connection with epoll, so an idle connection
// costs a socket, a small struct and no goroutine.
//
// # Design
//
// Sockets are created by the engine itself (socket, bind, listen, accept4),
// non-blocking and close-on-exec. Each listener is served by one loop;
// accepted connections are spread over the loops round-robin and stay on
// theirs.
//
// Readiness is level-triggered. The interest set of a descriptor always
// says what the connection wants now: EPOLLIN unless reading is paused (or
// the peer has finished sending), EPOLLOUT only while bytes are queued that
// the kernel refused. Level triggering was chosen over edge triggering
// because it needs no "readable but not yet read" bookkeeping: a loop reads
// once per wake-up and moves on, which keeps one busy connection from
// starving the others; PauseRead is one epoll_ctl that drops EPOLLIN, the
// kernel's receive window then closes, and ResumeRead re-arms it, the
// kernel reporting at once what arrived meanwhile. EPOLLOUT is asked for
// only while the send buffer is full, so writable sockets cause no wake-ups.
//
// Reads go into a buffer owned by the loop and are handed to
// Handler.OnData directly, so no connection holds a read buffer. Send
// queues are lists of 16 KiB chunks taken from a pool while bytes wait and
// returned as soon as they are written. Writes are tried at once by the
// goroutine that calls Write; only what the kernel refuses waits for
// EPOLLOUT.
//
// An idle loop does not block a thread in epoll_wait: it polls without
// waiting and, when nothing is ready, parks in the Go runtime's poller on
// the epoll descriptor itself (an epoll set is pollable), with the next
// timer as its read deadline. So the loop's P runs other goroutines at once,
// such as the server's event dispatchers that callbacks start, and wake-ups
// take the scheduler's ordinary netpoll path.
//
// Timers (idle, handshake, linger) live in a heap per loop whose earliest
// deadline bounds epoll_wait. An idle timer is not touched by traffic: it
// fires, finds that bytes moved meanwhile, and re-arms itself.
//
// # TLS
//
// TLS is the standard crypto/tls, unmodified. A tls.Conn sits on an
// in-memory net.Conn that the loop feeds with what it reads from the socket.
// The handshake runs in a short-lived goroutine, started when the first
// bytes arrive (so a client that connects and sends nothing holds no
// goroutine), whose reads block until the loop has bytes for it or the
// handshake timeout passes. After the handshake the loop calls tls.Conn.Read
// itself: when no bytes are buffered the in-memory conn returns a temporary
// net.Error, which crypto/tls passes on without marking the connection
// broken, keeping a partial record for the next call. tls.Conn.Write only
// appends to the connection's wire queue, so it never blocks and no write
// deadline is ever set. The send queue bound (QueueSize) counts plaintext,
// as the portable engine does: Write queues plaintext, and whoever flushes
// encrypts it in batches as the socket takes the ciphertext.
//
// # Callbacks
//
// Every Handler method is called from the connection's loop goroutine, so
// callbacks of one connection never overlap. Handlers must not block: a
// blocked callback stalls every connection of that loop. Conn methods never
// call a Handler method before returning.
package epoll
