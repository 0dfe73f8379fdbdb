package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sync"
	"syscall"

	"github.com/tlskit/tlskit/internal/logsafe"
	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/ws"
)

// connLogger returns the logger of the connections' records: the
// rate-limited one runServe sets up, or log when there is none.
func (sc *serveConfig) connLogger() *slog.Logger {
	if sc.connLog != nil {
		return sc.connLog
	}
	return sc.log
}

// limitConnLog sets up sc.connLog: sc.log behind a logsafe.Limiter, so
// that a flood of connections writes a bounded number of records (and a
// count of the others, and the --metrics counter
// tlskit_log_records_suppressed_total). The returned func writes the last
// count. sc.metrics must be set before.
func (sc *serveConfig) limitConnLog() (closeLog func()) {
	var o logsafe.LimitOptions
	if sc.metrics != nil {
		o.OnDrop = sc.metrics.LogRecordSuppressed
	}
	lim := logsafe.NewLimiter(sc.log.Handler(), o)
	sc.connLog = slog.New(lim)
	return lim.Close
}

// sendFailed logs why a send to connection id failed and reports whether
// the connection is to be reset: a client that does not read (the send
// timed out or found the queue full) is reset and logged at Warn; one
// that is gone (reset by the peer, a broken pipe) is logged at Debug (its
// disconnected record says why), and is reset too, which costs nothing;
// one already closed needs neither.
func sendFailed(log *slog.Logger, id int64, err error) (reset bool) {
	switch {
	case errors.Is(err, server.ErrNotConnected), errors.Is(err, ws.ErrNotConnected):
		return false
	case doesNotRead(err):
		log.Warn("disconnecting a client that does not read", "id", id, "err", logsafe.Error(err))
	case peerGone(err):
		// The engine ends the connection with this cause, which its
		// disconnected record then gives; a Reset now would race it and
		// report a local reset (status 0) instead.
		log.Debug("send failed: the peer is gone", "id", id, "err", logsafe.Error(err))
		return false
	default:
		log.Debug("send failed: the connection is gone", "id", id, "err", logsafe.Error(err))
	}
	return true
}

// peerGone reports whether a send failed because the peer reset or closed
// the connection under it.
func peerGone(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED)
}

// doesNotRead reports whether a send failed for want of room: it timed
// out, or a send that must not wait found the queue full.
func doesNotRead(err error) bool {
	return errors.Is(err, server.ErrTimedOut) || errors.Is(err, server.ErrWouldBlock) ||
		errors.Is(err, ws.ErrWouldBlock) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, os.ErrDeadlineExceeded)
}

// handshakeFailure reports whether err is a failed TLS handshake (or
// client certificate): routine for a server on the internet, and the
// connection's only record.
func handshakeFailure(err error) bool {
	return errors.Is(err, server.ErrHandshake) || errors.Is(err, server.ErrCertificateRejected) ||
		errors.Is(err, server.ErrClientCertNotPresent)
}

// failedHandshakes remembers the connections whose failed handshake was
// logged, so that their disconnection is not logged a second time.
type failedHandshakes struct{ ids sync.Map }

func (f *failedHandshakes) add(id int64) {
	if f != nil {
		f.ids.Store(id, struct{}{})
	}
}

// take reports whether id was added, and forgets it.
func (f *failedHandshakes) take(id int64) bool {
	_, ok := f.ids.LoadAndDelete(id)
	return ok
}
