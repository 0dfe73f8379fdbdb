package ws

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/tlskit/tlskit/internal/settings"
	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/tlsconf"
)

// wsSettings are IPWorks's WSServer Config names for the connections
// opened afterwards. Set works on a copy of the current ConnOptions,
// which configWS validates and stores.
var wsSettings = settings.NewTable(
	wsBool("BufferMessage", func(o *ConnOptions) *bool { return &o.Fragments }),
	settings.Setting[*ConnOptions]{Name: "DisconnectStatusCode",
		Get: func(o *ConnOptions) string {
			if o.DisconnectStatusCode == 0 {
				return strconv.Itoa(int(CloseNormal))
			}
			return strconv.Itoa(int(o.DisconnectStatusCode))
		},
		Set: func(o *ConnOptions, v string) error {
			n, err := settings.ParseInt(v, 0, math.MaxUint16)
			if err == nil {
				o.DisconnectStatusCode = CloseCode(n)
			}
			return err
		}},
	settings.Setting[*ConnOptions]{Name: "DisconnectStatusDescription",
		Get: func(o *ConnOptions) string { return o.DisconnectStatusDescription },
		Set: func(o *ConnOptions, v string) error { o.DisconnectStatusDescription = v; return nil }},
	wsBool("EnablePermessageDeflate", func(o *ConnOptions) *bool { return &o.DisablePermessageDeflate }),
	settings.Setting[*ConnOptions]{Name: "MaxFrameSize",
		Get: func(o *ConnOptions) string { return strconv.Itoa(cmp(o.MaxFrameSize, DefaultMaxFrameSize)) },
		Set: func(o *ConnOptions, v string) error {
			n, err := settings.ParseInt(v, math.MinInt, math.MaxInt)
			if err == nil && n <= 0 {
				err = settings.Bad("must be positive")
			}
			o.MaxFrameSize = int(n)
			return err
		}},
	settings.Setting[*ConnOptions]{Name: "MaxLineLength",
		Get: func(o *ConnOptions) string { return strconv.Itoa(cmp(o.MaxLineLength, DefaultMaxLineLength)) },
		Set: func(o *ConnOptions, v string) error {
			n, err := settings.ParseInt(v, math.MinInt, math.MaxInt)
			o.MaxLineLength = int(n)
			return err
		}},
	wsBool("WaitForCloseResponse", func(o *ConnOptions) *bool { return &o.NoWaitForCloseResponse }),
	settings.Setting[*ConnOptions]{Name: "LogLevel",
		Get: func(o *ConnOptions) string { return strconv.Itoa(int(o.logLevel())) },
		Set: func(o *ConnOptions, v string) error {
			n, err := settings.ParseInt(v, math.MinInt, math.MaxInt)
			o.LogLevel, o.logOff = LogLevel(n), n == 0
			return err
		}},

	// WSServer settings that have no meaning here.
	wsUnsupported("CloseStreamAfterTransfer", "Conn.SendFile takes a file name and always closes the file; "+
		"the io.Reader or io.Writer of NextReader and NextWriter is the caller's to close"),
	wsUnsupported("MaskSensitive", "nothing secret is ever logged (the Log events and Options.Logger escape and cut "+
		"what the peer sent); MaskSensitiveData is accepted for compatibility"),
	wsUnsupported("SSLCheckCRL", "it checks a server's certificate, so a server has no counterpart: a client sets "+
		"socket.TLSOptions.CRLCheck; a server checks client certificates in tls.Config.VerifyConnection"),
	wsUnsupported("SSLCheckOCSP", "it checks a server's certificate, so a server has no counterpart: a client sets "+
		"socket.TLSOptions.OCSPCheck; a server checks client certificates in tls.Config.VerifyConnection"),
)

// wsBool is a boolean whose field means the opposite of the setting
// (BufferMessage=True is Fragments=false).
func wsBool(name string, field func(*ConnOptions) *bool) settings.Setting[*ConnOptions] {
	return settings.Setting[*ConnOptions]{Name: name,
		Get: func(o *ConnOptions) string { return settings.FormatBool(!*field(o)) },
		Set: func(o *ConnOptions, v string) error {
			b, err := settings.ParseBool(v)
			*field(o) = !b
			return err
		}}
}

func wsUnsupported(name, advice string) settings.Setting[*ConnOptions] {
	return settings.Setting[*ConnOptions]{Name: name, Unsupported: advice}
}

// cmp returns n, or def when n is zero.
func cmp(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

// wsConnSettings are the settings of one connection, NAME[connectionId];
// they apply at once.
var wsConnSettings = settings.NewTable(
	settings.Setting[*Conn]{Name: "MessageLength",
		Get: func(c *Conn) string { return strconv.FormatInt(c.MessageLength(), 10) },
		Set: func(c *Conn, v string) error {
			n, err := settings.ParseInt(v, math.MinInt64, math.MaxInt64)
			if err != nil {
				return err
			}
			return c.SetMessageLength(n)
		}},
	settings.Setting[*Conn]{Name: "MaxLineLength",
		Get: func(c *Conn) string { return strconv.Itoa(c.MaxLineLength()) },
		Set: func(c *Conn, v string) error {
			n, err := settings.ParseInt(v, math.MinInt, math.MaxInt)
			if err != nil {
				return err
			}
			return c.SetMaxLineLength(int(n))
		}},
)

// configWS handles the WebSocket settings for a Server or Handler. Changes
// to connection settings apply to connections opened afterwards; the
// per-connection MessageLength[id] and MaxLineLength[id] apply at once.
// handled=false means the name is not a WebSocket setting.
func configWS(opts *atomic.Pointer[ConnOptions], h *hub, r settings.Request) (val string, handled bool, err error) {
	if r.HasID {
		st, ok := wsConnSettings.Lookup(r.Name)
		if !ok {
			if _, ws := wsSettings.Lookup(r.Name); ws {
				return "", true, fmt.Errorf("%w: %s is not a per-connection setting", ErrInvalidValue, r.Name)
			}
			return "", false, nil
		}
		c, err := h.get(r.ID)
		if err != nil {
			return "", true, err
		}
		v, err := st.Apply(c, r)
		return v, true, err
	}
	if _, ok := wsSettings.Lookup(r.Name); !ok {
		if st, ok := wsConnSettings.Lookup(r.Name); ok {
			return "", true, fmt.Errorf("%w: %s needs a connection id: %s[id]=n", ErrInvalidValue, st.Name, st.Name)
		}
		return "", false, nil
	}
	st, err := wsSettings.Find(r.Name)
	if err != nil {
		return "", true, err
	}
	if !r.Set {
		return st.Get(opts.Load()), true, nil
	}
	// Change a copy of the options as they are and swap it in only if no
	// other Config changed them meanwhile (else redo it on theirs), so that
	// concurrent changes of different settings all stay.
	for {
		cur := opts.Load()
		next := *cur
		if _, err := st.Apply(&next, r); err != nil {
			return "", true, err
		}
		if err := next.validate(); err != nil {
			return "", true, err
		}
		if opts.CompareAndSwap(cur, &next) {
			return "", true, nil
		}
	}
}

// Config sets ("NAME=VALUE") or reads ("NAME") a setting by name (any case;
// booleans True/False, 1/0, Yes/No): BufferMessage, DisconnectStatusCode,
// DisconnectStatusDescription, EnablePermessageDeflate, MaxFrameSize,
// MaxLineLength, WaitForCloseResponse and LogLevel for new connections,
// MessageLength[id] and MaxLineLength[id], else server.Server.Config's (TLS
// ones for new handshakes). Unknown names match ErrUnknownSetting;
// CloseStreamAfterTransfer, MaskSensitive, SSLCheckCRL, SSLCheckOCSP and
// setting CodePage ErrUnsupported, saying what to use instead.
func (s *Server) Config(setting string) (string, error) {
	r, err := settings.Parse(setting)
	if err != nil {
		return "", err
	}
	v, handled, err := configWS(&s.conn, s.hub, r)
	if handled {
		return v, err
	}
	if r.Set && strings.EqualFold(r.Name, "CodePage") {
		return "", fmt.Errorf("%w: CodePage: WebSocket text is UTF-8", ErrUnsupported)
	}
	return s.srv.Config(setting)
}

// Config is Server.Config for the WebSocket settings; the TCP and TLS ones
// are the http.Server's (ErrUnsupported, saying where to set them).
func (h *Handler) Config(setting string) (string, error) {
	r, err := settings.Parse(setting)
	if err != nil {
		return "", err
	}
	v, handled, err := configWS(&h.conn, h.hub, r)
	if handled {
		return v, err
	}
	switch terr := tlsconf.ServerSetting(r.Name); {
	case terr == nil:
		return "", fmt.Errorf("%w: %s is a TLS setting, and a Handler's TLS is net/http's: set it on the http.Server's TLSConfig "+
			"(tlsconf.Settings builds one from this name)", ErrUnsupported, r.Name)
	case !errors.Is(terr, ErrUnknownSetting):
		return "", terr
	}
	if slices.ContainsFunc(server.SettingNames(), func(n string) bool { return strings.EqualFold(n, r.Name) }) {
		return "", fmt.Errorf("%w: %s is a TCP setting; configure the http.Server (or its net.Listener)", ErrUnsupported, r.Name)
	}
	return "", settings.Unknown(r.Name)
}
