package ws

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/tlskit/tlskit/internal/framing"
	"github.com/tlskit/tlskit/internal/wsproto"
)

// Defaults the zero value of a ConnOptions field stands for.
const (
	DefaultMaxFrameSize     = wsproto.DefaultMaxFrameSize     // MaxFrameSize, 128 KiB
	DefaultMaxMessageSize   = wsproto.DefaultMaxMessageSize   // MaxMessageSize, 32 MiB
	DefaultMaxMessageFrames = wsproto.DefaultMaxMessageFrames // MaxMessageFrames, 65536
	DefaultMaxLineLength    = framing.DefaultMaxLineLength    // MaxLineLength in line mode
	DefaultCloseTimeout     = 5 * time.Second                 // CloseTimeout
	DefaultSendQueue        = 64 << 10                        // SendQueue of Handler and Dial connections
)

// DeflateOptions tune permessage-deflate (RFC 7692). The zero value
// compresses at level 1 with no context takeover in either direction, so a
// connection keeps no compression state between messages: an idle
// connection holds no flate window or dictionary.
type DeflateOptions struct {
	// Level is the compress/flate level, 1-9 (0: 1, fastest).
	Level int
	// ServerContextTakeover lets the server keep its LZ77 window between
	// messages (a better ratio for similar messages). Default false.
	// Danger: each server connection that has sent a compressed message
	// then keeps a flate writer (about 0.8 MB), each client 32 KiB.
	ServerContextTakeover bool
	// ClientContextTakeover lets the client keep its window between
	// messages (RFC 7692 §7.1.1.2 lets a server refuse it whatever the
	// offer). Default false. Danger: each server connection then keeps
	// 32 KiB, each client a flate writer (about 0.8 MB).
	ClientContextTakeover bool
	// ClientMaxWindowBits (8-15, 0: none) limits the client's window when
	// its offer allows it, which shrinks the dictionary kept.
	ClientMaxWindowBits int
	// ServerMaxWindowBits (8-15, 0: none) is what a client asks of the server.
	ServerMaxWindowBits int
	// MinSize is the smallest message that is compressed (default 64
	// bytes): shorter ones are sent as they are.
	MinSize int
}

func (d DeflateOptions) config() wsproto.DeflateConfig {
	return wsproto.DeflateConfig{
		Level:                   d.Level,
		ServerNoContextTakeover: !d.ServerContextTakeover,
		ClientNoContextTakeover: !d.ClientContextTakeover,
		ClientMaxWindowBits:     d.ClientMaxWindowBits,
		ServerMaxWindowBits:     d.ServerMaxWindowBits,
	}
}

// ConnOptions are the settings of every connection, server or client, also
// set by name with Config (see Server.Config). The zero value is the
// defaults.
type ConnOptions struct {
	// DisablePermessageDeflate turns compression off whatever the peer
	// offers or accepts. Default false: used when the peer wants it.
	DisablePermessageDeflate bool
	// Deflate tunes permessage-deflate (defaults: see DeflateOptions).
	Deflate DeflateOptions
	// MaxFrameSize is the largest payload of one outgoing frame; longer
	// messages are fragmented. Default 128 KiB; negative: never fragment.
	MaxFrameSize int
	// MaxMessageSize bounds a received message after decompression; larger
	// ones fail the connection with 1009. Default 32 MiB; negative: no limit
	// (dangerous with whole messages: a peer decides how much we allocate).
	MaxMessageSize int64
	// MaxMessageFrames bounds the frames of a received message (such as
	// empty continuations without end); more close with 1009. Default
	// 65536; negative: no limit.
	MaxMessageFrames int
	// Fragments delivers received data to OnDataIn as it arrives, a frame
	// or part of one at a time, eom marking a message's last piece: for
	// messages too large to hold. Default false: each message whole, in
	// one OnDataIn (up to MaxMessageSize), and always for ReadMessage.
	Fragments bool
	// NoWaitForCloseResponse closes the TCP connection right after sending
	// our Close frame. Default false: we wait up to CloseTimeout for the
	// peer's Close.
	NoWaitForCloseResponse bool
	// CloseTimeout bounds the wait for the peer's Close frame, and for the
	// server to close TCP after a client's close. Default 5 seconds.
	CloseTimeout time.Duration
	// DisconnectStatusCode is the code Disconnect sends (default 1000).
	DisconnectStatusCode CloseCode
	// DisconnectStatusDescription is the reason Disconnect sends; default
	// the standard description of the code ("" for unregistered codes).
	DisconnectStatusDescription string
	// LineMode delivers received data line by line (default false), as
	// Conn.ChangeLineMode: lines end at CR, LF or CRLF across messages,
	// format is always FormatContinuation, eol reports a terminator.
	LineMode bool
	// MaxLineLength is the line buffer size in line mode: longer lines are
	// delivered in pieces with eol=false. Default 2048, minimum 256.
	MaxLineLength int
	// SendQueue bounds the bytes queued and not yet written of Handler and
	// Dial connections (a standalone Server's is server.Options'
	// OutBufferSize), in bytes; see the package doc. Default 64 KiB.
	SendQueue int
	// LogLevel selects the Log events (default LogInfo, which the zero
	// value means); Config("LogLevel=0") turns them off.
	LogLevel LogLevel

	logOff bool          // Config("LogLevel=0")
	obs    Observer      // the Server's or Handler's Options.Observer
	slog   *slog.Logger  // the Server's or Handler's Options.Logger
	origin *originPolicy // the Server's or Handler's Origin check; nil: none
}

func (o *ConnOptions) validate() error {
	if o.MaxLineLength != 0 {
		if err := checkMaxLineLength(o.MaxLineLength); err != nil {
			return err
		}
	}
	if o.DisconnectStatusCode != 0 && !o.DisconnectStatusCode.ValidOnWire() {
		return fmt.Errorf("%w: DisconnectStatusCode %d may not be sent in a Close frame", ErrInvalidValue, o.DisconnectStatusCode)
	}
	if o.CloseTimeout < 0 {
		return fmt.Errorf("%w: negative CloseTimeout", ErrInvalidValue)
	}
	if o.LogLevel < 0 || o.LogLevel > LogDebug {
		return fmt.Errorf("%w: LogLevel %d (0-3)", ErrInvalidValue, o.LogLevel)
	}
	d := o.Deflate
	for _, b := range []int{d.ClientMaxWindowBits, d.ServerMaxWindowBits} {
		if b != 0 && (b < 8 || b > 15) {
			return fmt.Errorf("%w: window bits %d (8-15)", ErrInvalidValue, b)
		}
	}
	if d.Level < 0 || d.Level > 9 {
		return fmt.Errorf("%w: deflate level %d (1-9)", ErrInvalidValue, d.Level)
	}
	return nil
}

func (o *ConnOptions) closeTimeout() time.Duration {
	if o.CloseTimeout == 0 {
		return DefaultCloseTimeout
	}
	return o.CloseTimeout
}

func (o *ConnOptions) logLevel() LogLevel {
	if o.logOff {
		return LogNone
	}
	if o.LogLevel == 0 {
		return LogInfo
	}
	return o.LogLevel
}

func (o *ConnOptions) deflateMin() int {
	if o.Deflate.MinSize == 0 {
		return 64
	}
	return o.Deflate.MinSize
}
