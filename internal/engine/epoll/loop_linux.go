package epoll

import (
	"container/heap"
	"errors"
	"math"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// monoBase anchors the monotonic clock the loops use for deadlines.
var monoBase = time.Now()

// mono returns monotonic nanoseconds since monoBase.
func mono() int64 { return int64(time.Since(monoBase)) }

// readBufSize is the size of a loop's read buffer, the most one read takes.
const readBufSize = 64 << 10

// A loop is one event loop: an epoll instance, an eventfd to wake it, the
// tasks other goroutines hand it and the timers of its connections.
type loop struct {
	e    *Engine
	epfd int
	efd  int // eventfd: wakes epoll_wait
	// epf is epfd registered with the Go runtime's poller: an idle loop
	// parks there like any goroutine waiting for I/O instead of blocking
	// a thread (and its P) in epoll_wait.
	epf *os.File
	erc syscall.RawConn

	mu         sync.Mutex
	tasks      []func()
	woken      bool  // an eventfd write is pending
	sleepUntil int64 // while in epoll_wait: the deadline it sleeps to; 0 while awake
	timers     timerHeap
	stopping   bool
	closed     bool // the descriptors are closed: never write efd again

	// Owned by the loop goroutine.
	conns     []*conn // by descriptor: dense, 8 bytes a connection
	listeners map[int]*listener
	gen       int32  // generation stamped on registrations, against fd reuse
	rbuf      []byte // socket reads
	pbuf      []byte // TLS plaintext

	// wait's callback for the runtime's poller, made once (a closure per
	// wait would be garbage), with its argument and result.
	pollFn     func(uintptr) bool
	pollEvents []unix.EpollEvent
	pollN      int
}

// poll is pollFn: it reads the ready events into pollEvents and says
// whether the wait is over.
func (l *loop) poll(uintptr) bool {
	n, err := unix.EpollWait(l.epfd, l.pollEvents, 0)
	l.pollN = n
	return n > 0 || (err != nil && err != unix.EINTR)
}

func newLoop(e *Engine) (*loop, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, os.NewSyscallError("eventfd", err)
	}
	l := &loop{e: e, epfd: epfd, efd: efd, listeners: make(map[int]*listener)}
	l.pollFn = l.poll
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(efd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, efd, &ev); err != nil {
		l.closeFDs()
		return nil, os.NewSyscallError("epoll_ctl", err)
	}
	if err := unix.SetNonblock(epfd, true); err == nil {
		l.epf = os.NewFile(uintptr(epfd), "epoll")
		if rc, err := l.epf.SyscallConn(); err == nil {
			l.erc = rc
		}
	}
	return l, nil
}

func (l *loop) closeFDs() {
	l.mu.Lock()
	l.closed = true
	unix.Close(l.efd)
	if l.epf != nil {
		l.epf.Close()
	} else {
		unix.Close(l.epfd)
	}
	l.mu.Unlock()
}

// post hands fn to the loop goroutine. It never blocks.
func (l *loop) post(fn func()) {
	l.mu.Lock()
	l.tasks = append(l.tasks, fn)
	l.wakeLocked()
	l.mu.Unlock()
}

// wakeLocked interrupts epoll_wait; l.mu is held.
func (l *loop) wakeLocked() {
	if l.sleepUntil == 0 || l.woken || l.closed {
		return
	}
	l.woken = true
	var one = [8]byte{1}
	_, _ = unix.Write(l.efd, one[:])
}

// stop makes the loop close its descriptors and return once its tasks are
// done. The engine calls it when nothing uses the loop any more.
func (l *loop) stop() {
	l.mu.Lock()
	l.stopping = true
	l.wakeLocked()
	l.mu.Unlock()
}

// setTimer arms t for when (monotonic nanoseconds); l.mu is held.
func (l *loop) setTimerLocked(t *timer, when int64) {
	t.when = when
	if t.idx >= 0 {
		heap.Fix(&l.timers, int(t.idx))
	} else {
		heap.Push(&l.timers, t)
	}
	if l.sleepUntil != 0 && when < l.sleepUntil {
		l.wakeLocked()
	}
}

// stopTimerLocked disarms t (nil: none); l.mu is held.
func (l *loop) stopTimerLocked(t *timer) {
	if t != nil && t.idx >= 0 {
		heap.Remove(&l.timers, int(t.idx))
	}
}

func (l *loop) run() {
	events := make([]unix.EpollEvent, 256)
	l.rbuf = make([]byte, readBufSize)
	l.pbuf = make([]byte, chunkSize)
	var deadline time.Time // the runtime poller's read deadline on epf
	for {
		l.mu.Lock()
		if l.stopping && len(l.tasks) == 0 {
			l.sleepUntil = 0
			l.mu.Unlock()
			l.closeFDs()
			return
		}
		timeout := l.timeoutLocked()
		if timeout != 0 {
			l.sleepUntil = math.MaxInt64
			if timeout > 0 {
				l.sleepUntil = mono() + int64(timeout)*int64(time.Millisecond)
			}
		}
		l.mu.Unlock()

		n := l.wait(events, timeout, &deadline)
		l.mu.Lock()
		l.sleepUntil = 0
		l.mu.Unlock()

		for i := range n {
			l.dispatch(&events[i])
		}
		l.runTimers()
		l.runTasks()
	}
}

// wait returns the ready events, waiting up to timeout milliseconds (-1:
// without limit). It polls without blocking first; when nothing is ready it
// parks in the Go runtime's poller on the epoll descriptor, so the thread
// and its P serve other goroutines meanwhile (the server's dispatchers that
// callbacks just started run at once).
func (l *loop) wait(events []unix.EpollEvent, timeout int, deadline *time.Time) int {
	n, _ := unix.EpollWait(l.epfd, events, 0)
	if n > 0 || timeout == 0 {
		return max(n, 0)
	}
	if l.erc != nil {
		var d time.Time
		if timeout > 0 {
			d = time.Now().Add(time.Duration(timeout) * time.Millisecond)
		}
		if !d.Equal(*deadline) {
			_ = l.epf.SetReadDeadline(d)
			*deadline = d
		}
		l.pollEvents = events
		rerr := l.erc.Read(l.pollFn)
		l.pollEvents = nil
		if rerr == nil || errors.Is(rerr, os.ErrDeadlineExceeded) {
			return max(l.pollN, 0)
		}
		l.erc = nil // not pollable after all: block in epoll_wait below
	}
	n, err := unix.EpollWait(l.epfd, events, timeout)
	if err != nil {
		return 0 // EINTR; nothing else can fail with valid arguments
	}
	return n
}

// timeoutLocked is the epoll_wait timeout in milliseconds: 0 with tasks
// waiting, until the first timer, or -1 (none); l.mu is held.
func (l *loop) timeoutLocked() int {
	switch {
	case len(l.tasks) > 0:
		return 0
	case len(l.timers) > 0:
		d := l.timers[0].when - mono()
		if d <= 0 {
			return 0
		}
		return int(min((d+int64(time.Millisecond)-1)/int64(time.Millisecond), math.MaxInt32))
	}
	return -1
}

func (l *loop) dispatch(ev *unix.EpollEvent) {
	fd := int(ev.Fd)
	if fd == l.efd {
		var b [8]byte
		_, _ = unix.Read(l.efd, b[:])
		l.mu.Lock()
		l.woken = false
		l.mu.Unlock()
		return
	}
	if c := l.conn(fd); c != nil && c.gen == ev.Pad {
		c.handleEvents(ev.Events)
		return
	}
	if ln := l.listeners[fd]; ln != nil {
		ln.accept()
	}
}

func (l *loop) runTasks() {
	l.mu.Lock()
	tasks := l.tasks
	l.tasks = nil
	l.mu.Unlock()
	for i, fn := range tasks {
		tasks[i] = nil
		fn()
	}
}

func (l *loop) runTimers() {
	now := mono()
	var due []*timer
	l.mu.Lock()
	for len(l.timers) > 0 && l.timers[0].when <= now {
		due = append(due, heap.Pop(&l.timers).(*timer))
	}
	l.mu.Unlock()
	for _, t := range due {
		t.fire(now)
	}
}

// register adds fd to the epoll set with the loop's next generation.
func (l *loop) nextGen() int32 {
	l.gen++
	return l.gen
}

type timerKind uint8

const (
	timerIdle     timerKind = iota
	timerKill               // the connection's deadline: see conn.killAction
	timerListener           // an accept back-off ends
)

// A timer is an entry of a loop's heap.
type timer struct {
	when int64
	c    *conn
	ln   *listener
	idx  int32 // position in the heap, -1 when not armed
	kind timerKind
	act  killAction // timerKill: what it does when it fires
}

func (t *timer) fire(now int64) {
	switch t.kind {
	case timerIdle:
		t.c.idleFired(now)
	case timerKill:
		t.c.killFired(t.act)
	case timerListener:
		t.ln.backoffEnded()
	}
}

type timerHeap []*timer

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].when < h[j].when }
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx = int32(i)
	h[j].idx = int32(j)
}
func (h *timerHeap) Push(x any) {
	t := x.(*timer)
	t.idx = int32(len(*h))
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.idx = -1
	return t
}

// conn returns the connection registered on descriptor fd, nil if none.
func (l *loop) conn(fd int) *conn {
	if fd >= 0 && fd < len(l.conns) {
		return l.conns[fd]
	}
	return nil
}

// setConn registers (c non-nil) or forgets the connection of descriptor fd.
func (l *loop) setConn(fd int, c *conn) {
	if fd < 0 {
		return
	}
	if fd >= len(l.conns) {
		if c == nil {
			return
		}
		// Doubling, not append's growth of a quarter for a large slice: a
		// burst of connections then leaves less garbage behind.
		conns := make([]*conn, max(fd+1, 2*len(l.conns), 64))
		copy(conns, l.conns)
		l.conns = conns
	}
	l.conns[fd] = c
}
