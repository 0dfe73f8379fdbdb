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
	// IdleTimeout closes a WebSocket idle (no byte either way) for this
	// long with 1001 "idle timeout". Default 0: never.
	IdleTimeout time.Duration
}

// Handler upgrades WebSocket requests of a net/http server (hijacking the
// connection) and gives the others to its fallback handler.
type Handler struct {
	opts     HandlerOptions
	conn     atomic.Pointer[ConnOptions]
	fallback http.Handler
	hub      *hub
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
	co := opts.Conn
	co.obs = opts.Observer
	co.origin = origin
	co.slog, _ = limitedLogger(opts.Logger, opts.Observer)
	h.conn.Store(&co)
	h.hub = newHub(&h.conn)
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
	tr := newEngineTransport(nc, h.conn.Load().SendQueue)
	tr.idle = h.opts.IdleTimeout
	tr.adopt(first)
	c := newConn(wsproto.RoleServer, h.conn.Load(), &h.opts.Events, tr)
	tr.bind(c)
	if !h.hub.add(c) {
		b, _ := wsproto.AppendReject(nil, http.StatusServiceUnavailable, nil, "shutting down")
		_, _ = nc.Write(b)
		nc.Close()
		return
	}
	var resp []byte
	var accepted bool
	c.serially(func() { resp, accepted = c.acceptRequest(nil, req, r) })
	if _, err := nc.Write(resp); err != nil || !accepted {
		h.hub.remove(c)
		nc.Close()
		return
	}
	tr.start(nil)
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
// http.Server.Shutdown too: it does not know hijacked connections.
func (h *Handler) Shutdown(ctx context.Context) error {
	return h.hub.shutdown(ctx, CloseGoingAway, CloseGoingAway.Text())
}

func (h *Handler) String() string {
	return fmt.Sprintf("ws.Handler(%d connections)", h.ConnectionCount())
}
