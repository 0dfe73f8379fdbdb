package main

import (
	"bytes"
	"context"
	"crypto/tls"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/tlskit/tlskit/internal/logsafe"
	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/tlsconf"
	"github.com/tlskit/tlskit/ws"
)

// wsModes are the --mode values of the ws and wss protocols.
var wsModes = []string{"echo", "broadcast", "chat", "pubsub"}

// indexHTML is the page served to every GET that is not a WebSocket
// upgrade: a small client of the server's WebSocket, with a ?selftest=N
// mode for browser tests.
//
//go:embed web/index.html
var indexHTML string

var indexTemplate = template.Must(template.New("index.html").Parse(indexHTML))

// checkPath accepts an absolute URL path without query or fragment.
func checkPath(p string) error {
	u, err := url.Parse(p)
	if err != nil || !strings.HasPrefix(p, "/") || u.Path != p || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(p, " \t?#") {
		return fmt.Errorf("--path %q: want an absolute path such as /ws (no query, no spaces)", p)
	}
	return nil
}

// startWSServer starts a ws or wss server (package ws) in the configured
// mode, serving the page on plain GETs of the same port.
func startWSServer(sc *serveConfig) (service, error) {
	var srv *ws.Server
	if _, err := renderIndex(sc.path, sc.mode, nil); err != nil {
		return nil, err
	}
	so := sc.serverOptions()
	// The data hooks are the WebSocket layer's (wsLogEvents); the TCP
	// layer's Logger logs the TLS handshakes that failed before one.
	so.Events = server.Events{}
	opts := ws.Options{
		Server: so,

		Conn: ws.ConnOptions{
			DisablePermessageDeflate: sc.noDeflate,
			MaxMessageSize:           sc.maxMessage,
		},
		HandshakeTimeout: sc.handshakeTimeout,
		HTTP:             pageHandler(sc.path, sc.mode),
		Events:           wsLogEvents(sc.connLogger()),
	}
	if sc.metrics != nil {
		opts.Observer = sc.metrics
	}
	opts.Events.OnWebSocketOpenRequest = func(r *ws.OpenRequest) {
		if p := requestPath(r.URI); p != sc.path {
			r.StatusCode = http.StatusNotFound
			r.ResponseBody = fmt.Sprintf("no WebSocket at %s: this server's is at %s\n", p, sc.path)
			return
		}
		// A client that offers the mode's name as a subprotocol (chat)
		// gets it: browsers and Node's ws fail a handshake whose answer
		// lacks the subprotocol they asked for.
		if slices.Contains(r.Protocols, sc.mode) {
			r.Protocol = sc.mode
		}
	}
	logConnected := opts.Events.OnConnected
	switch sc.mode {
	case "echo":
		// A message is echoed as it arrives, so that a large one is never
		// held whole; one that arrives in one piece goes back whole (and
		// compressed when permessage-deflate is on).
		opts.Conn.Fragments = true
		opts.Events.OnDataIn = func(c *ws.Conn, f ws.DataFormat, data []byte, eom, _ bool) {
			if f != ws.FormatContinuation && eom {
				writeOrReset(sc.connLogger(), c, ws.SendFormatOf(f), data)
				return
			}
			if err := c.WriteFragment(context.Background(), ws.SendFormatOf(f), data, eom); err != nil && sendFailed(sc.connLogger(), c.ConnectionID(), err) {
				c.ServerConn().Reset()
			}
		}
	case "broadcast":
		opts.Events.OnDataIn = func(_ *ws.Conn, f ws.DataFormat, data []byte, _, _ bool) {
			sc.fanout(srv, ws.SendFormatOf(f), data)
		}
		opts.Events.OnConnected = func(c *ws.Conn) {
			logConnected(c)
			sc.joinFanout(c)
		}
	case "chat":
		opts.Events.OnDataIn = func(c *ws.Conn, f ws.DataFormat, data []byte, _, _ bool) {
			if f == ws.FormatText {
				data = append([]byte(sc.connName(c)+": "), data...)
			}
			sc.fanout(srv, ws.SendFormatOf(f), data)
		}
		opts.Events.OnConnected = func(c *ws.Conn) {
			logConnected(c)
			writeOrReset(sc.connLogger(), c, ws.DataText, fmt.Appendf(nil, "you are %s", sc.connName(c)))
			sc.joinFanout(c)
			sc.fanout(srv, ws.DataText, fmt.Appendf(nil, "%s joined", sc.connName(c)))
		}
		logDisconnected := opts.Events.OnDisconnected
		opts.Events.OnDisconnected = func(c *ws.Conn, err error) {
			logDisconnected(c, err)
			sc.fanout(srv, ws.DataText, fmt.Appendf(nil, "%s left", sc.connName(c)))
		}
	case "pubsub":
		opts.Events.OnDataIn = func(c *ws.Conn, f ws.DataFormat, data []byte, _, _ bool) {
			sc.pubsubIn(srv, c, f, data)
		}
	}
	if err := sc.connectNATS(); err != nil {
		return nil, err
	}
	if sc.bus != nil {
		opts.Bus = sc.bus
	}
	srv, err := ws.NewServer(opts)
	if err == nil {
		if err = srv.StartListening(); err != nil {
			srv.Close()
		}
	}
	switch {
	case sc.bus == nil:
		return srv, err
	case err != nil:
		sc.bus.Close()
		return nil, err
	}
	return busServer{srv, sc.bus}, nil
}

// broadcast sends one message to every WebSocket, encoded once, at once:
// a connection whose send queue is full keeps it in its backlog, and one
// whose backlog overflows does not read fast enough and is closed (1008)
// by Broadcast, so that a slow reader never holds up the others. Only a
// message too large for a backlog (more than twice the send queue, 128
// KiB), or one that meets a connection busy sending such a message, goes
// on its own to the connections concerned, waiting for room side by side;
// the sender's next message waits for them (so each sender's messages stay
// in order), and a connection whose queue does not move for the send
// timeout is reset.
func broadcast(log *slog.Logger, srv *ws.Server, f ws.SendFormat, p []byte) {
	_, err := srv.Broadcast(f, p)
	if err == nil {
		return
	}
	var wg sync.WaitGroup
	for _, e := range joined(err) {
		var se *ws.SendError
		if !errors.As(e, &se) {
			continue
		}
		switch {
		case errors.Is(se, ws.ErrTooSlow):
			log.Warn("disconnecting a client that does not read", "id", se.ConnectionID, "err", logsafe.Error(se.Err))
		case errors.Is(se, ws.ErrSendTooLarge), errors.Is(se, ws.ErrWouldBlock):
			if c, err := srv.Conn(se.ConnectionID); err == nil {
				wg.Go(func() { writeOrReset(log, c, f, p) })
			}
		} // closing connections need no message
	}
	wg.Wait()
}

// joined returns the errors errors.Join put together.
func joined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// writeOrReset sends p on c, waiting for room piece by piece; the server
// resets a connection whose send queue does not move for the send timeout
// (StallTimeout), which ends the wait. A connection that fails otherwise
// is reset too.
func writeOrReset(log *slog.Logger, c *ws.Conn, f ws.SendFormat, p []byte) {
	if err := c.WriteMessage(context.Background(), f, p); err != nil && sendFailed(log, c.ConnectionID(), err) {
		c.ServerConn().Reset()
	}
}

// requestPath is the path of a request target ("/ws?x=1" -> "/ws").
func requestPath(uri string) string {
	u, err := url.ParseRequestURI(uri)
	if err != nil {
		return uri
	}
	return u.Path
}

// pageIntros say what to do on the page, per mode.
var pageIntros = map[string]string{
	"echo":      "Type a message and press Enter: the server sends it back to you.",
	"broadcast": "Every message goes to everyone connected, you included: open this page in a second tab and type in either.",
	"pubsub":    `Topics: send {"subscribe":"news"}, then {"publish":"news","data":"hi"}; every subscriber of "news" (or of "news.*" for "news.eu", of ">" for all) gets {"topic":...,"data":...}.`,
	"chat":      "A chat room: everyone connected sees every message with the sender's number. Open this page in a second tab to talk to yourself.",
}

// renderIndex renders the page for a request that came over st (nil: a
// plain connection).
func renderIndex(path, mode string, st *tls.ConnectionState) ([]byte, error) {
	security := "not encrypted: plain ws:// (anyone on the network can read and change the messages)"
	if st != nil {
		i := tlsconf.Negotiated(*st)
		security = "encrypted with " + strings.Replace(i.VersionName, "TLS", "TLS ", 1) + ", cipher " + i.CipherSuiteName
		if i.GroupName != "" {
			security += ", key exchange " + i.GroupName
		}
	}
	var b bytes.Buffer
	err := indexTemplate.Execute(&b, struct{ Path, Mode, Intro, Security string }{path, mode, pageIntros[mode], security})
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// pageHandler serves the page to every GET and HEAD but /favicon.ico
// (the page carries its icon), with the TLS details of the request's
// connection.
func pageHandler(path, mode string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "only GET serves the page; WebSocket clients must upgrade", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Path == "/favicon.ico" {
			http.NotFound(w, r)
			return
		}
		page, err := renderIndex(path, mode, r.TLS)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(page)
	})
}

// wsLogEvents logs each WebSocket's life to log, with the same connected
// line (TLS details included) as the tcp and tls protocols.
func wsLogEvents(log *slog.Logger) ws.Events {
	tcp := logEvents(log)
	return ws.Events{
		OnConnected: func(c *ws.Conn) {
			tcp.OnConnected(c.ServerConn())
		},
		OnDisconnected: func(c *ws.Conn, err error) {
			st := c.CloseStatus()
			if ce, ok := err.(*ws.CloseError); ok {
				st = ce
			}
			attrs := []any{"id", c.ConnectionID(), "status", int(st.Code), "reason", logsafe.String(st.Reason)}
			if st.Err != nil {
				attrs = append(attrs, "err", logsafe.Error(st.Err))
			}
			log.Info("disconnected", attrs...)
		},
		OnError: func(c *ws.Conn, err error) {
			if c == nil {
				log.Error("server error", "err", logsafe.Error(err))
				return
			}
			if handshakeFailure(err) { // a WebSocket that never opened has no disconnected record
				log.Info("handshake failed", "id", c.ConnectionID(), "remote", c.RemoteAddr().String(),
					"err", logsafe.String(strings.TrimSpace(err.Error())))
				return
			}
			log.Warn("connection error", "id", c.ConnectionID(), "err", logsafe.String(strings.TrimSpace(err.Error())))
		},
	}
}
