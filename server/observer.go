package server

import (
	"strconv"
	"time"
)

// An Observer is told what a server does, for metrics (package metrics
// turns it into Prometheus metrics). Set it in Options.Observer. Its
// methods are called from the server's and its engine's goroutines, many
// at once and on the data path: they must be cheap, safe for concurrent
// use, and must not call back into the server.
type Observer interface {
	// ConnectionOpened: a connection was admitted, after the access lists
	// and OnConnectionRequest.
	ConnectionOpened()
	// ConnectionRefused: a connection was closed at once, for the cause
	// given (MaxConnections, MaxConnectionsPerAddress, the access lists,
	// OnConnectionRequest or a server that stopped listening).
	ConnectionRefused(cause RefuseCause)
	// ConnectionClosed: an admitted connection ended.
	ConnectionClosed()
	// TLSHandshake: a TLS handshake ended, err nil when it succeeded (else
	// matching ErrHandshake, ErrTimedOut, ErrClientCertNotPresent or
	// ErrCertificateRejected, and wrapping crypto/tls's error); d is the
	// time from its first received bytes to its end.
	TLSHandshake(d time.Duration, err error)
	// BytesReceived and BytesSent count the connection's data, after TLS:
	// what DataIn gets, what Send and SendFile hand to the engine.
	BytesReceived(n int)
	BytesSent(n int)
}

// A RefuseCause is why a connection was refused: a small fixed set, fit
// for a metric's label (see String).
type RefuseCause uint8

const (
	RefusedNotListening   RefuseCause = iota // the server was no longer listening
	RefusedMaxConnections                    // MaxConnections reached
	RefusedPerAddress                        // MaxConnectionsPerAddress reached
	RefusedAccessList                        // AllowedClients or BlockedClients
	RefusedHook                              // OnConnectionRequest set Accept false (or panicked)
	RefusedProxyHeader                       // a PROXY protocol header missing, malformed or untrusted
	NumRefuseCauses                          // the number of causes
)

var refuseCauseNames = [NumRefuseCauses]string{
	"not_listening", "max_connections", "per_address_limit", "access_list", "hook", "proxy_header",
}

// String returns the cause's name: not_listening, max_connections,
// per_address_limit, access_list, hook or proxy_header.
func (c RefuseCause) String() string {
	if c < NumRefuseCauses {
		return refuseCauseNames[c]
	}
	return "RefuseCause(" + strconv.Itoa(int(c)) + ")"
}

// A LogObserver is an Observer that is also told of each log record the
// Logger's rate limit dropped (see Options.Logger). package metrics's
// Metrics is one.
type LogObserver interface {
	Observer
	LogRecordSuppressed()
}

// logDropHook returns o's LogRecordSuppressed, or nil.
func logDropHook(o Observer) func() {
	if lo, ok := o.(LogObserver); ok {
		return lo.LogRecordSuppressed
	}
	return nil
}
