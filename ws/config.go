package ws

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/tlskit/tlskit/server"
)

// wsSettings are IPWorks's WSServer Config names (lower case).
var wsSettings = map[string]bool{
	"buffermessage": true, "disconnectstatuscode": true, "disconnectstatusdescription": true,
	"enablepermessagedeflate": true, "maxframesize": true, "maxlinelength": true,
	"messagelength": true, "waitforcloseresponse": true, "loglevel": true,
}

// splitSetting parses "Name[id]=value" into its parts.
func splitSetting(setting string) (name string, id int64, hasID bool, value string, set bool, err error) {
	name, value, set = strings.Cut(setting, "=")
	name = strings.TrimSpace(name)
	if i := strings.IndexByte(name, '['); i >= 0 && strings.HasSuffix(name, "]") {
		id, err = strconv.ParseInt(name[i+1:len(name)-1], 10, 64)
		if err != nil {
			return "", 0, false, "", false, fmt.Errorf("%w: connection id in %q", ErrInvalidValue, name)
		}
		name, hasID = name[:i], true
	}
	return name, id, hasID, value, set, nil
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "yes":
		return true, nil
	case "false", "0", "no":
		return false, nil
	}
	return false, fmt.Errorf("%w: %q is not a boolean", ErrInvalidValue, v)
}

func parseInt(v string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q is not a number", ErrInvalidValue, v)
	}
	return n, nil
}

// configWS handles the WebSocket settings for a Server or Handler. Changes
// to connection settings apply to connections opened afterwards; the
// per-connection MessageLength[id] and MaxLineLength[id] apply at once.
// handled=false means the name is not a WebSocket setting.
func configWS(opts *atomic.Pointer[ConnOptions], h *hub, setting string) (val string, handled bool, err error) {
	name, id, hasID, value, set, err := splitSetting(setting)
	if err != nil {
		return "", true, err
	}
	key := strings.ToLower(name)
	if !wsSettings[key] {
		return "", false, nil
	}
	if hasID {
		return configConn(h, key, id, value, set)
	}
	cur := *opts.Load()
	next := cur
	switch key {
	case "buffermessage":
		if !set {
			return formatBool(!cur.Fragments), true, nil
		}
		var whole bool
		whole, err = parseBool(value)
		next.Fragments = !whole
	case "disconnectstatuscode":
		if !set {
			c := cur.DisconnectStatusCode
			if c == 0 {
				c = int(CloseNormal)
			}
			return strconv.Itoa(c), true, nil
		}
		var n int64
		n, err = parseInt(value)
		next.DisconnectStatusCode = int(n)
	case "disconnectstatusdescription":
		if !set {
			return cur.DisconnectStatusDescription, true, nil
		}
		next.DisconnectStatusDescription = value
	case "enablepermessagedeflate":
		if !set {
			return formatBool(!cur.DisablePermessageDeflate), true, nil
		}
		var on bool
		on, err = parseBool(value)
		next.DisablePermessageDeflate = !on
	case "maxframesize":
		if !set {
			n := cur.MaxFrameSize
			if n == 0 {
				n = DefaultMaxFrameSize
			}
			return strconv.Itoa(n), true, nil
		}
		var n int64
		n, err = parseInt(value)
		if err == nil && n <= 0 {
			err = fmt.Errorf("%w: MaxFrameSize must be positive", ErrInvalidValue)
		}
		next.MaxFrameSize = int(n)
	case "maxlinelength":
		if !set {
			n := cur.MaxLineLength
			if n == 0 {
				n = DefaultMaxLineLength
			}
			return strconv.Itoa(n), true, nil
		}
		var n int64
		n, err = parseInt(value)
		next.MaxLineLength = int(n)
	case "waitforcloseresponse":
		if !set {
			return formatBool(!cur.NoWaitForCloseResponse), true, nil
		}
		var on bool
		on, err = parseBool(value)
		next.NoWaitForCloseResponse = !on
	case "loglevel":
		if !set {
			return strconv.Itoa(int(cur.logLevel())), true, nil
		}
		var n int64
		n, err = parseInt(value)
		next.LogLevel, next.logOff = LogLevel(n), n == 0
	case "messagelength":
		return "", true, fmt.Errorf("%w: MessageLength needs a connection id: MessageLength[id]=n", ErrInvalidValue)
	}
	if err != nil {
		return "", true, err
	}
	if err := next.validate(); err != nil {
		return "", true, err
	}
	opts.Store(&next)
	return "", true, nil
}

func configConn(h *hub, key string, id int64, value string, set bool) (string, bool, error) {
	c, err := h.get(id)
	if err != nil {
		return "", true, err
	}
	switch key {
	case "messagelength":
		if !set {
			return strconv.FormatInt(c.MessageLength(), 10), true, nil
		}
		n, err := parseInt(value)
		if err != nil {
			return "", true, err
		}
		return "", true, c.SetMessageLength(n)
	case "maxlinelength":
		if !set {
			return strconv.Itoa(c.MaxLineLength()), true, nil
		}
		n, err := parseInt(value)
		if err != nil {
			return "", true, err
		}
		return "", true, c.SetMaxLineLength(int(n))
	}
	return "", true, fmt.Errorf("%w: %s is not a per-connection setting", ErrInvalidValue, key)
}

// Config sets ("NAME=VALUE") or reads ("NAME") one setting by its IPWorks
// name, names case-insensitive, booleans True/False, 1/0, Yes/No. The
// WebSocket settings are BufferMessage, DisconnectStatusCode,
// DisconnectStatusDescription, EnablePermessageDeflate, MaxFrameSize,
// MaxLineLength, WaitForCloseResponse and LogLevel (for connections opened
// afterwards) and MessageLength[id], MaxLineLength[id] for one connection.
// Every other name goes to server.Server.Config (AllowedClients,
// MaxConnections, TcpNoDelay, SSLNegotiatedCipher[id] ...); unknown names
// match ErrUnknownSetting.
func (s *Server) Config(setting string) (string, error) {
	v, handled, err := configWS(&s.conn, s.hub, setting)
	if handled {
		return v, err
	}
	return s.srv.Config(setting)
}

// Config sets or reads a WebSocket setting as Server.Config does. The
// TCP/TLS settings belong to the http.Server and match ErrUnsupported.
func (h *Handler) Config(setting string) (string, error) {
	v, handled, err := configWS(&h.conn, h.hub, setting)
	if handled {
		return v, err
	}
	name, _, _, _, _, _ := splitSetting(setting)
	if isServerSetting(name) {
		return "", fmt.Errorf("%w: %s is a TCP/TLS setting; configure the http.Server", ErrUnsupported, name)
	}
	return "", fmt.Errorf("%w: %q", ErrUnknownSetting, name)
}

// isServerSetting reports whether server.Server knows the name, by asking
// an idle one (it never listens).
func isServerSetting(name string) bool {
	probe, err := server.New(server.Options{})
	if err != nil {
		return false
	}
	defer probe.Close()
	_, err = probe.Config(name)
	return !errors.Is(err, server.ErrUnknownSetting)
}

// formatBool writes booleans as server.Server.Config does.
func formatBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}
