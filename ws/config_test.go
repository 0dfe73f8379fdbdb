package ws

import (
	"errors"
	"strings"
	"testing"
)

func TestServerConfig(t *testing.T) {
	t.Parallel()
	s, err := NewServer(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	defaults := []struct{ name, want string }{
		{name: "EnablePermessageDeflate", want: "True"},
		{name: "MaxFrameSize", want: "131072"},
		{name: "WaitForCloseResponse", want: "True"},
		{name: "DisconnectStatusCode", want: "1000"},
		{name: "BufferMessage", want: "True"}, // whole messages by default (IPWorks: False)
		{name: "maxlinelength", want: "2048"},
		{name: "LogLevel", want: "1"},
	}
	for _, d := range defaults {
		if got, err := s.Config(d.name); err != nil || got != d.want {
			t.Errorf("Config(%q) = %q, %v; want %q", d.name, got, err, d.want)
		}
	}
	sets := []struct {
		set, name, want string
		err             error
	}{
		{set: "BufferMessage=Yes", name: "BufferMessage", want: "True"},
		{set: "EnablePermessageDeflate=0", name: "EnablePermessageDeflate", want: "False"},
		{set: "MaxFrameSize=1000", name: "MaxFrameSize", want: "1000"},
		{set: "WaitForCloseResponse=False", name: "WaitForCloseResponse", want: "False"},
		{set: "DisconnectStatusCode=4000", name: "DisconnectStatusCode", want: "4000"},
		{set: "DisconnectStatusDescription=bye", name: "DisconnectStatusDescription", want: "bye"},
		{set: "DisconnectStatusCode=1005", err: ErrInvalidValue},
		{set: "DisconnectStatusCode=66536", err: ErrInvalidValue}, // not 1000 modulo 2^16
		{set: "MaxLineLength=10", err: ErrInvalidValue},
		{set: "MaxLineLength=2147483648", err: ErrInvalidValue},
		{set: "MaxLineLength=2147483647", name: "MaxLineLength", want: "2147483647"},
		{set: "BufferMessage=maybe", err: ErrInvalidValue},
		{set: "MessageLength=5", err: ErrInvalidValue},
		{set: "MessageLength[99]=5", err: ErrInvalidConnectionID},
		{set: "NoSuchSetting=1", err: ErrUnknownSetting},
		{set: "TcpNoDelay=true", name: "TcpNoDelay", want: "True"},
		{set: "LogLevel=0", name: "LogLevel", want: "0"},
		{set: "LogLevel=3", name: "LogLevel", want: "3"},
		{set: "LogLevel=4", err: ErrInvalidValue},
	}
	for _, c := range sets {
		_, err := s.Config(c.set)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("Config(%q) = %v, want %v", c.set, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Config(%q): %v", c.set, err)
			continue
		}
		if got, _ := s.Config(c.name); got != c.want {
			t.Errorf("after %q, %s = %q, want %q", c.set, c.name, got, c.want)
		}
	}
}

func TestHandlerConfig(t *testing.T) {
	t.Parallel()
	h, err := NewHandler(HandlerOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Config("MaxFrameSize=4096"); err != nil {
		t.Fatal(err)
	}
	if v, _ := h.Config("MaxFrameSize"); v != "4096" {
		t.Fatalf("MaxFrameSize = %q", v)
	}
	if _, err := h.Config("TcpNoDelay=true"); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("TcpNoDelay: %v", err)
	}
	if _, err := h.Config("Bogus"); !errors.Is(err, ErrUnknownSetting) {
		t.Fatalf("Bogus: %v", err)
	}
}

// TestConfigUnsupportedNames: the WSServer names Go cannot honour say so
// and what to use instead, on both ways in, rather than being unknown.
func TestConfigUnsupportedNames(t *testing.T) {
	t.Parallel()
	s, err := NewServer(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h, err := NewHandler(HandlerOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"CloseStreamAfterTransfer", "MaskSensitive", "SSLCheckCRL", "SSLCheckOCSP",
		"SSLCACerts", "SSLIncludeCertChain", "SSLSecurityFlags", "OpenSSLCipherList"} {
		for _, setting := range []string{name, name + "=1"} {
			for way, config := range map[string]func(string) (string, error){"Server": s.Config, "Handler": h.Config} {
				_, err := config(setting)
				if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), name) {
					t.Errorf("%s.Config(%q) = %v, want ErrUnsupported naming it", way, setting, err)
				}
			}
		}
	}
	// The Server's answer says what to use instead, never the tlsconf
	// package for names it refuses.
	for _, name := range []string{"SSLCACerts", "SSLIncludeCertChain", "SSLSecurityFlags"} {
		_, err := s.Config(name)
		if err == nil || strings.Contains(err.Error(), "tlsconf") {
			t.Errorf("Config(%q) = %v", name, err)
		}
	}
	// LogSSLPackets is the server's (server.Options.LogTLSRecords); a
	// Handler's TLS is net/http's.
	if _, err := s.Config("LogSSLPackets=1"); err != nil {
		t.Errorf("Server.Config(LogSSLPackets=1) = %v", err)
	}
	if v, err := s.Config("LogSSLPackets"); err != nil || v != "True" {
		t.Errorf("Server.Config(LogSSLPackets) = %q, %v", v, err)
	}
	if _, err := h.Config("LogSSLPackets=1"); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "LogSSLPackets") {
		t.Errorf("Handler.Config(LogSSLPackets=1) = %v, want ErrUnsupported naming it", err)
	}
}

// TestServerConfigReadOnly: read-only settings are refused with ws's own
// ErrReadOnly, the server's value.
func TestServerConfigReadOnly(t *testing.T) {
	t.Parallel()
	s, err := NewServer(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, set := range []string{"BuildInfo=x", "LicenseInfo=x", "SSLNegotiatedCipher[1]=x"} {
		if _, err := s.Config(set); !errors.Is(err, ErrReadOnly) {
			t.Errorf("Config(%q) = %v, want ErrReadOnly", set, err)
		}
	}
}
