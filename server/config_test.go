package server

import (
	"errors"
	"strings"
	"testing"
)

func TestConfigSetAndGet(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		set, get, want string
	}{
		{"AllowedClients=10.0.0.*, 192.168.1.0/24", "AllowedClients", "10.0.0.*, 192.168.1.0/24"},
		{"BlockedClients=127.0.0.2", "blockedclients", "127.0.0.2"},
		{"BindExclusively=No", "BindExclusively", "False"},
		{"DefaultConnectionTimeout=7", "DefaultConnectionTimeout", "7"},
		{"KeepAliveTime=1500", "KeepAliveTime", "1500"},
		{"KeepAliveInterval=250", "KeepAliveInterval", "250"},
		{"MaxConnections=200000", "MaxConnections", "200000"},
		{"MaxConnectionsPerAddress=20", "maxconnectionsperaddress", "20"},
		{"TcpNoDelay=yes", "TcpNoDelay", "True"},
		{"UseIPv6=2", "UseIPv6", "2"},
		{"OutBufferSize=1024", "OutBufferSize", "1024"},
		{"InBufferSize=8192", "InBufferSize", "8192"},
		{"CodePage=28591", "CodePage", "28591"},
		{"MaskSensitiveData=false", "MaskSensitiveData", "False"},
		{"UseInternalSecurityAPI=1", "UseInternalSecurityAPI", "True"},
		{"SSLProvider=2", "SSLProvider", "2"},
	} {
		if _, err := s.Config(tc.set); err != nil {
			t.Fatalf("Config(%q): %v", tc.set, err)
		}
		if got, err := s.Config(tc.get); err != nil || got != tc.want {
			t.Fatalf("Config(%q) = %q, %v; want %q", tc.get, got, err, tc.want)
		}
	}
	if got, _ := s.Config("BuildInfo"); !strings.Contains(got, "go1.") {
		t.Fatalf("BuildInfo = %q", got)
	}
	// Reset restores the options given to New.
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Config("MaxConnections"); got != "1000" {
		t.Fatalf("MaxConnections after Reset = %s", got)
	}
	if got, _ := s.Config("AllowedClients"); got != "*" {
		t.Fatalf("AllowedClients after Reset = %s", got)
	}
	// An unset OutBufferSize reads as the queue bound it stands for.
	if got, _ := s.Config("OutBufferSize"); got != "65536" {
		t.Fatalf("OutBufferSize after Reset = %s, want 65536", got)
	}
}

func TestConfigErrors(t *testing.T) {
	s, err := New(Options{LocalHost: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		setting string
		want    error
	}{
		{"NoSuchSetting=1", ErrUnknownSetting},
		{"NoSuchSetting", ErrUnknownSetting},
		{"TcpNoDelay=maybe", ErrInvalidValue},
		{"AllowedClients=example.com", ErrInvalidValue},
		{"UseIPv6=7", ErrInvalidValue},
		{"CodePage=4242", ErrInvalidValue},
		{"BuildInfo=x", ErrReadOnly},
		{"SSLEnabledProtocols=3072", ErrUnsupported},
		{"SSLNegotiatedCipher", ErrInvalidValue},
		{"SSLNegotiatedCipher[1]=x", ErrReadOnly},
		{"SSLNegotiatedCipher[abc]", ErrInvalidValue},
		{"SSLNegotiatedCipher[42]", ErrInvalidConnectionID},
		{"TcpNoDelay[1]", ErrUnknownSetting},
	} {
		if _, err := s.Config(tc.setting); !errors.Is(err, tc.want) {
			t.Errorf("Config(%q) = %v, want %v", tc.setting, err, tc.want)
		}
	}
	if err := s.StartListening(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Config("MaxConnections=5"); !errors.Is(err, ErrMaxConnListening) {
		t.Fatalf("MaxConnections while listening: %v, want code 108", err)
	}
	if _, err := s.Config("MaxConnections=5"); Code(err) != 108 {
		t.Fatalf("code %v", err)
	}
}

func TestErrorCodesAndMessages(t *testing.T) {
	e := opError("send", 3, ErrWouldBlock, nil)
	if !errors.Is(e, ErrWouldBlock) || errors.Is(e, ErrInvalidConnectionID) || Code(e) != 135 {
		t.Fatal("errors.Is does not match the condition")
	}
	if got := e.Error(); got != "server: send: operation would block (connection 3)" {
		t.Fatalf("message %q", got)
	}
}

// TestConfigRestartSettings: a setting that only a restart would apply is
// refused while listening, with an error that says so.
func TestConfigRestartSettings(t *testing.T) {
	s, err := New(Options{LocalHost: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.StartListening(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		set  string
		want error
		says string
	}{
		{"BindExclusively=False", ErrLocalPortListening, "StopListening"},
		{"UseIPv6=2", ErrLocalHostListening, "while listening"},
		{"MaxConnections=5", ErrMaxConnListening, "while listening"},
	} {
		if _, err := s.Config(tc.set); !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("Config(%q) while listening = %v, want %v saying %q", tc.set, err, tc.want, tc.says)
		}
	}
	if got, _ := s.Config("BindExclusively"); got != "True" {
		t.Errorf("BindExclusively = %s after the refusal", got)
	}
	if err := s.StopListening(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Config("BindExclusively=False"); err != nil {
		t.Fatalf("BindExclusively when idle: %v", err)
	}
}
