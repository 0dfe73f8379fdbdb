package server

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/tlskit/tlskit/internal/access"
	"github.com/tlskit/tlskit/internal/engine"
	"github.com/tlskit/tlskit/internal/hook"
	"github.com/tlskit/tlskit/internal/tlsrecord"
)

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
		if c.fixed.logRecords {
			opts.Records = c.logRecord
			opts.RecordBodies = c.s.log != nil && c.s.log.Enabled(context.Background(), slog.LevelDebug)
		}
	}
	c.ec.Start((*connHandler)(c), opts)
	if opts.TLS != nil || c.fixed.upgrade {
		// After Start: a replacement resets a started connection, whose
		// OnClose then follows.
		c.s.beginHandshake(c)
	}
}

// admit runs ConnectionRequest for a new connection and starts it, or
// refuses it (when the access lists, the hook or the server's state say
// so); it runs on the connection's dispatcher.
func (c *Conn) admit(verdict access.Verdict, sockGen uint32) {
	accept := verdict == access.Accept
	if h := c.s.ev.OnConnectionRequest; h != nil { // else no request is built
		r := newConnectionRequest(c.ec.RemoteAddr(), c.ec.LocalAddr(), verdict)
		if p := hook.Call("OnConnectionRequest", func() { h(r) }); p != nil {
			c.s.hookPanicked(c, p) // refused below
			r.Accept = false
		}
		accept = r.Accept
	}
	if !accept || c.s.State() != StateListening {
		reason, cause := refusalReason(verdict, accept)
		if o := c.s.obs; o != nil {
			o.ConnectionRefused(cause)
		}
		if l := c.s.log; l != nil {
			l.Info("connection refused", "remote", c.ec.RemoteAddr().String(), "reason", reason)
		}
		c.mu.Lock()
		c.markGoneLocked()
		c.setPhaseLocked(phaseAccepted, phaseClosed)
		c.mu.Unlock()
		c.ec.Reset()
		c.s.connClosed(c)
		return
	}
	c.s.addConn(c, sockGen)
	c.start()
}

// handle delivers one event; it runs on the connection's dispatcher, so
// the events of one connection never overlap.
func (c *Conn) handle(ev event) {
	hooks := &c.s.ev
	switch ev.kind {
	case evRequest:
		c.admit(ev.verdict, ev.sockGen)
	case evOpen:
		if l := c.s.log; l != nil && l.Enabled(context.Background(), slog.LevelDebug) {
			l.Debug("connected", c.logAttrs()...)
		}
		if h := hooks.OnConnected; h != nil {
			c.call("OnConnected", func() { h(c) })
		}
		if h := hooks.OnReadyToSend; h != nil && !c.isStopped() {
			c.call("OnReadyToSend", func() { h(c) })
		}
	case evData:
		c.deliver()
	case evReady:
		if h := hooks.OnReadyToSend; h != nil && !c.isStopped() {
			c.call("OnReadyToSend", func() { h(c) })
		}
	case evError:
		if l := c.s.log; l != nil {
			attrs := append(c.logAttrs(), errorAttrs(ev.err)...)
			if handshakeFailed(ev.err) {
				l.Info("handshake failed", attrs...) // the client's doing
			} else {
				l.Warn("connection error", attrs...)
			}
		}
		if h := hooks.OnError; h != nil {
			c.call("OnError", func() { h(c, ev.err) })
		}
	case evStatus:
		if h := hooks.OnSSLStatus; h != nil {
			c.call("OnSSLStatus", func() { h(c, ev.msg) })
		}
	case evIdle:
		if h := hooks.OnIdleTimeout; h != nil && !c.isStopped() {
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
		c.closeWith(nil, false)
	case evClosed:
		if c.holdClose(ev) {
			return
		}
		c.deliver()
		c.flushFramer()
		if l := c.s.log; l != nil && l.Enabled(context.Background(), slog.LevelDebug) {
			l.Debug("disconnected", append(c.logAttrs(), errorAttrs(ev.err)...)...)
		}
		if h := hooks.OnDisconnected; h != nil {
			var err error // nil, not a nil *Error, for an orderly close
			if ev.err != nil {
				err = ev.err
			}
			c.call("OnDisconnected", func() { h(c, err) })
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

// refusalReason says why a connection was refused, for the log and the
// Observer.
func refusalReason(v access.Verdict, accepted bool) (string, RefuseCause) {
	switch {
	case accepted:
		return "not listening", RefusedNotListening
	case v != access.Accept:
		return "access lists", RefusedAccessList
	}
	return "OnConnectionRequest", RefusedHook
}

// holdClose keeps a close (the peer's, or the engine's end) for
// ProcessData when the connection is paused with received data waiting,
// so that nothing is lost.
func (c *Conn) holdClose(ev event) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.holdingLocked() {
		c.closePending = &ev
		return true
	}
	return false
}

func (c *Conn) isStopped() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.goneLocked()
}

// logRecord reports a TLS record (Options.LogTLSRecords) to OnSSLStatus and, with
// its body dumped unless MaskSensitiveData hides application data, to the
// Logger at Debug. The engine calls it; it does not block.
func (c *Conn) logRecord(in bool, r tlsrecord.Record) {
	dir := "out"
	if in {
		dir = "in"
	}
	c.status(fmt.Sprintf("TLS record %s: %s, %d bytes", dir, r.Type, r.Length))
	if l := c.s.log; l != nil && r.Body != nil {
		dump := hex.Dump(r.Body)
		if c.fixed.maskData && r.Type == tlsrecord.ApplicationData {
			dump = "(masked: MaskSensitiveData)"
		}
		l.Debug("TLS record", append(c.logAttrs(), "dir", dir, "type", r.Type.String(), "length", r.Length, "hex", dump)...)
	}
}

func (c *Conn) status(msg string) {
	if c.s.ev.OnSSLStatus != nil {
		c.s.post(c, event{kind: evStatus, msg: msg})
	}
}

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
		// OnDisconnected reports ErrAborted (10053, software caused
		// connection abort).
		c.closeWith(opError("hook", c.id, ErrAborted, fmt.Errorf("connection reset after a panic in %s", p.Hook)), true)
	}
}
