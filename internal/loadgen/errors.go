package loadgen

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// ErrorKind classifies what went wrong in a run; Result.Errors counts each.
type ErrorKind int

const (
	// KindDial: the TCP connection could not be made (refused, timed out,
	// out of local ports).
	KindDial ErrorKind = iota
	// KindHandshake: the TLS handshake or the WebSocket upgrade failed.
	KindHandshake
	// KindTimeout: no reply came within Options.Timeout (the server lost
	// the message or stalled); the connection is closed.
	KindTimeout
	// KindLost: a reply arrived with a later sequence number than
	// expected: the server dropped messages. Counted per lost message.
	KindLost
	// KindReordered: a reply arrived with an earlier sequence number than
	// expected (duplicated or reordered).
	KindReordered
	// KindCorrupt: a reply's checksum or size is wrong.
	KindCorrupt
	// KindClosed: the server closed the connection during the run.
	KindClosed
	// KindIO: any other read or write error.
	KindIO
	numKinds
)

var kindNames = [numKinds]string{"dial", "handshake", "timeout", "lost", "reordered", "corrupt", "closed", "io"}

// String returns the kind's name as used in Result.Errors.
func (k ErrorKind) String() string {
	if k >= 0 && k < numKinds {
		return kindNames[k]
	}
	return "unknown"
}

// ErrNoTarget is returned by Run when Options.URL is empty.
var ErrNoTarget = errors.New("loadgen: no target URL")

// OptionError reports an invalid option; Run checks them all before it
// opens a connection.
type OptionError struct {
	Option string // flag-style name, e.g. "size"
	Msg    string
}

func (e *OptionError) Error() string { return "loadgen: " + e.Option + ": " + e.Msg }

// classifyIO maps a read or write error to a kind.
func classifyIO(err error) ErrorKind {
	var ne net.Error
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return KindTimeout
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, errServerClosed):
		return KindClosed
	}
	return KindIO
}

// errServerClosed: a WebSocket server sent a Close frame during the run.
var errServerClosed = errors.New("loadgen: server sent a close frame")
