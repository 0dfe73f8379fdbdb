package ws

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tlskit/tlskit/server"
)

func TestOptionsValidation(t *testing.T) {
	t.Parallel()
	bad := []ConnOptions{
		{MaxLineLength: 10},
		{MaxLineLength: 1 << 31}, // kept in 32 bits
		{DisconnectStatusCode: 1006},
		{CloseTimeout: -1},
		{LogLevel: 7},
		{Deflate: DeflateOptions{ClientMaxWindowBits: 7}},
		{Deflate: DeflateOptions{Level: 12}},
	}
	for _, o := range bad {
		if _, err := NewServer(Options{Conn: o}); err == nil {
			t.Errorf("NewServer accepted %+v", o)
		}
	}
}

// TestNewServerRefusesConnFields: the fields of server.Options that the
// WebSocket layer replaces are refused, naming the field, instead of being
// ignored; the ones that apply (and UTF-8 as the code page) are accepted.
func TestNewServerRefusesConnFields(t *testing.T) {
	t.Parallel()
	refused := map[string]server.Options{
		"DefaultEOL":            {DefaultEOL: []byte("\n")},
		"DefaultSingleLineMode": {DefaultSingleLineMode: true},
		"DefaultMaxLineLength":  {DefaultMaxLineLength: 4096},
		"CodePage":              {CodePage: 1200},
		"Events.OnConnected":    {Events: server.Events{OnConnected: func(*server.Conn) {}}},
		"Events.OnDataIn":       {Events: server.Events{OnDataIn: func(*server.Conn, []byte, bool) {}}},
		"Events.OnReadyToSend":  {Events: server.Events{OnReadyToSend: func(*server.Conn) {}}},
		"Events.OnDisconnected": {Events: server.Events{OnDisconnected: func(*server.Conn, error) {}}},
		"Events.OnIdleTimeout":  {Events: server.Events{OnIdleTimeout: func(*server.Conn) {}}},
	}
	for name, so := range refused {
		_, err := NewServer(Options{Server: so})
		if !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), "Options.Server."+name+" ") {
			t.Errorf("%s: NewServer error %v, want ErrInvalidValue naming it", name, err)
		}
	}
	applies := server.Options{
		CodePage: 65001, UpgradeHandshake: true, DefaultIdleTimeout: time.Second, DefaultTimeout: time.Second,
		Events: server.Events{
			OnConnectionRequest: func(*server.ConnectionRequest) {}, OnError: func(*server.Conn, error) {},
			OnSSLStatus: func(*server.Conn, string) {},
		},
	}
	if _, err := NewServer(Options{Server: applies}); err != nil {
		t.Errorf("NewServer refused fields that apply: %v", err)
	}
	s, err := NewServer(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Config("CodePage=1252"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Config(CodePage=1252) = %v, want ErrUnsupported", err)
	}
	if v, err := s.Config("CodePage"); err != nil || v != "65001" {
		t.Errorf("Config(CodePage) = %q, %v, want 65001", v, err)
	}
}
