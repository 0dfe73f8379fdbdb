package server

import (
	"container/list"
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tlskit/tlskit/internal/access"
	"github.com/tlskit/tlskit/internal/engine"
	"github.com/tlskit/tlskit/internal/framing"
	"github.com/tlskit/tlskit/internal/hook"
	"github.com/tlskit/tlskit/internal/logsafe"
)

// Conn is one client connection (IPWorks's SSLConnection). Its methods are
// safe for concurrent use and may be called from any hook. A Conn stays
// valid after it closes: its methods then report the final state or
// ErrNotConnected.
type Conn struct {
	s  *Server
	id int64
	ec engine.Conn // also holds the addresses
	q  queue

	fixed    *connFixed    // from the server's options at accept, shared
	accepted int64         // when the engine accepted it: monotonic nanoseconds since monoBase
	hsElem   *list.Element // in s.handshaking while the handshake runs; guarded by the server's mu

	// Guarded by mu (the small fields last, so that they pack).
	mu           sync.Mutex
	gone         chan struct{} // closed when closing starts (locally or not); made on demand
	closeCode    int           // the reason chosen locally, if closeSet
	closeDesc    string
	inbox        []byte // received, not yet delivered; from inboxPool when it fits
	closePending *event
	bytesSent    int
	writableGen  uint64
	writable     chan struct{} // one token: OnWritable happened; made by the first blocking send
	interrupt    chan struct{} // closed by Interrupt, then dropped; made on demand
	userData     any
	idleTimeout  time.Duration
	timeout      time.Duration
	tlsState     *tls.ConnectionState
	connected    bool
	closed       bool // the engine has closed the connection
	goneClosed   bool
	stopData     bool // Disconnect called: no more DataIn
	closeSet     bool
	dataQueued   bool
	paused       bool // PauseData
	readPaused   bool // the engine's reading is paused (PauseData or a full inbox)
	readyToSend  bool
	wantReady    bool
	hsOver       bool // the handshake has ended (or the connection closed); guarded by the server's mu
	evicted      bool // replaced by a newer connection, no longer counted; guarded by the server's mu

	stall atomic.Pointer[stallWatch] // StallTimeout's detector, made when first needed

	fmu    sync.Mutex      // guards framer; held by the dispatcher except during DataIn
	framer *framing.Framer // nil while the settings are the defaults: data is delivered as it comes
}

// connFixed is what a connection takes from the server's options when it
// is accepted. The connections accepted under the same options share one.
type connFixed struct {
	tlsBase    *tls.Config
	linger     time.Duration
	hsTimeout  time.Duration
	stall      time.Duration
	inLimit    int
	outLimit   int
	authClient bool
	noLinger   bool
	upgrade    bool // Options.UpgradeHandshake
}

func connFixedOf(o *Options) connFixed {
	f := connFixed{
		tlsBase: o.TLSConfig, authClient: o.SSLAuthenticateClients,
		noLinger: o.NoLinger, linger: o.LingerTime,
		inLimit: o.InBufferSize, outLimit: o.OutBufferSize,
		hsTimeout: o.DefaultConnectionTimeout, upgrade: o.UpgradeHandshake,
		stall: o.StallTimeout,
	}
	if f.inLimit <= 0 {
		f.inLimit = DefaultInBufferSize
	}
	return f
}

func newConn(s *Server, ec engine.Conn, o *Options, fixed *connFixed) *Conn {
	c := &Conn{
		s: s, id: s.nextID.Add(1), ec: ec, fixed: fixed, accepted: int64(time.Since(monoBase)),
		idleTimeout: o.DefaultIdleTimeout,
		timeout:     o.DefaultTimeout,
		readyToSend: true,
	}
	if len(o.DefaultEOL) > 0 || o.DefaultSingleLineMode || o.DefaultMaxLineLength != 0 && o.DefaultMaxLineLength != framing.DefaultMaxLineLength {
		f := c.framerLocked()
		f.SetEOL(o.DefaultEOL)
		f.SetSingleLineMode(o.DefaultSingleLineMode)
		_ = f.SetMaxLineLength(o.DefaultMaxLineLength) // validated by New
	}
	return c
}

func (c *Conn) eventQueue() *queue { return &c.q }

// framerLocked returns the connection's framer, made with the default
// settings if there is none yet; fmu is held (or c is new).
func (c *Conn) framerLocked() *framing.Framer {
	if c.framer == nil {
		c.framer = new(framing.Framer)
	}
	return c.framer
}

// ConnectionID returns the id the server gave the connection (from 1 up,
// never reused by one Server).
func (c *Conn) ConnectionID() int64 { return c.id }

// RemoteHost returns the client's IP address.
func (c *Conn) RemoteHost() string { return c.ec.RemoteAddr().Addr().String() }

// RemotePort returns the client's TCP port.
func (c *Conn) RemotePort() int { return int(c.ec.RemoteAddr().Port()) }

// RemoteAddr returns the client's address and port.
func (c *Conn) RemoteAddr() netip.AddrPort { return c.ec.RemoteAddr() }

// EndHandshake tells a server with Options.UpgradeHandshake that the
// connection's own opening handshake is done (a WebSocket upgrade, say):
// from now on a full server does not replace it with a new connection.
// Without UpgradeHandshake it does nothing.
func (c *Conn) EndHandshake() {
	c.s.mu.Lock()
	c.s.endHandshakeLocked(c)
	c.s.mu.Unlock()
}

// AcceptedAt returns when the server accepted the connection, the start of
// its handshake deadline (Options.DefaultConnectionTimeout).
func (c *Conn) AcceptedAt() time.Time { return monoBase.Add(time.Duration(c.accepted)) }

// monoBase anchors Conn.accepted, kept in 8 bytes rather than a time.Time's
// 24 (idle connections are many), on the monotonic clock.
var monoBase = time.Now()

// age returns the time since the accept.
func (c *Conn) age() time.Duration { return time.Since(monoBase) - time.Duration(c.accepted) }

// LocalAddress returns the server address the client connected to.
func (c *Conn) LocalAddress() string { return c.ec.LocalAddr().Addr().String() }

// LocalPort returns the server port the client connected to.
func (c *Conn) LocalPort() int { return int(c.ec.LocalAddr().Port()) }

// Connected reports whether the connection is established and not closed.
func (c *Conn) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.connected && !c.closed
}

// BytesSent returns how many bytes the last Send (or SendText, SendLine)
// accepted.
func (c *Conn) BytesSent() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytesSent
}

// ReadyToSend reports whether the connection can take data: false after a
// Send returned ErrWouldBlock, true again when OnReadyToSend fires.
func (c *Conn) ReadyToSend() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.readyToSend && !c.closed
}

// Queued returns the bytes accepted by Send and not yet written to the socket.
func (c *Conn) Queued() int { return c.ec.Queued() }

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

// AcceptData reports whether data reception is enabled (false after PauseData).
func (c *Conn) AcceptData() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.paused
}

// IdleTimeout returns the connection's idle timeout (0: none).
func (c *Conn) IdleTimeout() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.idleTimeout
}

// SetIdleTimeout changes the idle timeout of this connection; 0 disables it.
func (c *Conn) SetIdleTimeout(d time.Duration) {
	d = max(d, 0)
	c.mu.Lock()
	c.idleTimeout = d
	c.mu.Unlock()
	c.ec.SetIdleTimeout(d)
}

// Timeout returns the connection's send timeout (0: sends never block).
func (c *Conn) Timeout() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.timeout
}

// SetTimeout sets the send timeout: when positive, Send waits for room up
// to d of inactivity instead of returning ErrWouldBlock.
func (c *Conn) SetTimeout(d time.Duration) {
	c.mu.Lock()
	c.timeout = max(d, 0)
	c.mu.Unlock()
}

// EOL returns the line terminator (nil when data is delivered as it comes).
func (c *Conn) EOL() []byte {
	c.fmu.Lock()
	defer c.fmu.Unlock()
	if c.framer == nil {
		return nil
	}
	return c.framer.EOL()
}

// SetEOL sets the line terminator; it may be several bytes and contain NUL.
// It applies from the next DataIn on, and may be called inside DataIn.
func (c *Conn) SetEOL(eol []byte) {
	c.fmu.Lock()
	if c.framer != nil || len(eol) > 0 {
		c.framerLocked().SetEOL(eol)
	}
	c.fmu.Unlock()
}

// SingleLineMode reports whether lines end at CR, LF or CRLF.
func (c *Conn) SingleLineMode() bool {
	c.fmu.Lock()
	defer c.fmu.Unlock()
	return c.framer != nil && c.framer.SingleLineMode()
}

// ChangeLineMode turns single-line mode on or off (IPWorks's
// SingleLineMode), from the next DataIn on.
func (c *Conn) ChangeLineMode(singleLine bool) {
	c.fmu.Lock()
	if c.framer != nil || singleLine {
		c.framerLocked().SetSingleLineMode(singleLine)
	}
	c.fmu.Unlock()
}

// MaxLineLength returns the line buffer size.
func (c *Conn) MaxLineLength() int {
	c.fmu.Lock()
	defer c.fmu.Unlock()
	if c.framer == nil {
		return framing.DefaultMaxLineLength
	}
	return c.framer.MaxLineLength()
}

// SetMaxLineLength sets the line buffer size (minimum 256).
func (c *Conn) SetMaxLineLength(n int) error {
	c.fmu.Lock()
	defer c.fmu.Unlock()
	if err := c.framerLocked().SetMaxLineLength(n); err != nil {
		return newError(112, "invalid MaxLineLength", c.id, err)
	}
	return nil
}

// RecordLength returns the record length (0: records are not used).
func (c *Conn) RecordLength() int {
	c.fmu.Lock()
	defer c.fmu.Unlock()
	if c.framer == nil {
		return 0
	}
	return c.framer.RecordLength()
}

// ChangeRecordLength makes DataIn deliver records of exactly n bytes (0
// turns it off). It may be called at any time, including inside DataIn,
// where the next record is cut by the new length.
func (c *Conn) ChangeRecordLength(n int) error {
	c.fmu.Lock()
	defer c.fmu.Unlock()
	if err := c.framerLocked().SetRecordLength(n); err != nil {
		return newError(0, "invalid record length", c.id, err)
	}
	return nil
}

// PauseData stops DataIn for this connection; reading stops once the
// buffered data is held, so the client is slowed by TCP flow control and
// nothing is lost. ProcessData resumes.
func (c *Conn) PauseData() {
	c.mu.Lock()
	c.paused = true
	c.setReadPausedLocked(true)
	c.mu.Unlock()
}

// setReadPausedLocked pauses or resumes the engine's reading. It is called
// with c.mu held so that the engine sees the decisions in the order they
// were taken (the engine never calls back into the Conn holding its own
// lock, so the lock order c.mu, then the engine's, is safe).
func (c *Conn) setReadPausedLocked(p bool) {
	if p == c.readPaused {
		return
	}
	c.readPaused = p
	if p {
		c.ec.PauseRead()
	} else {
		c.ec.ResumeRead()
	}
}

// ProcessData resumes DataIn after PauseData, starting with the data held.
func (c *Conn) ProcessData() {
	c.mu.Lock()
	if !c.paused {
		c.mu.Unlock()
		return
	}
	c.paused = false
	if len(c.inbox) < c.fixed.inLimit {
		c.setReadPausedLocked(false)
	}
	c.dataQueued = true
	pending := c.closePending
	c.closePending = nil
	c.mu.Unlock()
	c.s.post(c, event{kind: evData})
	if pending != nil {
		c.s.post(c, *pending)
	}
}

// Disconnect closes the connection gracefully: queued data is sent first
// (bounded by LingerTime) unless NoLinger is set. No DataIn follows;
// OnDisconnected reports status 0.
func (c *Conn) Disconnect() {
	c.closeWith(0, "OK", false)
}

// Reset closes the connection at once with a TCP reset, dropping queued data.
func (c *Conn) Reset() {
	c.closeWith(0, "OK", true)
}

func (c *Conn) closeWith(code int, desc string, hard bool) {
	c.mu.Lock()
	c.stopData = true
	if !c.closeSet {
		c.closeSet, c.closeCode, c.closeDesc = true, code, desc
	}
	c.markGoneLocked()
	c.mu.Unlock()
	if hard || c.fixed.noLinger {
		c.ec.Reset()
	} else {
		c.ec.Close(c.fixed.linger)
	}
}

func (c *Conn) markGoneLocked() {
	if !c.goneClosed {
		c.goneClosed = true
		if c.gone != nil {
			close(c.gone)
		}
	}
}

// goneChan returns a channel closed once closing starts. Channels are made
// on demand: an idle connection carries none.
func (c *Conn) goneChan() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone == nil {
		c.gone = make(chan struct{})
		if c.goneClosed {
			close(c.gone)
		}
	}
	return c.gone
}

// signalWritable leaves the token for a blocking send waiting for room.
func (c *Conn) signalWritable() {
	c.mu.Lock()
	w := c.writable
	c.mu.Unlock()
	if w != nil {
		select {
		case w <- struct{}{}:
		default:
		}
	}
}

// TLS returns what the TLS handshake negotiated; ok is false for plain
// connections and before the handshake ends.
func (c *Conn) TLS() (info SSLInfo, ok bool) {
	c.mu.Lock()
	st := c.tlsState
	c.mu.Unlock()
	if st == nil {
		return SSLInfo{}, false
	}
	return negotiated(st), true
}

// ConnectionState returns crypto/tls's state of the connection; ok is false
// for plain connections and before the handshake ends.
func (c *Conn) ConnectionState() (tls.ConnectionState, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tlsState == nil {
		return tls.ConnectionState{}, false
	}
	return *c.tlsState, true
}

// start runs after ConnectionRequest accepted the connection.
func (c *Conn) start() {
	hs := c.fixed.hsTimeout
	if hs > 0 {
		// The deadline counts from the accept: the time the request
		// waited for ConnectionRequest is part of it.
		hs = max(hs-c.age(), time.Nanosecond)
	}
	opts := engine.StartOptions{
		HandshakeTimeout: hs,
		IdleTimeout:      c.idleTimeout,
		QueueSize:        c.fixed.outLimit,
		Linger:           c.fixed.linger,
	}
	if c.fixed.tlsBase != nil {
		opts.TLS = c.tlsConfig()
		c.status("TLS handshake started")
	}
	c.ec.Start((*connHandler)(c), opts)
	if opts.TLS != nil || c.fixed.upgrade {
		// After Start: a replacement resets a started connection, whose
		// OnClose then follows.
		c.s.beginHandshake(c)
	}
}

// handle delivers one event; it runs on the connection's dispatcher.
func (c *Conn) handle(ev event) {
	ev_ := &c.s.ev
	switch ev.kind {
	case evRequest:
		accept := ev.verdict == access.Accept
		if h := ev_.OnConnectionRequest; h != nil { // else no request is built
			r := newConnectionRequest(c.ec.RemoteAddr(), c.ec.LocalAddr(), ev.verdict)
			if p := hook.Call("OnConnectionRequest", func() { h(r) }); p != nil {
				c.s.hookPanicked(c, p) // refused below
				r.Accept = false
			}
			accept = r.Accept
		}
		if !accept || c.s.State() != StateListening {
			if o := c.s.obs; o != nil {
				o.ConnectionRefused()
			}
			if l := c.s.log; l != nil {
				l.Info("connection refused", "remote", c.ec.RemoteAddr().String(), "reason", refusalReason(ev.verdict, accept))
			}
			c.mu.Lock()
			c.closed = true
			c.markGoneLocked()
			c.mu.Unlock()
			c.ec.Reset()
			c.s.connClosed(c)
			return
		}
		c.s.addConn(c)
		c.start()
	case evOpen:
		if l := c.s.log; l != nil && l.Enabled(context.Background(), slog.LevelDebug) {
			l.Debug("connected", c.logAttrs()...)
		}
		if h := ev_.OnConnected; h != nil {
			c.call("OnConnected", func() { h(c, 0, "OK") })
		}
		if h := ev_.OnReadyToSend; h != nil && !c.isStopped() {
			c.call("OnReadyToSend", func() { h(c) })
		}
	case evData:
		c.deliver()
	case evReady:
		if h := ev_.OnReadyToSend; h != nil && !c.isStopped() {
			c.call("OnReadyToSend", func() { h(c) })
		}
	case evError:
		if l := c.s.log; l != nil {
			attrs := append(c.logAttrs(), "code", ev.err.Code, "err", logsafe.String(ev.err.Description))
			if ev.err.Err != nil { // a TLS error may quote what the peer sent
				attrs = append(attrs, "cause", logsafe.Error(ev.err.Err))
			}
			l.Warn("connection error", attrs...)
		}
		if h := ev_.OnError; h != nil {
			c.call("OnError", func() { h(c, ev.err) })
		}
	case evStatus:
		if h := ev_.OnSSLStatus; h != nil {
			c.call("OnSSLStatus", func() { h(c, ev.msg) })
		}
	case evCall:
		ev.fn()
	case evIdle:
		if h := ev_.OnIdleTimeout; h != nil && !c.isStopped() {
			c.call("OnIdleTimeout", func() { h(c) })
		}
	case evPeerClosed:
		if c.holdClose(ev) {
			return
		}
		c.deliver()
		c.flushFramer()
		if c.holdClose(ev) { // a DataIn hook paused the connection
			return
		}
		c.closeWith(0, "OK", false)
	case evClosed:
		c.mu.Lock()
		if c.paused && !c.stopData && (len(c.inbox) > 0 || c.buffered() > 0) {
			// Keep the received data for ProcessData: nothing is lost.
			e := ev
			c.closePending = &e
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		c.deliver()
		c.flushFramer()
		if l := c.s.log; l != nil && l.Enabled(context.Background(), slog.LevelDebug) {
			l.Debug("disconnected", append(c.logAttrs(), "code", ev.err.Code, "description", logsafe.String(ev.err.Description))...)
		}
		if h := ev_.OnDisconnected; h != nil {
			c.call("OnDisconnected", func() { h(c, ev.err.Code, ev.err.Description) })
		}
		c.s.removeConn(c)
	}
}

// logAttrs are the attributes of the connection's log records.
func (c *Conn) logAttrs() []any {
	attrs := []any{"id", c.id, "remote", c.ec.RemoteAddr().String()}
	c.mu.Lock()
	st := c.tlsState
	c.mu.Unlock()
	if st != nil {
		attrs = append(attrs, "tls", tls.VersionName(st.Version))
	}
	return attrs
}

// refusalReason says why a connection was refused.
func refusalReason(v access.Verdict, accepted bool) string {
	switch {
	case accepted:
		return "not listening"
	case v != access.Accept:
		return "access lists"
	}
	return "OnConnectionRequest"
}

// holdClose keeps a peer's close for ProcessData when the connection is
// paused with received data waiting, so that nothing is lost.
func (c *Conn) holdClose(ev event) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paused && !c.stopData && (len(c.inbox) > 0 || c.buffered() > 0) {
		c.closePending = &ev
		return true
	}
	return false
}

func (c *Conn) isStopped() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopData || c.closed
}

func (c *Conn) buffered() int {
	c.fmu.Lock()
	defer c.fmu.Unlock()
	if c.framer == nil {
		return 0
	}
	return c.framer.Buffered()
}

// deliver runs DataIn for the records in the inbox until it is empty, the
// connection is paused or Disconnect is called.
func (c *Conn) deliver() {
	h := c.s.ev.OnDataIn
	for {
		c.mu.Lock()
		c.dataQueued = false
		if c.paused || c.stopData {
			c.mu.Unlock()
			return
		}
		chunk := c.inbox
		c.inbox = nil
		c.setReadPausedLocked(false)
		c.mu.Unlock()

		c.fmu.Lock()
		if c.framer == nil { // the default settings: the data as it came
			c.fmu.Unlock()
			if len(chunk) > 0 && h != nil {
				c.call("OnDataIn", func() { h(c, chunk, true) })
			}
			c.mu.Lock()
			putInbox(chunk) // delivered whole
			more := len(c.inbox) > 0
			c.mu.Unlock()
			if !more {
				return
			}
			continue
		}
		if len(chunk) > 0 {
			c.framer.Feed(chunk)
		}
		drained := true
		for {
			rec, eol, ok := c.framer.Next()
			if !ok {
				break
			}
			c.fmu.Unlock()
			if h != nil {
				c.call("OnDataIn", func() { h(c, rec, eol) })
			}
			c.fmu.Lock()
			c.mu.Lock()
			stop := c.paused || c.stopData
			c.mu.Unlock()
			if stop {
				drained = false
				break
			}
		}
		c.fmu.Unlock()

		c.mu.Lock()
		if drained {
			putInbox(chunk) // the framer no longer refers to it
		}
		more := len(c.inbox) > 0 && drained
		c.mu.Unlock()
		if !more {
			return
		}
	}
}

// inboxChunk is the size of the pooled inbox buffers. An idle connection
// holds none: the inbox goes back to the pool once delivered.
const inboxChunk = 4 << 10

var inboxPool = sync.Pool{New: func() any { return new([inboxChunk]byte) }}

// putInbox returns b to the pool if it came from there (grown buffers are
// left to the collector).
func putInbox(b []byte) {
	if cap(b) == inboxChunk {
		inboxPool.Put((*[inboxChunk]byte)(b[:inboxChunk]))
	}
}

// flushFramer delivers the partial record left at end of stream, with
// eol=false, so no received byte is lost.
func (c *Conn) flushFramer() {
	c.mu.Lock()
	stop := c.stopData || c.paused
	c.mu.Unlock()
	if stop {
		return
	}
	c.fmu.Lock()
	var rest []byte
	if c.framer != nil {
		rest = c.framer.Flush()
	}
	if len(rest) > 0 {
		rest = append([]byte(nil), rest...)
	}
	c.fmu.Unlock()
	if h := c.s.ev.OnDataIn; len(rest) > 0 && h != nil {
		c.call("OnDataIn", func() { h(c, rest, false) })
	}
}

func (c *Conn) status(msg string) {
	if c.s.ev.OnSSLStatus != nil {
		c.s.post(c, event{kind: evStatus, msg: msg})
	}
}

// connHandler receives the engine's callbacks for a Conn.
type connHandler Conn

func (h *connHandler) OnOpen(err error) {
	c := (*Conn)(h)
	if err != nil || !c.fixed.upgrade {
		c.s.mu.Lock()
		c.s.endHandshakeLocked(c)
		c.s.mu.Unlock()
	}
	if err != nil {
		e := handshakeError(err, c.id)
		c.mu.Lock()
		if !c.closeSet {
			c.closeSet, c.closeCode, c.closeDesc = true, e.Code, e.Description
		}
		c.mu.Unlock()
		c.status("TLS handshake failed: " + err.Error())
		c.s.post(c, event{kind: evError, err: e})
		return
	}
	c.mu.Lock()
	c.connected = true
	c.tlsState = c.ec.ConnectionState() // shared with the engine, never changed
	st := c.tlsState
	c.mu.Unlock()
	if st != nil {
		c.status(handshakeSummary(st))
	}
	c.s.post(c, event{kind: evOpen})
}

func (h *connHandler) OnData(p []byte) {
	c := (*Conn)(h)
	if o := c.s.obs; o != nil {
		o.BytesReceived(len(p))
	}
	c.mu.Lock()
	if c.inbox == nil && len(p) <= inboxChunk {
		c.inbox = inboxPool.Get().(*[inboxChunk]byte)[:0]
	}
	c.inbox = append(c.inbox, p...)
	if len(c.inbox) >= c.fixed.inLimit {
		c.setReadPausedLocked(true)
	}
	post := !c.dataQueued
	c.dataQueued = true
	c.mu.Unlock()
	if post {
		c.s.post(c, event{kind: evData})
	}
}

func (h *connHandler) OnWritable() {
	c := (*Conn)(h)
	c.mu.Lock()
	c.writableGen++
	want := c.wantReady
	c.wantReady = false
	if want {
		c.readyToSend = true
	}
	c.mu.Unlock()
	c.signalWritable()
	if want {
		c.s.post(c, event{kind: evReady})
	}
}

func (h *connHandler) OnIdle() {
	c := (*Conn)(h)
	if c.s.ev.OnIdleTimeout != nil {
		c.s.post(c, event{kind: evIdle})
		return
	}
	c.closeWith(10060, "idle timeout: no data sent or received", false)
}

func (h *connHandler) OnClose(err error) {
	c := (*Conn)(h)
	c.mu.Lock()
	c.closed = true
	c.markGoneLocked()
	e := &Error{Code: 0, Description: "OK", ConnectionID: c.id}
	switch {
	case c.closeSet:
		e.Code, e.Description = c.closeCode, c.closeDesc
	case err != nil:
		e = socketError(err, c.id)
	}
	c.mu.Unlock()
	if w := c.stall.Load(); w != nil {
		w.stop()
	}
	c.signalWritable()
	c.s.connClosed(c)
	c.s.post(c, event{kind: evClosed, err: e})
}

// OnPeerClose: the client closed its sending side. The data it sent before
// is delivered (the partial last record too) and the answers DataIn queues
// are sent before the connection is closed.
func (h *connHandler) OnPeerClose() {
	c := (*Conn)(h)
	c.s.post(c, event{kind: evPeerClosed})
}

// OnHandshake tells the Observer how a TLS handshake went.
func (h *connHandler) OnHandshake(d time.Duration, err error) {
	if o := h.s.obs; o != nil {
		o.TLSHandshake(d, err)
	}
}

var (
	_ engine.PeerCloseHandler = (*connHandler)(nil)
	_ engine.HandshakeHandler = (*connHandler)(nil)
)

// call runs the program's hook named name for c. A panic in it is logged
// with its stack and resets the connection, as net/http does for a
// handler; the server goes on serving the others. It reports whether fn
// returned normally.
func (c *Conn) call(name string, fn func()) bool {
	if p := hook.Call(name, fn); p != nil {
		c.s.hookPanicked(c, p)
		return false
	}
	return true
}

// hookPanicked logs the panic p of a hook, at Error with its stack, to the
// server's Logger (slog's default logger when it has none), and resets c
// (nil for the server's own OnError).
func (s *Server) hookPanicked(c *Conn, p *hook.Panic) {
	l := s.log
	if l == nil {
		l = slog.Default()
	}
	attrs := []any{"hook", p.Hook, "panic", fmt.Sprint(p.Value), "stack", string(p.Stack)}
	if c != nil {
		attrs = append([]any{"id", c.id, "remote", c.ec.RemoteAddr().String()}, attrs...)
	}
	l.Error("panic in a hook: resetting the connection", attrs...)
	if c != nil {
		// OnDisconnected reports 10053, software caused connection abort.
		c.closeWith(10053, "connection reset after a panic in "+p.Hook, true)
	}
}
