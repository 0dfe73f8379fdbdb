package engine

import (
	"crypto/tls"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/tlskit/tlskit/internal/errcode"
	"github.com/tlskit/tlskit/internal/tlsrecord"
)

// ErrWouldBlock is returned by Conn.Write, together with the count of bytes
// accepted, when the connection's send queue cannot take all of p. It is
// the condition server.ErrWouldBlock, ws.ErrWouldBlock and
// socket.ErrWouldBlock are.
var ErrWouldBlock = errcode.WouldBlock

// An Engine opens listeners. Implementations are safe for concurrent use.
type Engine interface {
	// Name identifies the engine ("portable", "epoll").
	Name() string
	// Listen binds and listens as cfg says and calls a for every accepted
	// connection until the Listener is closed.
	Listen(cfg ListenConfig, a Acceptor) (Listener, error)
}

// ListenConfig says where and how to listen. The zero value listens on an
// OS-chosen IPv4 port of every interface.
type ListenConfig struct {
	// Host is an IP address or host name to bind to; "" means every
	// interface of the chosen family.
	Host string
	// Port is the TCP port; 0 lets the OS choose.
	Port int
	// Family selects IPv4 only, IPv6 only, or both on one socket.
	Family Family
	// Backlog is the listen(2) queue length; 0 means the OS maximum.
	Backlog int
	// Shared lets other sockets bind the same port (SO_REUSEPORT); false
	// binds exclusively (IPWorks's BindExclusively=true).
	Shared bool
	// Socket options applied to every accepted connection.
	Socket SocketOptions
	// Proxy, if not nil, reads the PROXY protocol header of the
	// connections from the senders it trusts before they are accepted.
	Proxy *Proxy
}

// Family is the address family of a listener, numbered as
// server.Options.UseIPv6.
type Family int

const (
	IPv4Only  Family = 0 // IPv4 only (UseIPv6=0)
	IPv6Only  Family = 1 // IPv6 only, IPV6_V6ONLY set (UseIPv6=1)
	DualStack Family = 2 // IPv6 socket that also accepts IPv4 (UseIPv6=2)
)

// SocketOptions are applied to each accepted connection. Zero values leave
// the OS default, except NoDelay, which is applied either way.
type SocketOptions struct {
	KeepAlive         bool
	KeepAliveIdle     time.Duration // time idle before the first probe; 0 = OS default
	KeepAliveInterval time.Duration // time between probes; 0 = OS default
	NoDelay           bool          // disable Nagle's algorithm (TCP_NODELAY)
	ReceiveBuffer     int           // SO_RCVBUF in bytes; 0 = OS default
	SendBuffer        int           // SO_SNDBUF in bytes; 0 = OS default
}

// An Acceptor is told about each accepted connection.
type Acceptor interface {
	// Accept hands over a new connection. Nothing has been read from it
	// beyond its PROXY header (see ListenConfig.Proxy), and no handshake
	// has started. Accept must not block; the acceptor later
	// calls c.Start to run it or c.Reset to refuse it.
	Accept(c Conn)
	// AcceptError reports an error of the accept loop that did not stop it
	// (for example running out of file descriptors). It must not block.
	AcceptError(err error)
}

// A Listener is an open listening socket.
type Listener interface {
	// Addr is the bound address, with the port the OS chose.
	Addr() net.Addr
	// Close stops accepting. Connections already accepted are not touched.
	// Close returns once no Acceptor call is in progress or will follow.
	Close() error
	// SetSocketOptions replaces the options applied to the connections
	// accepted afterwards (ListenConfig.Socket at first).
	SetSocketOptions(SocketOptions)
}

// StartOptions configure how a connection begins.
type StartOptions struct {
	// TLS, when non-nil, makes the connection a TLS server connection
	// with this configuration (used as is; it may be per connection).
	TLS *tls.Config
	// HandshakeTimeout bounds the whole TLS handshake, counted from Start:
	// when it has not ended this long after, it fails with a timeout
	// (however steadily the peer sends, so a ClientHello dripped a byte at
	// a time cannot hold the connection). 0 means no limit.
	HandshakeTimeout time.Duration
	// IdleTimeout closes nothing by itself: when neither a read nor a write
	// has moved a byte for this long, Handler.OnIdle is called. 0 disables.
	IdleTimeout time.Duration
	// QueueSize bounds the send queue in bytes (minimum 1).
	QueueSize int
	// ReadSize is the size of one read; 0 means 16 KiB.
	ReadSize int
	// Paused starts the connection with reading paused.
	Paused bool
	// Linger bounds the graceful close that follows the peer's close
	// (flushing what is queued); <= 0 means 2 seconds.
	Linger time.Duration
	// Records, when non-nil on a TLS connection, is told of each TLS
	// record as its last byte crosses between the socket and crypto/tls
	// (in: received), with its body when RecordBodies is set. It is called
	// from the engine's goroutines, in order for each direction, and must
	// not block; the body is valid only during the call.
	Records      func(in bool, r tlsrecord.Record)
	RecordBodies bool
}

// Defaults StartOptions fields take when zero.
const (
	DefaultReadSize = 16 << 10        // StartOptions.ReadSize
	DefaultLinger   = 2 * time.Second // StartOptions.Linger
)

// WithDefaults returns o with QueueSize raised to at least 1 and zero
// ReadSize and Linger replaced by their defaults, as engines apply them.
func (o StartOptions) WithDefaults() StartOptions {
	o.QueueSize = max(o.QueueSize, 1)
	if o.ReadSize <= 0 {
		o.ReadSize = DefaultReadSize
	}
	if o.Linger <= 0 {
		o.Linger = DefaultLinger
	}
	return o
}

// A Conn is one accepted connection. All methods are safe for concurrent use
// and none blocks, so they may be called from Handler callbacks. No method
// calls a Handler method before returning, so callers may hold their own
// locks while calling them (the server relies on this to apply PauseRead and
// ResumeRead in the order it decided them).
type Conn interface {
	RemoteAddr() netip.AddrPort
	LocalAddr() netip.AddrPort

	// Start runs the connection: the TLS handshake if configured, then
	// reads. h receives the callbacks. Start may be called once.
	Start(h Handler, opts StartOptions)

	// Write copies as much of p as the send queue has room for and
	// returns the count. When that is less than len(p) the error is
	// ErrWouldBlock and Handler.OnWritable will be called once room
	// returns. Data written before the handshake ends is sent after it.
	// After Close or Reset, or a failed write, Write returns net.ErrClosed
	// or the write error.
	Write(p []byte) (int, error)
	// Queued reports the bytes accepted by Write and not yet handed to
	// the kernel (or to crypto/tls).
	Queued() int

	// PauseRead stops reading: no OnData follows the one in progress, the
	// kernel's receive window closes, nothing is lost. ResumeRead undoes it.
	PauseRead()
	ResumeRead()

	// SetIdleTimeout changes the idle limit (0 disables).
	SetIdleTimeout(d time.Duration)

	// Close ends the connection gracefully: writes are refused from now,
	// the queue is flushed, a TLS close_notify and a FIN are sent and
	// reading continues (discarding) until the peer closes. If that takes
	// longer than linger (<=0: no limit), the connection is reset.
	Close(linger time.Duration)
	// Reset ends the connection at once with SO_LINGER 0 (a TCP RST);
	// queued data is dropped.
	Reset()

	// ConnectionState returns the TLS state once the handshake is done,
	// nil for plain connections and before the handshake ends. The state is
	// shared: callers must not change it.
	ConnectionState() *tls.ConnectionState
}

// A Handler receives a started connection's callbacks. An engine calls them
// from its own goroutines; OnData, OnOpen and OnClose are never concurrent
// with each other for one connection, but OnWritable and OnIdle may come
// from another goroutine at any time before OnClose. Callbacks must not block
// and must return quickly. They may call any Conn method.
type Handler interface {
	// OnOpen reports the end of the handshake (at once for plain
	// connections). A non-nil err means the handshake failed; OnClose follows.
	OnOpen(err error)
	// OnData delivers received bytes. p is valid only during the call.
	OnData(p []byte)
	// OnWritable reports that a send queue which refused bytes has room.
	OnWritable()
	// OnIdle reports that the idle timeout has passed without traffic.
	// The timer is rearmed, so it fires again after another idle period.
	OnIdle()
	// OnClose is the last callback: the connection is closed and its
	// resources released. err is nil after Close, Reset or the peer's
	// orderly close, otherwise what ended it (read or write error, timeout).
	OnClose(err error)
}

// A HandshakeHandler is a Handler told how each TLS handshake went, for
// metrics: OnHandshake comes just before OnOpen, with the time from the
// handshake's first received byte to its end and its error (nil: done).
type HandshakeHandler interface {
	Handler
	OnHandshake(d time.Duration, err error)
}

// A PeerCloseHandler is a Handler that answers data received just before
// the peer's orderly close (EOF: a TCP FIN, or a TLS close_notify). Instead
// of closing such a connection at once, which would refuse the answers,
// the engine calls OnPeerClose (after the last OnData) and waits for the
// handler to call Close or Reset; OnClose follows as usual. Handlers
// without it have the connection closed gracefully by the engine.
type PeerCloseHandler interface {
	Handler
	// OnPeerClose must not block; it may call Close or Reset at once or
	// later, from any goroutine.
	OnPeerClose()
}

// A SocketConfigurer is a Conn whose socket options can change while it
// is open: SetSocketOptions applies o as the listener does at accept
// (zero buffer sizes leave the buffers as they are; on Linux a larger
// SO_RCVBUF does not widen an open connection's window beyond the scale
// its handshake fixed, so callers change only NoDelay and keep-alive on
// open connections). It returns net.ErrClosed once the socket is closed.
// Both engines' conns are SocketConfigurers.
type SocketConfigurer interface {
	SetSocketOptions(o SocketOptions) error
}

// A Controller is a Conn whose socket can be reached for options the
// engine does not set, as syscall.RawConn.Control: f runs with the
// descriptor, which stays open until f returns. After the connection's
// socket is closed Control returns net.ErrClosed. Both engines' conns are
// Controllers.
type Controller interface {
	Control(f func(fd uintptr)) error
}

// A Waker lets any number of goroutines wait for the next occurrence of
// something (room in a send queue, say): Chan returns a channel that the
// next Wake closes. The zero value is ready. Its methods do no locking:
// call them under the lock that guards the state the waiters look at, and
// take the channel before the check whose outcome it is to follow.
type Waker struct{ ch chan struct{} }

// Chan returns the channel the next Wake closes, or an already closed one
// when ended (nothing more will happen).
func (w *Waker) Chan(ended bool) <-chan struct{} {
	if ended {
		return closedChan
	}
	if w.ch == nil {
		w.ch = make(chan struct{})
	}
	return w.ch
}

// Wake closes the channel Chan gave out, if any.
func (w *Waker) Wake() {
	if w.ch != nil {
		close(w.ch)
		w.ch = nil
	}
}

var closedChan = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

// A FileSender is a Conn that can send a file's bytes without copying them
// through user space (sendfile(2)): plain connections of both engines on
// Linux and the other Unix systems. Like Write it never blocks.
type FileSender interface {
	// WriteFile sends up to n bytes of f, from offset off, once what Write
	// queued before has gone to the kernel, and returns how many it took.
	// When that is less than n the error is ErrWouldBlock (the queue still
	// holds bytes, or the socket buffer is full) and Handler.OnWritable
	// follows when more can go; io.EOF when f ends first. Bytes written
	// afterwards queue behind those taken. f may be closed once WriteFile
	// returns. It returns errors.ErrUnsupported, having sent nothing, when
	// this connection (a TLS one) or f cannot be sent so: the caller then
	// reads f and writes it. Write errors are those of Write.
	WriteFile(f *os.File, off, n int64) (int64, error)
}
