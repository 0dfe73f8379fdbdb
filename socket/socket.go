package socket

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/tlskit/tlskit/internal/engine"
	"github.com/tlskit/tlskit/tlsconf"
)

// State is where a socket is in its life.
type State int

const (
	StateIdle       State = iota // created, never connected
	StateConnecting              // Connect or the TLS handshake is under way
	StateListening               // Listen is waiting for the one connection
	StateConnected               // data flows
	StateClosed                  // closed locally, by the peer, or after a failure
)

func (st State) String() string {
	switch st {
	case StateIdle:
		return "idle"
	case StateConnecting:
		return "connecting"
	case StateListening:
		return "listening"
	case StateConnected:
		return "connected"
	case StateClosed:
		return "closed"
	}
	return "State(" + strconv.Itoa(int(st)) + ")"
}

// Socket is a TCP or TLS client socket (Xojo SSLSocket, ECMA-419 TLS client
// socket) that can also accept one incoming connection (Listen). It
// implements net.Conn: Read and Write block and honour deadlines, while
// ReadN, ReadAll, Send and the other Xojo-style methods never block. Both views
// share the same buffers. All methods are safe for concurrent use.
type Socket struct {
	cfg      Config
	sessions tls.ClientSessionCache

	mu          sync.Mutex
	state       State
	raw         net.Conn  // the TCP connection
	conn        net.Conn  // raw, or the *tls.Conn over it
	tlsConn     *tls.Conn // nil when plain
	listener    net.Listener
	handshaking bool
	userClosed  bool            // Close was called: net.Conn reads fail with net.ErrClosed
	writeShut   bool            // CloseWrite was called: sends fail, reads go on
	changed     engine.Waker    // woken on every change of state or buffers
	link        *link           // runs the current connection on the engine; nil when none
	io          *sync.WaitGroup // the current connection's links (until their end) and Listen's accept
	port        int
	localAddr   net.Addr
	remoteAddr  net.Addr
	lastErr     *Error
	tlsCfg      *tls.Config // built for the current connection; released by detachLocked

	rbuf       bytes.Buffer // received, unread
	rerr       error        // why reading ended (io.EOF when the peer closed)
	readPaused bool         // the link's reads are paused: rbuf is full
	readLimit  int          // the link's read size (LimitRead), at most readChunk

	unsent      int  // queued in the link's engine conn and not yet written (as OnSent reports)
	sendAborted bool // SendComplete(true) reported; skip the next SendComplete(false)

	rdl, wdl *deadline
	ev       eventQueue
}

// Compile-time check that a Socket is a net.Conn.
var _ net.Conn = (*Socket)(nil)

// New returns an idle socket configured by cfg. It does no I/O.
func New(cfg Config) *Socket {
	if cfg.SendBufferSize <= 0 {
		cfg.SendBufferSize = DefaultSendBufferSize
	}
	if cfg.Linger == 0 {
		cfg.Linger = DefaultLinger
	}
	if cfg.ReceiveBufferSize <= 0 {
		cfg.ReceiveBufferSize = DefaultReceiveBufferSize
	}
	s := &Socket{
		cfg:  cfg,
		port: cfg.Port,
		io:   new(sync.WaitGroup),
		rdl:  newDeadline(),
		wdl:  newDeadline(),
	}
	s.ev.exec = autoEvents
	if cfg.ManualEvents {
		s.ev.exec = newExecutor(true)
	}
	if cfg.TLS.Settings.ReuseSession && cfg.TLS.Settings.SessionCache == nil {
		s.sessions = tls.NewLRUClientSessionCache(0)
	}
	return s
}

// Dial creates a socket from cfg and connects it.
func Dial(ctx context.Context, cfg Config) (*Socket, error) {
	s := New(cfg)
	if err := s.Connect(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// notify wakes every blocked call so it re-examines the socket; s.mu must
// be held.
func (s *Socket) notify() { s.changed.Wake() }

// changes returns the channel the next notify closes; s.mu must be held.
func (s *Socket) changes() <-chan struct{} { return s.changed.Chan(false) }

// settle waits until the previous connection of a closed socket, which may
// still be sending what Close left queued, has ended.
func (s *Socket) settle() {
	s.mu.Lock()
	wg := s.io
	closed := s.state == StateClosed
	s.mu.Unlock()
	if closed {
		wg.Wait()
	}
}

// begin moves an idle or closed socket to state for a new connection and
// resets what belonged to the previous one; s.mu must be held.
func (s *Socket) begin(op string, st State) error {
	if s.state != StateIdle && s.state != StateClosed {
		return opError(op, ErrInvalidState, fmt.Errorf("socket is %s", s.state))
	}
	s.state = st
	s.userClosed = false
	s.writeShut = false
	s.rbuf.Reset()
	s.unsent, s.sendAborted = 0, false
	s.rerr, s.lastErr = nil, nil
	s.io = new(sync.WaitGroup)
	s.notify()
	return nil
}

// fail ends the current connection because of err, records err and
// delivers the Error event, unless the socket was already closed. It
// closes the connection outside the lock.
func (s *Socket) fail(op string, err error) *Error {
	e := newError(op, err)
	s.mu.Lock()
	if s.state == StateClosed {
		s.mu.Unlock()
		return e
	}
	s.lastErr = e
	conn, ln, l := s.detachLocked()
	s.push(event{kind: evError, err: e})
	s.mu.Unlock()
	closeQuietly(conn, ln, l)
	return e
}

// detachLocked moves the socket to StateClosed and returns what must be
// closed; s.mu must be held.
func (s *Socket) detachLocked() (net.Conn, net.Listener, *link) {
	conn, ln, l := s.conn, s.listener, s.link
	if conn == nil {
		conn = s.raw
	}
	s.state = StateClosed
	s.conn, s.raw, s.tlsConn, s.listener, s.link = nil, nil, nil, nil, nil
	s.handshaking = false
	if s.tlsCfg != nil {
		_ = tlsconf.Close(s.tlsCfg)
		s.tlsCfg = nil
	}
	s.notify()
	return conn, ln, l
}

// closeQuietly closes what detachLocked returned: the connection at once
// (through its link's end when it has one).
func closeQuietly(conn net.Conn, ln net.Listener, l *link) {
	if ln != nil {
		_ = ln.Close()
	}
	switch {
	case l != nil:
		l.end(conn)
	case conn != nil:
		_ = conn.Close()
	}
}

// useTLSConfig records cfg for release when the connection ends; it
// reports false, having released cfg, when the socket was closed already.
func (s *Socket) useTLSConfig(cfg *tls.Config) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == StateClosed || s.state == StateIdle {
		_ = tlsconf.Close(cfg)
		return false
	}
	if s.tlsCfg != nil && s.tlsCfg != cfg {
		_ = tlsconf.Close(s.tlsCfg)
	}
	s.tlsCfg = cfg
	return true
}

// Close closes the connection (or stops listening). Like a TCP close it
// does not wait for data still queued: the socket keeps sending it in the
// background for up to Config.Linger and then closes the connection (use
// Disconnect to wait for it). As in Xojo,
// the port, the address and the unread received data are kept:
// ReadN, ReadAll and Lookahead still return that data, and a DataAvailable
// event is delivered for it. The net.Conn Read and Write fail with
// net.ErrClosed. Close of an idle or closed socket does nothing.
func (s *Socket) Close() error {
	s.mu.Lock()
	if s.state == StateIdle || s.state == StateClosed {
		s.userClosed = true
		s.mu.Unlock()
		return nil
	}
	s.userClosed = true
	unsent := s.unsent
	conn, ln, l := s.detachLocked()
	if s.rbuf.Len() > 0 {
		s.push(event{kind: evDataAvailable})
	}
	if l != nil && unsent > 0 && s.cfg.Linger > 0 {
		// The engine sends what is queued, then the close_notify and
		// the FIN, and resets the connection at Linger.
		s.mu.Unlock()
		closeQuietly(nil, ln, nil)
		l.ec.Close(s.cfg.Linger)
		return nil
	}
	wg := s.io
	s.mu.Unlock()
	closeQuietly(conn, ln, l)
	wg.Wait()
	return nil
}

// Disconnect sends what is still queued (bounded by ctx), ends TLS with a
// close_notify alert, and closes the socket as Close does.
func (s *Socket) Disconnect(ctx context.Context) error {
	err := s.drain(ctx)
	s.mu.Lock()
	tc := s.tlsConn
	s.mu.Unlock()
	if tc != nil && err == nil {
		_ = tc.CloseWrite()
	}
	s.Close()
	return err
}

// drain waits until the send buffer is empty or writing failed.
func (s *Socket) drain(ctx context.Context) error {
	for {
		s.mu.Lock()
		if s.state != StateConnected || s.unsent == 0 {
			s.mu.Unlock()
			return nil
		}
		ch := s.changes()
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return newError("disconnect", ctx.Err())
		}
	}
}

// WaitConnected blocks until the socket is connected (nil), or the
// connection attempt or Listen failed or the socket was closed (the error).
func (s *Socket) WaitConnected(ctx context.Context) error {
	for {
		s.mu.Lock()
		switch s.state {
		case StateConnected:
			s.mu.Unlock()
			return nil
		case StateIdle, StateClosed:
			err := s.lastErr
			s.mu.Unlock()
			if err != nil {
				return err
			}
			return opError("wait", ErrInvalidState, fmt.Errorf("socket is not connecting"))
		}
		ch := s.changes()
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return newError("wait", ctx.Err())
		}
	}
}

// State reports the socket's state.
func (s *Socket) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Address is the remote address from the Config (Xojo Address); it is kept
// after Close.
func (s *Socket) Address() string { return s.cfg.Address }

// Port is the port to connect to or listen on before a connection and the
// local port the system bound once connected or listening (Xojo Port). It
// keeps that value after Close.
func (s *Socket) Port() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.port
}

// LastErrorCode is the code of the last failure, CodeNone if none (Xojo
// LastErrorCode).
func (s *Socket) LastErrorCode() Code {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastErr == nil {
		return CodeNone
	}
	return ErrorCode(s.lastErr)
}

// Secure reports whether the socket uses TLS (Xojo Secure).
func (s *Socket) Secure() bool { return s.cfg.Secure }

// SSLConnecting reports whether the TLS handshake is under way.
func (s *Socket) SSLConnecting() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.handshaking
}

// SSLConnected reports whether the connection is up and secured by TLS.
func (s *Socket) SSLConnected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state == StateConnected && s.tlsConn != nil
}

// ConnectionState returns the TLS state of the connection; ok is false when
// the socket is not connected over TLS.
func (s *Socket) ConnectionState() (state tls.ConnectionState, ok bool) {
	s.mu.Lock()
	tc := s.tlsConn
	s.mu.Unlock()
	if tc == nil {
		return tls.ConnectionState{}, false
	}
	return tc.ConnectionState(), true
}

// Handle is the operating system's descriptor of the connection (a file
// descriptor on Unix, a SOCKET on Windows), or -1 when there is none (Xojo
// Handle). The socket still owns it.
func (s *Socket) Handle() int {
	s.mu.Lock()
	raw := s.raw
	s.mu.Unlock()
	sc, ok := raw.(syscall.Conn)
	if !ok {
		return -1
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	h := -1
	if err := rc.Control(func(fd uintptr) { h = int(fd) }); err != nil {
		return -1
	}
	return h
}

// LocalAddr implements net.Conn; it is kept after Close.
func (s *Socket) LocalAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.localAddr == nil {
		return &net.TCPAddr{}
	}
	return s.localAddr
}

// RemoteAddr implements net.Conn; it is kept after Close.
func (s *Socket) RemoteAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.remoteAddr == nil {
		return &net.TCPAddr{}
	}
	return s.remoteAddr
}

// SetDeadline implements net.Conn for Read and Write. It does not affect
// the non-blocking methods or data already queued.
func (s *Socket) SetDeadline(t time.Time) error {
	s.rdl.set(t)
	s.wdl.set(t)
	return nil
}

// SetReadDeadline implements net.Conn.
func (s *Socket) SetReadDeadline(t time.Time) error { s.rdl.set(t); return nil }

// SetWriteDeadline implements net.Conn.
func (s *Socket) SetWriteDeadline(t time.Time) error { s.wdl.set(t); return nil }

func hostOf(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok && t.IP != nil {
		return t.IP.String()
	}
	return ""
}
