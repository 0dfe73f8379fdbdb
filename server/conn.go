package server

import (
	"container/list"
	"crypto/tls"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
	"github.com/tlskit/tlskit/internal/framing"
	"github.com/tlskit/tlskit/internal/lifecycle"
)

// The code of a Conn is split by concern: this file has the type and its
// accessors, deliver.go the inbox, the framer and DataIn, handle.go the
// events run on the connection's dispatcher, enginehandler.go the engine's
// callbacks.
//
// Locks of a Conn, in the order they may be taken (a lock is never
// acquired while a later one in this list is held):
//
//  1. c.mu, the connection's state.
//  2. c.fmu, the framer. deliver releases it around each DataIn hook, so
//     that a hook may change the framing, and takes c.mu only with fmu
//     released.
//  3. The engine connection's own lock (setReadPausedLocked calls the
//     engine with c.mu held; the engine never calls back into the Conn
//     holding its lock).
//
// The server's mu is never held together with c.mu: the fields guarded by
// it (hsElem, hsOver, evicted) are touched by the server alone.

// Conn is one client connection. Its methods are safe for concurrent use
// and may be called from any hook. A Conn stays valid after it closes: its
// methods then report the final state or ErrNotConnected.
type Conn struct {
	// Set when the connection is made, then constant.
	s        *Server
	id       int64
	ec       engine.Conn                // also holds the addresses
	fixed    *connFixed                 // from the server's options at accept, shared
	accepted int64                      // when the engine accepted it: monotonic nanoseconds since monoBase
	q        queue                      // the connection's events; has its own lock (dispatch.go)
	stall    atomic.Pointer[stallWatch] // StallTimeout's detector, made when first needed

	mu sync.Mutex // guards the fields below up to fmu, and the flags at the end

	// The lifecycle; guarded by mu (its flags are at the end).
	gone         chan struct{} // closed when closing starts (locally or not); made on demand
	closeErr     *Error        // the reason OnDisconnected reports, if reasonSetLocked (nil: an orderly close)
	closePending *event        // the peer's close, held while paused with data waiting
	tlsState     *tls.ConnectionState

	// Received data; guarded by mu.
	inbox []byte // received, not yet delivered; from inboxPool when it fits

	// Sending; guarded by mu.
	bytesSent   int
	writableGen uint64
	writable    engine.Waker  // woken at each OnWritable and at the close: see Writable
	interrupt   chan struct{} // closed by Interrupt, then dropped; made on demand

	// Settings and the program's value; guarded by mu.
	userData    any
	idleTimeout time.Duration
	timeout     time.Duration

	fmu    sync.Mutex      // guards framer; held by the dispatcher except during DataIn
	framer *framing.Framer // nil while the settings are the defaults: data is delivered as it comes

	// Guarded by the server's mu (touched by the server alone).
	hsElem  *list.Element // in s.handshaking while the handshake runs
	hsOver  bool          // the handshake has ended (or the connection closed)
	evicted bool          // replaced by a newer connection, no longer counted

	// The small fields, guarded by mu (last, so that they pack).
	phase phase // the lifecycle, moved by setPhaseLocked
	// Flags, independent of the phase:
	stopData   bool // a local close was asked (Disconnect, Reset, an error): no more DataIn
	dataQueued bool // an evData is queued
	paused     bool // PauseData
	readPaused bool // the engine's reading is paused (PauseData or a full inbox)
	blocked    bool // a Send was refused: not ReadyToSend, OnReadyToSend follows when room comes
}

// phase is where a Conn is in its life, as the engine reports it. It only
// moves forward, by setPhaseLocked, along the moves phases allows. A
// local close may be asked in any phase before phaseClosed: it is the flag
// stopData, not a phase.
type phase uint8

const (
	phaseAccepted  phase = iota // ConnectionRequest, then the handshake (if any)
	phaseConnected              // OnOpen succeeded: Connected
	phaseFailed                 // the handshake failed: its error is the reason reported, unless a local close came first
	phaseClosed                 // the engine closed the connection, or it was refused
)

// phases is a Conn's lifecycle: for each phase, the phases it may move to.
var phases = lifecycle.Table[phase]{
	What:  "server: connection",
	Names: []string{"accepted", "connected", "failed", "closed"},
	Next: []uint32{
		// Refused, or closed by the engine before OnOpen.
		phaseAccepted:  1<<phaseConnected | 1<<phaseFailed | 1<<phaseClosed,
		phaseConnected: 1 << phaseClosed,
		phaseFailed:    1 << phaseClosed,
	},
}

func (p phase) String() string { return phases.String(p) }

// setPhaseLocked moves c from phase from to phase to, if it is in from and
// phases allows the move; c.mu is held. It reports whether the move was
// made: a refusal is a bug in this package (a panic in its tests, which
// set phases.Strict).
func (c *Conn) setPhaseLocked(from, to phase) bool { return phases.Move(&c.phase, from, to) }

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
	logRecords bool // Options.LogTLSRecords
	maskData   bool // MaskSensitiveData: no application_data dumps
}

func connFixedOf(o *Options) connFixed {
	f := connFixed{
		tlsBase: o.TLSConfig, authClient: o.SSLAuthenticateClients,
		noLinger: o.NoLinger, linger: o.LingerTime,
		inLimit: o.InBufferSize, outLimit: o.OutBufferSize,
		hsTimeout: o.DefaultConnectionTimeout, upgrade: o.UpgradeHandshake,
		stall: o.StallTimeout, logRecords: o.LogTLSRecords,
	}
	if f.inLimit <= 0 {
		f.inLimit = DefaultInBufferSize
	}
	if f.outLimit <= 0 {
		f.outLimit = DefaultOutBufferSize
	}
	return f
}

func newConn(s *Server, ec engine.Conn, o *Options, fixed *connFixed) *Conn {
	c := &Conn{
		s: s, id: s.nextID.Add(1), ec: ec, fixed: fixed, accepted: int64(time.Since(monoBase)),
		idleTimeout: o.DefaultIdleTimeout,
		timeout:     o.DefaultTimeout,
	}
	if pc, ok := ec.(engine.ProxyConn); ok {
		if info := pc.ProxyInfo(); info != nil {
			// The socket's accept, before its PROXY header came.
			c.accepted = int64(info.Accepted.Sub(monoBase))
		}
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
	return c.phase == phaseConnected
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
	return !c.blocked && c.phase != phaseClosed
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

// ChangeLineMode turns single-line mode on or off from the next DataIn on.
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
		return opError("SetMaxLineLength", c.id, ErrInvalidMaxLineLength, err)
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
		return &Error{Op: "ChangeRecordLength", ConnID: c.id, Err: fmt.Errorf("%w: invalid record length: %w", ErrInvalidValue, err)}
	}
	return nil
}

// Disconnect closes the connection gracefully: queued data is sent first
// (bounded by LingerTime) unless NoLinger is set. No DataIn follows;
// OnDisconnected reports a nil error.
func (c *Conn) Disconnect() {
	c.closeWith(nil, false)
}

// Reset closes the connection at once with a TCP reset, dropping queued data.
func (c *Conn) Reset() {
	c.closeWith(nil, true)
}

// closeWith closes the connection, gracefully or with a reset, for the
// reason err that OnDisconnected reports (nil: an orderly close).
func (c *Conn) closeWith(err *Error, hard bool) {
	c.mu.Lock()
	if !c.reasonSetLocked() {
		c.closeErr = err
	}
	c.markGoneLocked()
	c.stopData = true
	c.mu.Unlock()
	if hard || c.fixed.noLinger {
		c.ec.Reset()
	} else {
		c.ec.Close(c.fixed.linger)
	}
}

// markGoneLocked closes gone, if it is made, as closing starts; c.mu is
// held. It is called just before the change that starts closing (stopData
// set, or the move to phaseClosed).
func (c *Conn) markGoneLocked() {
	if !c.goneLocked() && c.gone != nil {
		close(c.gone)
	}
}

// goneLocked reports whether closing has started, locally (stopData) or
// not (the engine closed the connection, or it was refused); c.mu is held.
func (c *Conn) goneLocked() bool { return c.stopData || c.phase == phaseClosed }

// reasonSetLocked reports whether the reason OnDisconnected reports is
// chosen (closeErr): by the first local close, or by the
// handshake's failure, whichever came first; c.mu is held.
func (c *Conn) reasonSetLocked() bool { return c.stopData || c.phase == phaseFailed }

// goneChan returns a channel closed once closing starts. Channels are made
// on demand: an idle connection carries none.
func (c *Conn) goneChan() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gone == nil {
		c.gone = make(chan struct{})
		if c.goneLocked() {
			close(c.gone)
		}
	}
	return c.gone
}

// signalWritable closes the channel Writable gave out: room returned or
// the connection closed.
func (c *Conn) signalWritable() {
	c.mu.Lock()
	c.writable.Wake()
	c.mu.Unlock()
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
