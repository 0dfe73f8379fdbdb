package ws

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
	"github.com/tlskit/tlskit/server"
)

// httpBodyBuffer is how much of a fallback response body is held before
// the head goes out: a body that fits is sent with a Content-Length, a
// longer one is streamed and ends when the connection closes.
const httpBodyBuffer = 16 << 10

// feedHandshake feeds handshake bytes to c's parser and, when Options.HTTP
// is set, keeps a copy of them (at most MaxHeaderBytes, since the parser
// fails beyond that) so that a request which is not an upgrade can be
// handed to it.
func (s *Server) feedHandshake(c *Conn, data []byte) (*wsproto.UpgradeRequest, []byte, error) {
	if s.opts.HTTP != nil {
		c.shs.httpHead = append(c.shs.httpHead, data...)
	}
	req, rest, err := c.shs.parser.Feed(data)
	if req != nil {
		c.shs.httpHead = nil
	}
	return req, rest, err
}

// serveHTTP answers a request the handshake parser refused with
// Options.HTTP when the parser found it to be plain HTTP/1.x
// (wsproto.ErrNotWebSocket: well formed by its strict rules, without
// "Upgrade: websocket" or Sec-WebSocket headers). It reports false,
// leaving the refusal to the caller, when there is no handler or the
// request is malformed or a (bad) upgrade: net/http is more lenient (a
// space before a header's colon, for one), and its reading of a request
// the parser refused must not turn it into a page. It runs on the
// connection's event goroutine, which only this connection uses, and
// closes the connection once the response is written.
func (s *Server) serveHTTP(c *Conn, sc *server.Conn, herr error) bool {
	head := c.shs.httpHead
	c.shs.httpHead = nil
	if s.opts.HTTP == nil || !errors.Is(herr, wsproto.ErrNotWebSocket) {
		return false
	}
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(head)))
	if err != nil {
		return false
	}
	c.mu.Lock()
	c.setPhaseLocked(phaseHandshake, phaseRefused)
	c.mu.Unlock()
	if c.shs.timer != nil {
		c.shs.timer.Stop()
	}
	sc.EndHandshake() // a request is being answered: no longer a handshake to replace
	c.logf(LogVerbose, "Verbose", "HTTP %s %s %s", req.Method, req.RequestURI, req.Proto)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // the request's context ends with the handler
	req = req.WithContext(ctx)
	req.RemoteAddr = sc.RemoteAddr().String()
	if st, ok := sc.ConnectionState(); ok {
		req.TLS = &st
	}
	hasBody := req.ContentLength != 0 || len(req.TransferEncoding) > 0
	req.Body = http.NoBody
	w := &httpResponse{sc: sc, req: req, header: http.Header{}, stall: s.handshakeTimeout()}
	ok := true
	if hasBody {
		http.Error(w, "ws: this server accepts no request body", http.StatusRequestEntityTooLarge)
	} else {
		ok = w.run(c, s.opts.HTTP)
	}
	if !ok || w.finish() != nil {
		sc.Reset() // the client must not take a truncated response for a whole one
		return true
	}
	sc.Disconnect()
	return true
}

// httpResponse is the minimal http.ResponseWriter of Options.HTTP: one
// response per connection, "Connection: close", the body held up to
// httpBodyBuffer and then written through the connection's send queue,
// waiting for room (a write that makes no progress for the handshake
// timeout fails and the connection is reset).
type httpResponse struct {
	sc     *server.Conn
	req    *http.Request
	header http.Header
	stall  time.Duration

	status   int  // 0 until WriteHeader
	sent     bool // the head has been queued
	buf      []byte
	written  int64 // body bytes the handler wrote
	declared int64 // the handler's Content-Length, -1 for none
	err      error // the connection failed; every later write returns it
}

var _ http.Flusher = (*httpResponse)(nil)

// run calls h, turning a panic into a 500 when nothing was sent yet. It
// reports false when the connection must be reset: the handler panicked
// after the head went out (the client must not take a truncated body for
// a whole one).
func (w *httpResponse) run(c *Conn, h http.Handler) (ok bool) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if p != http.ErrAbortHandler {
			c.reportError(fmt.Errorf("ws: HTTP handler panic serving %s %s: %v", w.req.Method, w.req.RequestURI, p))
		}
		if w.sent || p == http.ErrAbortHandler {
			ok = false
			return
		}
		w.header = http.Header{}
		w.status, w.buf, w.written = 0, nil, 0
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		ok = true
	}()
	h.ServeHTTP(w, w.req)
	return true
}

func (w *httpResponse) Header() http.Header { return w.header }

// WriteHeader records the status; informational (1xx) statuses are not
// sent, since the connection never upgrades.
func (w *httpResponse) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("ws: invalid WriteHeader code %v", code))
	}
	if w.status != 0 || code < 200 {
		return
	}
	w.status = code
	w.declared = -1
	if cl := w.header.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
			w.declared = n
		}
	}
}

func (w *httpResponse) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		return 0, w.err
	}
	if !w.bodyAllowed() {
		if w.status == http.StatusNoContent || w.status == http.StatusNotModified {
			return 0, http.ErrBodyNotAllowed
		}
		w.written += int64(len(p)) // HEAD: counted for Content-Length, not sent
		return len(p), nil
	}
	if w.declared >= 0 && w.written+int64(len(p)) > w.declared {
		return 0, http.ErrContentLength
	}
	w.written += int64(len(p))
	w.buf = append(w.buf, p...)
	if len(w.buf) >= httpBodyBuffer {
		w.Flush()
	}
	return len(p), w.err
}

// Flush sends the head and the body written so far.
func (w *httpResponse) Flush() {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		return
	}
	var out []byte
	if !w.sent {
		out = w.appendHead(nil, false)
		w.sent = true
	}
	out = append(out, w.buf...)
	w.buf = w.buf[:0]
	w.err = w.send(out)
}

// finish sends what the handler left and reports whether the response is
// complete (a declared Content-Length must have been written).
func (w *httpResponse) finish() error {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.err != nil {
		return w.err
	}
	if !w.sent {
		out := w.appendHead(nil, true)
		w.sent = true
		if w.bodyAllowed() {
			out = append(out, w.buf...)
		}
		w.buf = nil
		return w.send(out)
	}
	w.Flush()
	if w.err == nil && w.declared >= 0 && w.written != w.declared {
		return http.ErrContentLength
	}
	return w.err
}

// bodyAllowed reports whether the response carries a body on the wire.
func (w *httpResponse) bodyAllowed() bool {
	return w.req.Method != http.MethodHead && w.status != http.StatusNoContent && w.status != http.StatusNotModified
}

// appendHead writes the status line and headers; complete means the
// whole body is known, so its length can be declared.
func (w *httpResponse) appendHead(dst []byte, complete bool) []byte {
	h := w.header.Clone()
	if h.Get("Content-Type") == "" && len(w.buf) > 0 {
		h.Set("Content-Type", http.DetectContentType(w.buf))
	}
	noLength := w.status == http.StatusNoContent || w.status == http.StatusNotModified
	if complete && w.declared < 0 && !noLength {
		h.Set("Content-Length", strconv.FormatInt(w.written, 10))
	}
	if h.Get("Date") == "" {
		h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	}
	h.Set("Connection", "close")
	h.Del("Transfer-Encoding") // the body is identity, delimited by length or close
	dst = fmt.Appendf(dst, "HTTP/1.1 %d %s\r\n", w.status, http.StatusText(w.status))
	var b bytes.Buffer
	_ = h.Write(&b)
	dst = append(dst, b.Bytes()...)
	return append(dst, "\r\n"...)
}

// waitRoom waits for room (at most the stall limit, when one is set).
func (w *httpResponse) waitRoom(room <-chan struct{}) error {
	var stalled <-chan time.Time // nil: no limit
	if w.stall > 0 {
		t := time.NewTimer(w.stall)
		defer t.Stop()
		stalled = t.C
	}
	select {
	case <-room:
		if !w.sc.Connected() {
			return ErrNotConnected
		}
		return nil
	case <-stalled:
		return fmt.Errorf("ws: HTTP response: %w (no room in the send queue for %v)", ErrTimedOut, w.stall)
	}
}

// send queues p whole, waiting for room in the connection's send queue
// (at most the stall limit each time, when one is set).
func (w *httpResponse) send(p []byte) error {
	for len(p) > 0 {
		room := w.sc.Writable() // before the Send whose refusal it reports
		n, err := w.sc.Send(p)
		p = p[n:]
		if err == nil {
			continue
		}
		if !errors.Is(err, ErrWouldBlock) {
			return err
		}
		if err := w.waitRoom(room); err != nil {
			return err
		}
	}
	return nil
}
