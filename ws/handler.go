package ws

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
	"github.com/tlskit/tlskit/topics"
)

// HandlerOptions configure a Handler.
type HandlerOptions struct {
	// Conn and Events are every connection's settings and hooks.
	Conn   ConnOptions
	Events Events
	// OriginPatterns and InsecureSkipOriginCheck (danger) set the Origin
	// check (see the package doc). Default: the same origin only.
	OriginPatterns          []string
	InsecureSkipOriginCheck bool
	// Observer (told of messages only: net/http owns the connections) and
	// Logger, if set (default nil), get what the package doc says.
	Observer Observer
	Logger   *slog.Logger
	// ManualEvents queues the events for DoEvents (reads wait for it).
	ManualEvents bool
	// IdleTimeout closes a WebSocket idle (no byte either way) for this
	// long with 1001 "idle timeout". Default 0: never.
	IdleTimeout time.Duration
	// Bus is Options.Bus for the Handler's connections.
	Bus topics.Bus
}

// Handler upgrades WebSocket requests of a net/http server (hijacking the
// connection) and gives the others to its fallback handler.
type Handler struct {
	opts     HandlerOptions
	conn     atomic.Pointer[ConnOptions]
	fallback http.Handler
	hub      *hub
	exec     *connExecutor // ManualEvents only: the connections' events, for DoEvents
}

// NewHandler returns a Handler. fallback serves requests that are not
// WebSocket upgrades; nil answers them with 426 Upgrade Required.
func NewHandler(opts HandlerOptions, fallback http.Handler) (*Handler, error) {
	if err := opts.Conn.validate(); err != nil {
		return nil, err
	}
	origin, err := newOriginPolicy(opts.OriginPatterns, opts.InsecureSkipOriginCheck)
	if err != nil {
		return nil, err
	}
	if opts.IdleTimeout < 0 {
		return nil, fmt.Errorf("%w: negative IdleTimeout", ErrInvalidValue)
	}
	h := &Handler{opts: opts, fallback: fallback}
	if opts.ManualEvents {
		h.exec = newConnExecutor(true)
	}
	co := opts.Conn
	co.obs = opts.Observer
	co.origin = origin
	co.slog, _ = limitedLogger(opts.Logger, opts.Observer)
	h.conn.Store(&co)
	h.hub = newHub(&h.conn)
	h.hub.useBus(opts.Bus)
	return h, nil
}

// ServeHTTP upgrades r when it asks for a WebSocket (strictly validated,
// refused with the right status otherwise), else calls the fallback.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	req, err := wsproto.CheckRequest(r)
	if err != nil {
		if errors.Is(err, wsproto.ErrNotWebSocket) && h.fallback != nil {
			h.fallback.ServeHTTP(w, r)
			return
		}
		refuse(w, err)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "ws: the connection cannot be hijacked (HTTP/2?)", http.StatusInternalServerError)
		return
	}
	nc, brw, err := hj.Hijack()
	if err != nil {
		return
	}
	var first []byte // what net/http read past the request
	if n := brw.Reader.Buffered(); n > 0 {
		first, _ = brw.Reader.Peek(n)
		first = append([]byte(nil), first...)
	}
	var man *manualEvents
	if h.exec != nil {
		man = newManualEvents(h.exec)
	}
	tr := newEngineTransport(nc, h.conn.Load().SendQueue, man)
	tr.adopt(first)
	c := newConn(wsproto.RoleServer, h.conn.Load(), &h.opts.Events, tr)
	tr.bind(c)
	if !h.hub.add(c) {
		tr.noEvents()
		b, _ := wsproto.AppendReject(nil, http.StatusServiceUnavailable, nil, "shutting down")
		_, _ = nc.Write(b)
		nc.Close()
		return
	}
	var resp []byte
	var accepted bool
	// With ManualEvents this waits for DoEvents, or for the connection's
	// end (Shutdown), which drops the upgrade: it is then refused, and no
	// longer waited for.
	if !tr.serially(func() { resp, accepted = c.acceptRequest(nil, req, r) }) {
		c.transportClosed(nil) // not opened: no hook runs
		tr.noEvents()
		nc.Close()
		return
	}
	if _, err := nc.Write(resp); err != nil || !accepted {
		h.hub.remove(c)
		tr.noEvents()
		nc.Close()
		return
	}
	tr.start(nil, h.opts.IdleTimeout)
}

func refuse(w http.ResponseWriter, err error) {
	var he *wsproto.HandshakeError
	if !errors.As(err, &he) {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for k, v := range he.Header {
		w.Header()[k] = v
	}
	http.Error(w, he.Msg, he.Status)
}

// Conn returns the connection with the given id (ErrInvalidConnectionID).
func (h *Handler) Conn(id int64) (*Conn, error) { return h.hub.get(id) }

// Connections iterates over the connections in id order (a snapshot).
func (h *Handler) Connections() iter.Seq[*Conn] {
	return func(yield func(*Conn) bool) {
		for _, c := range h.hub.snapshot() {
			if !yield(c) {
				return
			}
		}
	}
}

// ConnectionCount returns the number of open connections.
func (h *Handler) ConnectionCount() int { return len(h.hub.snapshot()) }

// Broadcast is Server.Broadcast for the Handler's connections.
func (h *Handler) Broadcast(f SendFormat, p []byte) (int, error) { return h.hub.broadcast(f, p) }

// Shutdown closes every WebSocket with 1001 (going away) and waits for them
// until ctx ends, then resets the rest; later upgrades get 503. Call
// http.Server.Shutdown too: it does not know hijacked connections. With
// ManualEvents, call DoEvents meanwhile: the closes are events.
func (h *Handler) Shutdown(ctx context.Context) error {
	err := h.hub.shutdown(ctx, CloseGoingAway, CloseGoingAway.Text())
	if h.exec != nil {
		// The connections reset for ctx queue their last events promptly:
		// wait for them, so that DoEvents delivers them before it reports
		// the end.
		for _, c := range h.hub.snapshot() {
			<-c.tr.(*engineTransport).man.posted
		}
		h.exec.Close()
	}
	return err
}

// DoEvents is Server.DoEvents for the Handler's connections (with
// ManualEvents), ErrServerClosed once Shutdown has returned, drained.
func (h *Handler) DoEvents(ctx context.Context) error {
	if h.exec == nil {
		<-ctx.Done()
		return ctx.Err()
	}
	return runEvents(ctx, h.exec, ErrServerClosed)
}

func (h *Handler) String() string {
	return fmt.Sprintf("ws.Handler(%d connections)", h.ConnectionCount())
}
