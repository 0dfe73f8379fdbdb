package loadgen

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// dialParallel bounds the connections being opened at once.
const dialParallel = 64

// Run performs one load run and returns its result. It returns an error
// only for invalid options; connection and protocol failures are counted
// in Result.Errors. Cancelling ctx stops the run at once: connections
// are closed and the partial result has Interrupted set. Run returns
// only after every goroutine and connection it started is gone.
func Run(ctx context.Context, o Options) (*Result, error) {
	o.setDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	d, err := NewDialer(o)
	if err != nil {
		return nil, err
	}
	if o.ServerPID != 0 {
		if _, _, err := readProcMem(o.ServerPID); err != nil {
			return nil, &OptionError{Option: "pid", Msg: err.Error()}
		}
	}
	r := &run{o: o, d: d, ctx: ctx, conns: make(map[msgConn]struct{})}
	return r.do(), nil
}

// run is the state of one Run.
type run struct {
	o   Options
	d   *Dialer
	ctx context.Context

	t0        time.Time // start of the timed phases (after connecting)
	warmupEnd int64     // ns since t0
	end       int64     // ns since t0
	connectT  time.Duration

	opened, failed, open atomic.Int64
	deflated             atomic.Int64 // opened with permessage-deflate
	sent, received       atomic.Int64
	measured             atomic.Int64 // replies to messages sent inside the measured window
	handshakes           atomic.Int64 // inside the measured window
	allHandshakes        atomic.Int64
	errs                 [numKinds]atomic.Int64
	firstErr             [numKinds]atomic.Pointer[string]
	latency, handshake   Histogram

	mu       sync.Mutex
	conns    map[msgConn]struct{} // open connections, closed on cancel
	canceled bool

	timeline []Sample
}

func (r *run) since() int64 { return int64(time.Since(r.t0)) }

// countErr counts n errors of kind k; the first error of each kind is
// kept as an example for the report.
func (r *run) countErr(k ErrorKind, n int64, err error) {
	if r.ctx.Err() != nil || n <= 0 {
		return
	}
	r.errs[k].Add(n)
	if err != nil && r.firstErr[k].Load() == nil {
		msg := err.Error()
		r.firstErr[k].CompareAndSwap(nil, &msg)
	}
}

func (r *run) track(c msgConn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.canceled {
		return false
	}
	r.conns[c] = struct{}{}
	r.open.Add(1)
	return true
}

// untrack forgets c and closes it: gracefully when the run is done with
// it and nothing else uses it, at once otherwise.
func (r *run) untrack(c msgConn, graceful bool) {
	r.mu.Lock()
	_, ok := r.conns[c]
	delete(r.conns, c)
	r.mu.Unlock()
	if !ok {
		return
	}
	r.open.Add(-1)
	if graceful && r.ctx.Err() == nil {
		c.Shutdown(r.o.Timeout)
	} else {
		c.Close()
	}
}

// cancelAll closes every open connection, which unblocks their reads and
// writes, and refuses new ones.
func (r *run) cancelAll() {
	r.mu.Lock()
	r.canceled = true
	cs := r.conns
	r.conns = map[msgConn]struct{}{}
	r.mu.Unlock()
	for c := range cs {
		r.open.Add(-1)
		c.Close()
	}
}

// dial opens one connection and counts the outcome.
func (r *run) dial() (msgConn, bool) {
	c, err := r.d.dial(r.ctx)
	if err != nil {
		r.failed.Add(1)
		var ke *kindError
		if errors.As(err, &ke) {
			r.countErr(ke.kind, 1, ke.err)
		} else {
			r.countErr(KindDial, 1, err)
		}
		return nil, false
	}
	r.opened.Add(1)
	if c.Deflated() {
		r.deflated.Add(1)
	}
	if !r.track(c) {
		c.Close()
		return nil, false
	}
	return c, true
}

func (r *run) do() *Result {
	stopWatch := context.AfterFunc(r.ctx, r.cancelAll)
	defer stopWatch()

	var conns []msgConn
	start := time.Now()
	if !r.o.Handshakes {
		conns = r.connectAll()
	}
	r.connectT = time.Since(start)
	r.t0 = time.Now()
	r.warmupEnd = int64(r.o.Warmup)
	r.end = int64(r.o.Warmup + r.o.Duration)

	progressDone := make(chan struct{})
	stopProgress := make(chan struct{})
	go func() {
		defer close(progressDone)
		r.progressLoop(stopProgress)
	}()

	var wg sync.WaitGroup
	if r.o.Handshakes {
		for range r.o.Conns {
			wg.Go(r.handshakeLoop)
		}
	} else {
		for i, c := range conns {
			wg.Go(func() {
				defer r.untrack(c, true)
				if r.o.Rate > 0 {
					r.openLoop(c, i)
				} else {
					r.closedLoop(c)
				}
			})
		}
	}
	wg.Wait()
	close(stopProgress)
	<-progressDone
	r.cancelAll()
	return r.result()
}

// connectAll opens Conns connections, dialParallel at a time, and keeps
// the ones that succeeded.
func (r *run) connectAll() []msgConn {
	var (
		mu    sync.Mutex
		conns []msgConn
		wg    sync.WaitGroup
	)
	sem := make(chan struct{}, dialParallel)
	for range r.o.Conns {
		if r.ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if c, ok := r.dial(); ok {
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return conns
}

// closedLoop keeps one message in flight on c until the run ends.
func (r *run) closedLoop(c msgConn) {
	size := r.o.Size
	out, in := newMessageBuffer(size), make([]byte, size)
	var seq uint64
	var st seqState
	defer r.finish(&st)
	for r.ctx.Err() == nil {
		now := r.since()
		if now >= r.end {
			return
		}
		fillMessage(out, seq, now)
		seq++
		if err := c.WriteMsg(out); err != nil {
			r.countErr(classifyIO(err), 1, err)
			return
		}
		r.sent.Add(1)
		c.SetReadDeadline(time.Now().Add(r.o.Timeout))
		msg, err := c.ReadMsg(in)
		if err != nil {
			r.countErr(classifyIO(err), 1, err)
			return
		}
		r.check(msg, &st)
	}
}

// openLoop sends Rate messages per second on c from one goroutine and
// reads the echoes on this one.
func (r *run) openLoop(c msgConn, index int) {
	interval := float64(time.Second) / r.o.Rate
	// Stagger connections over one interval so they do not send in step.
	offset := interval * float64(index) / float64(r.o.Conns)

	var (
		mu      sync.Mutex
		done    bool // the writer has sent its last message
		sent    atomic.Int64
		failed  atomic.Bool // first error recorded; the other side stays quiet
		quit    = make(chan struct{})
		writerW sync.WaitGroup
	)
	fail := func(err error) {
		if failed.CompareAndSwap(false, true) {
			r.countErr(classifyIO(err), 1, err)
			close(quit)
		}
		r.untrack(c, false)
	}
	writerW.Go(func() {
		defer func() {
			mu.Lock()
			done = true
			c.SetReadDeadline(time.Now()) // wake the reader to look at done
			mu.Unlock()
		}()
		out := newMessageBuffer(r.o.Size)
		for n := 0; r.ctx.Err() == nil && !failed.Load(); n++ {
			due := int64(offset + interval*float64(n))
			if due >= r.end {
				return
			}
			if wait := time.Duration(due - r.since()); wait > 0 {
				t := time.NewTimer(wait)
				select {
				case <-t.C:
				case <-quit:
					t.Stop()
					return
				case <-r.ctx.Done():
					t.Stop()
					return
				}
			}
			fillMessage(out, uint64(n), due)
			if err := c.WriteMsg(out); err != nil {
				fail(err)
				return
			}
			sent.Add(1)
			r.sent.Add(1)
		}
	})
	defer writerW.Wait()

	in := make([]byte, r.o.Size)
	var st seqState
	defer r.finish(&st)
	var received int64
	for r.ctx.Err() == nil && !failed.Load() {
		mu.Lock()
		if done && received >= sent.Load() {
			mu.Unlock()
			return
		}
		armed := time.Now()
		c.SetReadDeadline(armed.Add(r.o.Timeout))
		mu.Unlock()
		msg, err := c.ReadMsg(in)
		if err != nil {
			if classifyIO(err) == KindTimeout && time.Since(armed) < r.o.Timeout {
				continue // woken by the writer, or nothing was outstanding
			}
			if classifyIO(err) == KindTimeout && received >= sent.Load() && !done {
				continue // idle at a low rate: nothing was due
			}
			fail(err)
			return
		}
		received += r.check(msg, &st)
	}
}

// maxMissing bounds the sequence numbers a connection remembers as
// missing, waiting to see whether they arrive late (reordered) or never
// (lost); gaps beyond it are counted lost at once.
const maxMissing = 1024

// seqState follows the sequence numbers of one connection's replies.
type seqState struct {
	expect  uint64
	missing map[uint64]struct{}
}

// check verifies one echoed message and records it. It returns how many
// sent messages the reply accounts for: 1, plus those skipped over, or 0
// for a late or duplicated one.
func (r *run) check(msg []byte, st *seqState) int64 {
	now := r.since()
	r.received.Add(1)
	seq, sent, ok := parseMessage(msg)
	if !ok || len(msg) != r.o.Size {
		r.countErr(KindCorrupt, 1, fmt.Errorf("reply %d (%d bytes of %d): checksum or size mismatch", st.expect, len(msg), r.o.Size))
		st.expect++
		return 1
	}
	accounted := int64(1)
	switch {
	case seq < st.expect:
		// A late message is reordered; one never skipped is a duplicate,
		// reported under the same kind.
		delete(st.missing, seq)
		r.countErr(KindReordered, 1, fmt.Errorf("message %d arrived after message %d", seq, st.expect-1))
		return 0
	case seq > st.expect:
		gap := seq - st.expect
		accounted += int64(gap)
		if st.missing == nil {
			st.missing = map[uint64]struct{}{}
		}
		for s := st.expect; s < seq; s++ {
			if len(st.missing) >= maxMissing {
				r.countErr(KindLost, int64(seq-s), fmt.Errorf("messages %d..%d were skipped", s, seq-1))
				break
			}
			st.missing[s] = struct{}{}
		}
	}
	st.expect = seq + 1
	// A reply is measured when its message was sent (or, with a rate,
	// due) after the warmup; the window ends when the last one is in.
	if sent >= r.warmupEnd {
		r.measured.Add(1)
		r.latency.Record(time.Duration(now - sent))
	}
	return accounted
}

// finish counts the messages still missing when a connection ends as lost.
func (r *run) finish(st *seqState) {
	for seq := range st.missing {
		r.countErr(KindLost, int64(len(st.missing)), fmt.Errorf("message %d never came back (a later one did)", seq))
		return
	}
}

// handshakeLoop connects, handshakes and closes until the run ends.
func (r *run) handshakeLoop() {
	for r.ctx.Err() == nil {
		begin := r.since()
		if begin >= r.end {
			return
		}
		c, ok := r.dial()
		if !ok {
			if r.ctx.Err() == nil {
				// Do not spin on a refusing server.
				time.Sleep(10 * time.Millisecond)
			}
			continue
		}
		now := r.since()
		r.allHandshakes.Add(1)
		if begin >= r.warmupEnd && now <= r.end {
			r.handshakes.Add(1)
			r.handshake.Record(time.Duration(now - begin))
		}
		r.untrack(c, true)
	}
}
