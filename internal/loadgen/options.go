package loadgen

import (
	"crypto/tls"
	"fmt"
	"time"
)

// Options describe a run. The zero value, with a URL, is one connection
// sending 64-byte messages as fast as the echo allows for 10 seconds.
type Options struct {
	// URL is the target: tcp://host:port, tls://host:port,
	// ws://host[:port]/path or wss://host[:port]/path.
	URL string
	// Conns is the number of connections (default 1). In Handshakes mode
	// it is the number of parallel connect/handshake/close loops.
	Conns int
	// Size is the message size in bytes, at least 20 (the sequence
	// number, send time and checksum); default 64.
	Size int
	// Rate is the messages per second each connection sends. 0 (default)
	// keeps one message in flight per connection: the next is sent when
	// the echo of the previous one arrives. With a rate, latency is
	// measured from the time a message was due, so a server that falls
	// behind is charged for the queue it builds.
	Rate float64
	// Duration is the measured time (default 10 s); Warmup runs before
	// it and is excluded from the results (default 0).
	Duration time.Duration
	Warmup   time.Duration
	// Handshakes measures connection set-up instead of messages: each of
	// Conns loops connects, completes the TLS and WebSocket handshakes
	// the scheme needs, and closes.
	Handshakes bool
	// SourceIPs > 1 spreads connections over the local addresses
	// 127.0.0.1 .. 127.0.0.N (at most 254), each with its own range of
	// ephemeral ports. It needs an IPv4 loopback target.
	SourceIPs int
	// Deflate offers permessage-deflate (RFC 7692) with
	// client_no_context_takeover and server_no_context_takeover on ws://
	// and wss:// (an error for other schemes). Where the server accepts,
	// every message is sent compressed and compressed replies are
	// inflated before they are checked; Result.DeflateConns counts those
	// connections. Default false: nothing is offered.
	Deflate bool
	// Timeout bounds a dial with its handshakes, and the wait for a reply
	// (default 5 s). A reply that does not come in time is a KindTimeout
	// error and closes its connection.
	Timeout time.Duration
	// TLSConfig is used for tls:// and wss:// (nil: system roots, the
	// URL's host as server name). It is cloned, not modified.
	TLSConfig *tls.Config
	// ServerPID, when set, is a local server process whose memory is
	// sampled every ProgressInterval and reported (Linux only: from
	// /proc/PID/status). Run fails at once if it cannot be read.
	ServerPID int
	// Progress, when set, is called every ProgressInterval (default 1 s)
	// and once when the run ends (unless less than half an interval
	// passed since the previous call) from a goroutine of Run with the
	// state so far. It must not block for long. Result.Timeline has a
	// sample for each call, and at least one.
	Progress         func(Snapshot)
	ProgressInterval time.Duration
}

func (o *Options) setDefaults() {
	if o.Conns == 0 {
		o.Conns = 1
	}
	if o.Size == 0 {
		o.Size = 64
	}
	if o.Duration == 0 {
		o.Duration = 10 * time.Second
	}
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
	}
	if o.ProgressInterval == 0 {
		o.ProgressInterval = time.Second
	}
}

// maxConns keeps a run inside the open-file limit of one process.
const maxConns = 100_000

func (o *Options) validate() error {
	switch {
	case o.Conns < 1 || o.Conns > maxConns:
		return &OptionError{Option: "conns", Msg: fmt.Sprintf("%d is out of range 1..%d", o.Conns, maxConns)}
	case o.Size < headerSize || o.Size > 64<<20:
		return &OptionError{Option: "size", Msg: fmt.Sprintf("%d is out of range %d..%d (a message carries a %d-byte header)", o.Size, headerSize, 64<<20, headerSize)}
	case o.Rate < 0:
		return &OptionError{Option: "rate", Msg: "must not be negative (0 means one message in flight per connection)"}
	case o.Duration < 0 || o.Warmup < 0 || o.Timeout < 0:
		return &OptionError{Option: "duration", Msg: "durations must not be negative"}
	case o.Handshakes && o.Rate != 0:
		return &OptionError{Option: "rate", Msg: "--rate does not apply to --handshakes"}
	case o.SourceIPs < 0:
		return &OptionError{Option: "source-ips", Msg: "must not be negative"}
	}
	return nil
}
