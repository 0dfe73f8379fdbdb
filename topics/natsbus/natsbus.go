// Package natsbus is a topics.Bus across processes and machines on NATS
// (github.com/nats-io/nats.go): each process delivers its own publications
// at once, and hands them to NATS for the other processes; it subscribes
// to a NATS subject only while one of its subscribers has the pattern.
//
// Delivery is at most once, as NATS's core is: while the NATS connection is
// down, local delivery goes on, and publications wait for the reconnect in
// a buffer of Options.ReconnectBufSize bytes; those beyond it are lost,
// counted (Stats.Lost) and logged. After the reconnect nats.go restores the
// subscriptions and sends what was buffered. A process gets each message
// once however many of its patterns match, and never its own back.
package natsbus

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/tlskit/tlskit/topics"
)

// Message headers of tlskit's publications.
const (
	headerOrigin = "Tlskit-Origin" // the publishing Bus
	headerSeq    = "Tlskit-Seq"    // its publication number, from 1
	headerBinary = "Tlskit-Binary" // "1": a binary message
)

// ErrClosed is the error of a Bus after Close.
var ErrClosed = errors.New("natsbus: closed")

// Options configure a Bus. The zero value connects to nats.DefaultURL.
type Options struct {
	// URLs are the NATS servers (default nats://127.0.0.1:4222).
	URLs []string
	// Name is the connection's name in the servers' monitoring.
	Name string
	// CredsFile is a user's credentials file (JWT and nkey seed); JWTFile
	// and SeedFile the same in two files; NkeyFile an nkey seed alone.
	CredsFile, JWTFile, SeedFile, NkeyFile string
	// TLS, if set, is the client TLS config to NATS (tlsconf's
	// Settings.ClientConfig builds one).
	TLS *tls.Config
	// QueueSize bounds the publications waiting to go to NATS (default
	// 8192); ReceiveQueue those received waiting for delivery (default
	// 65536). Beyond them messages are lost and counted.
	QueueSize, ReceiveQueue int
	// ReconnectBufSize bounds the bytes of publications held while the
	// connection is down (default 1 MiB); ReconnectWait is the pause
	// between attempts to one server (default 2 s).
	ReconnectBufSize int
	ReconnectWait    time.Duration
	// Logger gets the losses and reconnects (default slog.Default()).
	Logger *slog.Logger
	// NATS are further nats.go options, applied last.
	NATS []nats.Option
}

// Stats counts a Bus's messages.
type Stats struct {
	Published  uint64 // Publish calls that succeeded
	Delivered  uint64 // Deliver calls to this process's subscribers
	Sent       uint64 // publications NATS took (or buffered for the reconnect)
	Received   uint64 // messages from other processes delivered here
	Lost       uint64 // publications and receptions lost: a queue or buffer was full
	Reconnects uint64 // reconnects to NATS
}

// Bus is a topics.Bus on a NATS connection.
type Bus struct {
	nc     *nats.Conn
	local  topics.Local
	origin string
	log    *slog.Logger
	out    chan topics.Message
	in     chan *nats.Msg
	done   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once

	mu   sync.Mutex
	refs topics.Tree[topics.Subscriber]
	pats topics.Tree[string] // each pattern under itself: the canonical one of a message
	want map[string]struct{} // the patterns to hold on NATS
	kick chan struct{}       // want changed

	smu     sync.Mutex // subs, dropped: the subscriptions held, by subLoop
	subs    map[string]*nats.Subscription
	dropped uint64 // by ended subscriptions: their queue was full

	lossLogged               atomic.Bool
	published, sent          atomic.Uint64
	received, lost, reconnct atomic.Uint64
}

var _ topics.Bus = (*Bus)(nil)

// Connect connects to NATS and returns a Bus on the connection.
func Connect(opts Options) (*Bus, error) {
	b := &Bus{
		origin: nats.NewInbox()[len(nats.InboxPrefix):],
		log:    opts.Logger,
		out:    make(chan topics.Message, cmp(opts.QueueSize, 8192)),
		in:     make(chan *nats.Msg, cmp(opts.ReceiveQueue, 65536)),
		done:   make(chan struct{}),
		subs:   map[string]*nats.Subscription{},
		want:   map[string]struct{}{},
		kick:   make(chan struct{}, 1),
	}
	if b.log == nil {
		b.log = slog.Default()
	}
	no := []nats.Option{
		nats.NoEcho(), nats.MaxReconnects(-1),
		nats.ReconnectBufSize(cmp(opts.ReconnectBufSize, 1<<20)),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			b.log.Warn("natsbus: disconnected from NATS", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			b.reconnct.Add(1)
			b.lossLogged.Store(false)
			b.log.Info("natsbus: reconnected to NATS", "url", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrSlowConsumer) {
				b.logLoss("receive queue full") // counted by the subscription
				return
			}
			b.log.Warn("natsbus: NATS error", "err", err)
		}),
	}
	if opts.Name != "" {
		no = append(no, nats.Name(opts.Name))
	}
	if opts.ReconnectWait > 0 {
		no = append(no, nats.ReconnectWait(opts.ReconnectWait))
	}
	switch {
	case opts.CredsFile != "" && opts.JWTFile != "":
		return nil, errors.New("natsbus: CredsFile and JWTFile are exclusive")
	case opts.CredsFile != "":
		no = append(no, nats.UserCredentials(opts.CredsFile))
	case opts.JWTFile != "":
		if opts.SeedFile == "" {
			return nil, errors.New("natsbus: JWTFile needs SeedFile")
		}
		no = append(no, nats.UserCredentials(opts.JWTFile, opts.SeedFile))
	}
	if opts.NkeyFile != "" {
		if opts.CredsFile != "" || opts.JWTFile != "" {
			return nil, errors.New("natsbus: NkeyFile is for nkey authentication without a JWT")
		}
		o, err := nats.NkeyOptionFromSeed(opts.NkeyFile)
		if err != nil {
			return nil, fmt.Errorf("natsbus: %w", err)
		}
		no = append(no, o)
	}
	if opts.TLS != nil {
		no = append(no, nats.Secure(opts.TLS))
	}
	no = append(no, opts.NATS...)
	url := strings.Join(opts.URLs, ",")
	if url == "" {
		url = nats.DefaultURL
	}
	nc, err := nats.Connect(url, no...)
	if err != nil {
		return nil, fmt.Errorf("natsbus: %w", err)
	}
	b.nc = nc
	b.wg.Add(3)
	go b.sendLoop()
	go b.receiveLoop()
	go b.subLoop()
	return b, nil
}

func cmp(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

func (b *Bus) lose(why string) {
	b.lost.Add(1)
	b.logLoss(why)
}

func (b *Bus) logLoss(why string) {
	if !b.lossLogged.Swap(true) {
		b.log.Warn("natsbus: losing messages (counted in Stats.Lost; logged once until the next reconnect)", "why", why)
	}
}

// Publish delivers m to this process's subscribers at once and queues it
// for NATS without waiting; with the queue full it is lost for the other
// processes (counted).
func (b *Bus) Publish(m topics.Message) error {
	select {
	case <-b.done:
		return ErrClosed
	default:
	}
	if err := b.local.Publish(m); err != nil {
		return err
	}
	b.published.Add(1)
	m.Data = slices.Clone(m.Data)
	select {
	case b.out <- m:
	default:
		b.lose("publish queue full")
	}
	return nil
}

func (b *Bus) sendLoop() {
	defer b.wg.Done()
	var seq uint64
	send := func(m topics.Message) {
		seq++
		msg := nats.NewMsg(m.Topic)
		msg.Data = m.Data
		msg.Header.Set(headerOrigin, b.origin)
		msg.Header.Set(headerSeq, strconv.FormatUint(seq, 10))
		if m.Binary {
			msg.Header.Set(headerBinary, "1")
		}
		if err := b.nc.PublishMsg(msg); err != nil {
			b.lose(err.Error())
			return
		}
		b.sent.Add(1)
	}
	for {
		select {
		case m := <-b.out:
			send(m)
		case <-b.done:
			for {
				select {
				case m := <-b.out:
					send(m)
				default:
					return
				}
			}
		}
	}
}

func (b *Bus) receiveLoop() {
	defer b.wg.Done()
	last := map[string]uint64{} // origin: its last publication delivered
	var pats []string
	for {
		var msg *nats.Msg
		select {
		case msg = <-b.in:
		case <-b.done:
			return
		}
		origin := msg.Header.Get(headerOrigin)
		if origin == b.origin {
			continue
		}
		if origin != "" {
			// Each pattern's subscription brings its own copy, all in
			// the origin's order: deliver the first.
			seq, err := strconv.ParseUint(msg.Header.Get(headerSeq), 10, 64)
			if err != nil || seq <= last[origin] {
				continue
			}
			last[origin] = seq
		} else {
			// Another client's message: deliver the copy of the smallest
			// pattern that matches.
			b.mu.Lock()
			pats = b.pats.Match(pats[:0], msg.Subject)
			b.mu.Unlock()
			if len(pats) == 0 || msg.Sub == nil || slices.Min(pats) != msg.Sub.Subject {
				continue
			}
		}
		m := topics.Message{Topic: msg.Subject, Data: msg.Data, Binary: msg.Header.Get(headerBinary) == "1"}
		if b.local.Publish(m) == nil {
			b.received.Add(1)
		}
	}
}

// Subscribe adds s under pattern. The process subscribes to the pattern
// on NATS, soon after and without waiting, if it is the pattern's first
// subscriber.
func (b *Bus) Subscribe(pattern string, s topics.Subscriber) error {
	if err := topics.ValidPattern(pattern); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-b.done:
		return ErrClosed
	default:
	}
	added, first := b.refs.Add(pattern, s)
	if !added {
		return nil
	}
	if first {
		b.pats.Add(pattern, pattern)
		b.want[pattern] = struct{}{}
		b.kickLocked()
	}
	return b.local.Subscribe(pattern, s)
}

// Unsubscribe removes s from under pattern; the process unsubscribes on
// NATS after the pattern's last subscriber.
func (b *Bus) Unsubscribe(pattern string, s topics.Subscriber) error {
	if err := topics.ValidPattern(pattern); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	removed, last := b.refs.Remove(pattern, s)
	if !removed {
		return nil
	}
	if last {
		b.pats.Remove(pattern, pattern)
		delete(b.want, pattern)
		b.kickLocked()
	}
	return b.local.Unsubscribe(pattern, s)
}

func (b *Bus) kickLocked() {
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// subLoop holds on NATS the subscriptions that want lists, so that
// Subscribe and Unsubscribe never wait for the NATS connection.
func (b *Bus) subLoop() {
	defer b.wg.Done()
	for {
		select {
		case <-b.kick:
		case <-b.done:
			return
		}
		b.mu.Lock()
		want := maps.Clone(b.want)
		b.mu.Unlock()
		b.smu.Lock()
		for p, sub := range b.subs {
			if _, ok := want[p]; !ok {
				if n, err := sub.Dropped(); err == nil {
					b.dropped += uint64(n)
				}
				if err := sub.Unsubscribe(); err != nil {
					b.log.Warn("natsbus: unsubscribing", "subject", p, "err", err)
				}
				delete(b.subs, p)
			}
		}
		for p := range want {
			if b.subs[p] != nil {
				continue
			}
			sub, err := b.nc.ChanSubscribe(p, b.in)
			if err != nil {
				b.log.Warn("natsbus: subscribing", "subject", p, "err", err)
				continue // tried again at the next change
			}
			b.subs[p] = sub
		}
		b.smu.Unlock()
	}
}

// Subjects returns the patterns this process subscribes to on NATS.
func (b *Bus) Subjects() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Sorted(maps.Keys(b.want))
}

// Stats returns b's counts.
func (b *Bus) Stats() Stats {
	b.smu.Lock()
	dropped := b.dropped
	for _, sub := range b.subs {
		if n, err := sub.Dropped(); err == nil {
			dropped += uint64(n)
		}
	}
	b.smu.Unlock()
	return Stats{
		Published: b.published.Load(), Delivered: b.local.Stats().Delivered,
		Sent: b.sent.Load(), Received: b.received.Load(),
		Lost: b.lost.Load() + dropped, Reconnects: b.reconnct.Load(),
	}
}

// Conn returns the NATS connection, for its status and statistics.
func (b *Bus) Conn() *nats.Conn { return b.nc }

// Close sends what is queued (waiting up to a second for NATS to take it)
// and closes the connection.
func (b *Bus) Close() error {
	b.once.Do(func() {
		close(b.done)
		b.wg.Wait()
		_ = b.nc.FlushTimeout(time.Second)
		b.nc.Close()
	})
	return nil
}
