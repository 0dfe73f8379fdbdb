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
// compresses at level 1 with no context takeover in either direction, so
// an idle connection holds no flate window or dictionary.
type DeflateOptions struct {
	// Level is the compress/flate level, 1-9 (0: 1, fastest).
	Level int
	// ServerContextTakeover and ClientContextTakeover let the server or
	// the client keep its LZ77 window between messages (default false).
	// Danger: the compressing side then keeps a flate writer (about 0.8 MB
	// per connection once it has compressed), the other 32 KiB.
	ServerContextTakeover bool
	ClientContextTakeover bool
	// ClientMaxWindowBits (8-15, 0: none) limits the client's window if its
	// offer allows; ServerMaxWindowBits is what a client asks of the server.
	ClientMaxWindowBits int
	ServerMaxWindowBits int
	// MinSize is the smallest message compressed (default 64 bytes).
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
	// offers or accepts (default false); Deflate tunes it.
	DisablePermessageDeflate bool
	Deflate                  DeflateOptions
	// MaxFrameSize bounds outgoing frames' payloads (default 128 KiB; <0: none).
	MaxFrameSize int
	// MaxMessageSize bounds a received message after decompression, and
	// MaxMessageFrames its frames (such as empty continuations without
	// end); more close with 1009. Defaults 32 MiB and 65536; negative: no
	// limit (dangerous with whole messages: the peer decides what we hold).
	MaxMessageSize   int64
	MaxMessageFrames int
	// Fragments delivers received data to OnDataIn as it arrives, for
	// messages too large to hold. Default false: each message whole (up to
	// MaxMessageSize), as ReadMessage always has them.
	Fragments bool
	// NoWaitForCloseResponse closes TCP right after our Close frame; by
	// default we wait up to CloseTimeout (5 seconds) for the peer's.
	NoWaitForCloseResponse bool
	CloseTimeout           time.Duration
	// DisconnectStatusCode and DisconnectStatusDescription are what
	// Disconnect sends: default 1000 and the code's standard description.
	DisconnectStatusCode        CloseCode
	DisconnectStatusDescription string
	// LineMode delivers received data in lines ending at CR, LF or CRLF,
	// across messages (default false; see Conn.ChangeLineMode); lines longer
	// than MaxLineLength (default 2048, minimum 256) come in pieces.
	LineMode      bool
	MaxLineLength int
	// SendQueue bounds Handler and Dial connections' unsent bytes (default 64 KiB).
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
