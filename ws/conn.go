package ws

// Locks, in the order they may be taken (a lock is never acquired while a
// later one in this list is held):
//
//  1. hub.bmu: a Broadcast holds it while it sends to each connection.
//  2. Conn.mu: the connection's state (the fields marked so below).
//  3. The transport's write side: a send hands bytes to it with Conn.mu
//     held (a standalone Server's server.Conn, or the engine's conn under
//     engineTransport).
//
// hub.mu and engineTransport.mu are taken with neither of the first two
// held, and hold neither. hubTopics.mu (ws/topics.go) is taken with at most
// hub.bmu held, and holds at most hub.mu or the Bus's own locks (a Bus never
// calls Deliver with a lock that its Subscribe or Unsubscribe takes). No hook runs with Conn.mu held: hooks may call
// any method of any Conn.

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
	"github.com/tlskit/tlskit/internal/framing"
	"github.com/tlskit/tlskit/internal/hook"
	"github.com/tlskit/tlskit/internal/lifecycle"
	"github.com/tlskit/tlskit/internal/logsafe"
	"github.com/tlskit/tlskit/internal/serial"
	"github.com/tlskit/tlskit/internal/wsproto"
	"github.com/tlskit/tlskit/server"
)

// link is what a Conn needs of the connection under it, the one set of
// flow-control rules for every way in; a standalone Server's *server.Conn
// has it as it is, and Handler and client connections have it from the
// engine (engineTransport).
type link interface {
	// Send queues what fits of p without blocking and returns the count;
	// the error matches ErrWouldBlock when not all of p fitted, and room
	// is then reported (Writable, and the transport's OnReadyToSend path
	// to Conn.writable). It copies what it takes.
	Send(p []byte) (int, error)
	// Writable returns a channel closed when room returns after a refused
	// Send, or at the end; a hook may wait on it.
	Writable() <-chan struct{}
	// PauseData stops reading and delivery; ProcessData resumes,
	// delivering what was held first.
	PauseData()
	ProcessData()
	AcceptData() bool
	// Disconnect closes after the queued bytes are written; Reset closes
	// at once, dropping them.
	Disconnect()
	Reset()
}

var _ link = (*server.Conn)(nil)

// transport is a link with what ws asks of it besides.
type transport interface {
	link
	// queueLimit is the bound of the transport's queue, which also bounds
	// the bytes the Conn holds beyond it.
	queueLimit() int
	localAddr() net.Addr
	remoteAddr() net.Addr
	connectionState() (tls.ConnectionState, bool)
}

// phase is where a Conn is in its life. It only moves forward, by
// setPhaseLocked, along the moves of phases.
type phase uint8

const (
	phaseHandshake phase = iota // server side, before the 101 (a client opens at once)
	phaseOpen                   // the WebSocket is open: OnConnected was due, sends go
	phaseClosing                // leaving: a Close sent or received, a failure, a hook's panic; no more sends
	phaseRefused                // the upgrade was refused, or answered as a page: never opened
	phaseClosed                 // the transport is gone: OnDisconnected runs (for one that opened)
	phaseGone                   // OnDisconnected has run: Done is closed
)

// phases is a Conn's lifecycle: for each phase, the phases it may move to.
var phases = lifecycle.Table[phase]{
	What:  "ws: connection",
	Names: []string{"handshake", "open", "closing", "refused", "closed", "gone"},
	Next: []uint32{
		// The transport may close in the handshake (a refusal by the
		// hooks, a timeout, a Handler's upgrade dropped by Shutdown).
		phaseHandshake: 1<<phaseOpen | 1<<phaseRefused | 1<<phaseClosed,
		phaseOpen:      1<<phaseClosing | 1<<phaseClosed,
		phaseClosing:   1 << phaseClosed,
		phaseRefused:   1 << phaseClosed,
		phaseClosed:    1 << phaseGone,
	},
}

func (p phase) String() string { return phases.String(p) }

// setPhaseLocked moves c from phase from to phase to, if it is in from and
// phases allows the move, and reports whether it did; c.mu is held. A
// refusal is a bug in this package (a panic in its tests, which set
// phases.Strict). Blocking sends are woken, to give up once c is not
// open, and leaving the open phase (or the handshake, for a refused or
// closed one) closes notOpen, since data after our Close may be dropped
// (RFC 6455 §1.4).
func (c *Conn) setPhaseLocked(from, to phase) bool {
	if !phases.Move(&c.phase, from, to) {
		return false
	}
	c.wakeLocked()
	if from < phaseClosing && to >= phaseClosing && c.x != nil && c.x.notOpen != nil {
		close(c.x.notOpen)
	}
	return true
}

// openLocked reports whether the WebSocket is open; c.mu is held.
func (c *Conn) openLocked() bool { return c.phase == phaseOpen }

// Conn is one WebSocket connection, server or client side.
// Its methods are safe for concurrent use and may be called from hooks.
type Conn struct {
	// Fixed once the Conn is shared (id is set before, by hub.add).
	id     int64
	opts   *ConnOptions
	events *Events
	tr     transport
	sc     *server.Conn // the standalone server's connection, nil otherwise
	hub    *hub         // the Server or Handler holding the connection, nil for clients
	// evq is the event queue of Handler and client connections, whose
	// engine callbacks come from several goroutines (executor.go); nil on
	// a standalone Server's connection, whose events the server runs.
	evq *serial.Queue[connEvent]
	// messages is where whole messages go when OnDataIn is nil (ReadMessage).
	messages chan Message

	// Owned by the connection's events, which run one at a time.
	shs  *serverHandshake // the standalone server's handshake, nil once it ends
	line *framing.Framer  // line mode, nil otherwise

	// Guarded by mu.
	mu sync.Mutex
	// The handshake's results, written under mu before the connection
	// opens: a peer that saw the 101 may ask for them at once.
	req       *wsproto.UpgradeRequest // nil on a standalone server's connection once open: see head
	head      wsproto.RequestHead     // the request as received (standalone server)
	neg       *negotiated             // nil when the handshake settled only defaults
	rd        *wsproto.Reader         // nil between messages (see received)
	enc       wsproto.Encoder
	pending   []byte // encoded bytes the transport has not taken yet
	bytesSent int
	msgRemain int64 // bytes left of a message streamed by SetMessageLength
	x         *connExtra
	userData  any
	// The small fields, last so that they pack.
	maxLine    int32     // MaxLineLength, 0 for the default
	closeCode  CloseCode // what OnDisconnected reports
	sendFormat uint8     // a SendFormat
	phase      phase     // the lifecycle, moved by setPhaseLocked
	msgOp      wsproto.Opcode
	// Flags, independent of the phase:
	closeAfter bool // close the transport once pending is written
	streaming  bool // a blocking send is writing a message piece by piece
	wantReady  bool // a send returned ErrWouldBlock: fire OnReadyToSend
	peerClosed bool // the peer's Close frame came (the answer to ours, or its own)
	lineMode   bool
	panicked   bool // a hook panicked: the connection is being reset

	bufferMsg atomic.Bool  // not guarded: atomic
	role      wsproto.Role // fixed
}

// negotiated is what an opening handshake settled beyond the defaults: a
// subprotocol, extensions, response headers, permessage-deflate with its
// compressor and decompressor. A connection that settled none of these,
// the usual server connection, carries a nil pointer instead. Set before
// the connection opens; comp is guarded by mu.
type negotiated struct {
	protocol   string
	extensions []wsproto.Extension
	respHeader http.Header
	deflate    *wsproto.DeflateParams
	comp       *wsproto.Compressor
	decomp     *wsproto.Decompressor
}

// connExtra is what only some connections ever need: a close in progress,
// pings waiting for their pongs, the channels waiters asked for. It is made
// the first time one of them is, so that an idle connection carries a nil
// pointer instead. Guarded by mu.
type connExtra struct {
	closeReason string
	closeErr    error
	closeTimer  *time.Timer
	pings       map[string]chan struct{}
	interrupt   chan struct{} // closed by Interrupt, then dropped
	goneCh      chan struct{} // closed once OnDisconnected has run
	notOpen     chan struct{} // closed when the connection leaves the open state
	wake        engine.Waker  // woken when a refused send may go now: see wakeLocked
	timeout     time.Duration // SetTimeout's
	read        *readState    // ReadMessage and NextReader with Fragments
}

// extraLocked returns c.x, made on first use; c.mu is held.
func (c *Conn) extraLocked() *connExtra {
	if c.x == nil {
		c.x = &connExtra{}
	}
	return c.x
}

// closeReasonLocked is the reason OnDisconnected reports; c.mu is held.
func (c *Conn) closeReasonLocked() string {
	if c.x == nil {
		return ""
	}
	return c.x.closeReason
}

// closeErrLocked is the first cause of the end, nil for none; c.mu is held.
func (c *Conn) closeErrLocked() error {
	if c.x == nil {
		return nil
	}
	return c.x.closeErr
}

// setCloseLocked records the close code and reason to report; c.mu is held.
func (c *Conn) setCloseLocked(code CloseCode, reason string) {
	c.closeCode = code
	if reason != "" || c.x != nil {
		c.extraLocked().closeReason = reason
	}
}

// serverHandshake is what a standalone Server's connection needs only
// until its opening handshake ends, kept apart so that an open connection
// does not carry it. The connection's event goroutine alone uses it.
type serverHandshake struct {
	parser   wsproto.RequestParser
	httpHead []byte      // the handshake bytes, kept for Options.HTTP
	timer    *time.Timer // the handshake timeout
}

func newConn(role wsproto.Role, opts *ConnOptions, ev *Events, tr transport) *Conn {
	c := &Conn{
		role:      role,
		opts:      opts,
		events:    ev,
		tr:        tr,
		enc:       wsproto.Encoder{Role: role, MaxFrameSize: opts.MaxFrameSize},
		maxLine:   int32(opts.MaxLineLength), // validated: fits
		lineMode:  opts.LineMode,
		closeCode: CloseAbnormal,
	}
	c.bufferMsg.Store(!opts.Fragments)
	if ev.OnDataIn == nil {
		// ReadMessage (whole messages) and, with Fragments, NextReader.
		c.messages = make(chan Message, 16)
	}
	return c
}

// open switches the connection to the WebSocket protocol once the handshake
// is done, with the negotiated deflate parameters (nil for none).
func (c *Conn) open(deflate *wsproto.DeflateParams) {
	c.mu.Lock()
	if deflate != nil {
		if c.neg == nil {
			c.neg = &negotiated{}
		}
		c.neg.deflate, c.neg.decomp = deflate, deflate.NewDecompressor(c.role)
	}
	c.setPhaseLocked(phaseHandshake, phaseOpen)
	c.mu.Unlock()
}

// readerPool holds the Readers of connections between messages: an idle
// Reader has nothing its options do not give (wsproto.Reader.Idle), so an
// idle connection need not keep one.
var readerPool = sync.Pool{New: func() any { return new(wsproto.Reader) }}

// readerLocked returns the connection's Reader, taking one from the pool
// when it has none; c.mu is held.
func (c *Conn) readerLocked() *wsproto.Reader {
	if c.rd == nil {
		ro := wsproto.ReaderOptions{MaxMessageSize: c.opts.MaxMessageSize, MaxMessageFrames: c.opts.MaxMessageFrames, BufferMessage: c.wholeMessages()}
		if c.neg != nil {
			ro.Decompressor = c.neg.decomp
		}
		c.rd = readerPool.Get().(*wsproto.Reader)
		c.rd.Reset(c.role, ro)
	}
	return c.rd
}

// releaseReader gives rd back to the pool if it is idle and still the
// connection's.
func (c *Conn) releaseReader(rd *wsproto.Reader) {
	rd.Release()
	if !rd.Idle() {
		return
	}
	c.mu.Lock()
	mine := c.rd == rd
	if mine {
		c.rd = nil
	}
	c.mu.Unlock()
	if mine {
		rd.Reset(c.role, wsproto.ReaderOptions{}) // drop the decompressor
		readerPool.Put(rd)
	}
}

// ConnectionID returns the id the server gave the connection (0 for clients).
func (c *Conn) ConnectionID() int64 { return c.id }

// IsClient reports whether this is the client end of the connection.
func (c *Conn) IsClient() bool { return c.role == wsproto.RoleClient }

// RequestURI returns the request target of the opening handshake.
func (c *Conn) RequestURI() string {
	return fromRequest(c, func(r *wsproto.UpgradeRequest) string { return r.URI }, wsproto.RequestHead.URI)
}

// Host returns the Host header of the opening handshake.
func (c *Conn) Host() string {
	return fromRequest(c, func(r *wsproto.UpgradeRequest) string { return r.Host },
		func(h wsproto.RequestHead) string { return h.Value("Host") })
}

// Origin returns the Origin header of the opening handshake ("" when absent).
func (c *Conn) Origin() string {
	return fromRequest(c, func(r *wsproto.UpgradeRequest) string { return r.Origin },
		func(h wsproto.RequestHead) string { return h.Value("Origin") })
}

// RequestHeader returns the opening handshake's request headers (on a
// client, those sent), in a new map each time on a standalone Server.
func (c *Conn) RequestHeader() http.Header {
	return fromRequest(c, (*wsproto.UpgradeRequest).Header, wsproto.RequestHead.Header)
}

// ResponseHeader returns the headers of the server's 101 response.
func (c *Conn) ResponseHeader() http.Header {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.neg == nil {
		return nil
	}
	return c.neg.respHeader
}

// SubProtocols returns the subprotocols the client offered.
func (c *Conn) SubProtocols() []string {
	return fromRequest(c, func(r *wsproto.UpgradeRequest) []string { return r.Protocols }, wsproto.RequestHead.Protocols)
}

// Protocol returns the negotiated subprotocol ("" for none).
func (c *Conn) Protocol() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.neg == nil {
		return ""
	}
	return c.neg.protocol
}

// Extensions returns the accepted extensions with their parameters.
func (c *Conn) Extensions() []Extension {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.neg == nil {
		return nil
	}
	return c.neg.extensions
}

// fromRequest reads a field of the opening handshake's request: from the
// parsed request, or for a standalone server's open connection from the
// request as received; the zero value before the handshake. The handshake
// fields are written under mu: a peer that saw the 101 response may ask
// for them from another goroutine at once.
func fromRequest[T any](c *Conn, parsed func(*wsproto.UpgradeRequest) T, received func(wsproto.RequestHead) T) T {
	c.mu.Lock()
	req, head := c.req, c.head
	c.mu.Unlock()
	switch {
	case req != nil:
		return parsed(req)
	case head != "":
		return received(head)
	}
	var zero T
	return zero
}

// setHandshake records the outcome of the opening handshake.
func (c *Conn) setHandshake(protocol string, extensions []Extension, respHeader http.Header) {
	if protocol == "" && extensions == nil && respHeader == nil {
		return
	}
	c.mu.Lock()
	if c.neg == nil {
		c.neg = &negotiated{}
	}
	c.neg.protocol, c.neg.extensions, c.neg.respHeader = protocol, extensions, respHeader
	c.mu.Unlock()
}

// Compressed reports whether permessage-deflate was negotiated.
func (c *Conn) Compressed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.neg != nil && c.neg.deflate != nil
}

// LocalAddr returns the local network address.
func (c *Conn) LocalAddr() net.Addr { return c.tr.localAddr() }

// RemoteAddr returns the peer's network address.
func (c *Conn) RemoteAddr() net.Addr { return c.tr.remoteAddr() }

// ServerConn returns a standalone Server connection's server.Conn, or nil.
func (c *Conn) ServerConn() *server.Conn { return c.sc }

// Connected reports whether the WebSocket is open (not closing or closed).
func (c *Conn) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.openLocked()
}

// UserData returns the value set by SetUserData.
func (c *Conn) UserData() any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.userData
}

// SetUserData attaches any value to the connection.
func (c *Conn) SetUserData(v any) {
	c.mu.Lock()
	c.userData = v
	c.mu.Unlock()
}

// Done is closed once the connection has closed and OnDisconnected has run.
func (c *Conn) Done() <-chan struct{} { return c.doneChan() }

// doneChan returns a channel closed once OnDisconnected has run. This and
// the other channels of a Conn are made on demand: an idle connection
// carries none.
func (c *Conn) doneChan() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	x := c.extraLocked()
	if x.goneCh == nil {
		x.goneCh = make(chan struct{})
		if c.phase == phaseGone {
			close(x.goneCh)
		}
	}
	return x.goneCh
}

// notOpenChan returns a channel closed once the connection leaves the
// open state.
func (c *Conn) notOpenChan() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	x := c.extraLocked()
	if x.notOpen == nil {
		x.notOpen = make(chan struct{})
		if c.phase >= phaseClosing {
			close(x.notOpen)
		}
	}
	return x.notOpen
}

// interruptChan returns the channel the next Interrupt closes; c.mu is held.
func (c *Conn) interruptChanLocked() chan struct{} {
	x := c.extraLocked()
	if x.interrupt == nil {
		x.interrupt = make(chan struct{})
	}
	return x.interrupt
}

// CloseStatus returns how the connection ended (valid once Done is closed).
func (c *Conn) CloseStatus() *CloseError {
	c.mu.Lock()
	defer c.mu.Unlock()
	return &CloseError{Code: c.closeCode, Reason: c.closeReasonLocked(), Err: c.closeErrLocked()}
}

func (c *Conn) logf(level LogLevel, typ, format string, args ...any) {
	if !c.logs(level) {
		return
	}
	msg := fmt.Sprintf(format, logsafeArgs(args)...)
	if h := c.events.OnLog; h != nil {
		c.call("OnLog", func() { h(c, level, msg, typ) })
		return
	}
	c.opts.slog.Log(context.Background(), slogLevel(level), msg, "id", c.id, "type", typ)
}

// logs reports whether a Log event of level would fire (or, without
// OnLog, a record reach the Logger), so that callers build costly
// arguments only then.
func (c *Conn) logs(level LogLevel) bool {
	if level > c.opts.logLevel() {
		return false
	}
	if c.events.OnLog != nil {
		return true
	}
	return c.opts.slog != nil && c.opts.slog.Enabled(context.Background(), slogLevel(level))
}

// logsafeArgs replaces the strings, string lists and errors among args,
// which may hold what the peer sent (a URI, headers, a close reason, an
// error quoting either), by their logsafe forms: escaped and cut, so that
// a Log message is one line of bounded length.
func logsafeArgs(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case string:
			args[i] = logsafe.String(v)
		case []string:
			args[i] = logsafe.String(fmt.Sprint(v))
		case error:
			args[i] = logsafe.Error(v)
		}
	}
	return args
}

// limitedLogger returns l behind a logsafe.Limiter that tells obs of the
// records it drops (when obs is a server.LogObserver), and the Limiter, or
// nils for a nil l.
func limitedLogger(l *slog.Logger, obs Observer) (*slog.Logger, *logsafe.Limiter) {
	if l == nil {
		return nil, nil
	}
	var onDrop func()
	if lo, ok := obs.(server.LogObserver); ok {
		onDrop = lo.LogRecordSuppressed
	}
	lim := logsafe.NewLimiter(l.Handler(), logsafe.LimitOptions{OnDrop: onDrop})
	return slog.New(lim), lim
}

// slogLevel is the slog level of a Log event's level.
func slogLevel(l LogLevel) slog.Level {
	switch l {
	case LogVerbose:
		return slog.LevelDebug
	case LogDebug:
		return slog.LevelDebug - 4
	}
	return slog.LevelInfo
}

func (c *Conn) reportError(err error) {
	c.logf(LogInfo, "Error", "%v", err)
	if h := c.events.OnError; h != nil {
		c.call("OnError", func() { h(c, err) })
	}
}

// call runs the program's hook named name for c. A panic in it is logged
// at Error with its stack and resets the connection, as net/http does for
// a handler: no other hook of c runs but OnDisconnected, and the other
// connections are served on. It reports whether fn returned normally.
func (c *Conn) call(name string, fn func()) bool {
	p := hook.Call(name, fn)
	if p == nil {
		return true
	}
	c.mu.Lock()
	first := !c.panicked
	c.panicked = true
	x := c.extraLocked()
	if x.closeErr == nil {
		x.closeErr = p
	}
	if c.openLocked() {
		c.setPhaseLocked(phaseOpen, phaseClosing) // no more sends
	}
	c.mu.Unlock()
	c.logPanic(p)
	if first {
		c.tr.Reset()
	}
	return false
}

// hookPanicked reports whether a hook of c panicked.
func (c *Conn) hookPanicked() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.panicked
}

// logPanic logs a hook's panic: as a Log event of type "Error" when OnLog
// is set (and did not panic itself), else at Error to the Logger, or to
// slog's default logger when there is none.
func (c *Conn) logPanic(p *hook.Panic) {
	if h := c.events.OnLog; h != nil && p.Hook != "OnLog" && c.opts.logLevel() >= LogInfo {
		msg := fmt.Sprintf("panic in %s: %v: resetting the connection\n%s", p.Hook, p.Value, p.Stack)
		if hook.Call("OnLog", func() { h(c, LogInfo, msg, "Error") }) == nil {
			return
		}
	}
	l := c.opts.slog
	if l == nil {
		l = slog.Default()
	}
	l.Error("panic in a hook: resetting the connection", "id", c.id, "hook", p.Hook,
		"panic", fmt.Sprint(p.Value), "stack", string(p.Stack))
}
