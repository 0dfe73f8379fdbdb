package wsproto

import (
	"errors"
	"strings"
	"testing"
)

// TestRFC6455_7_4_CloseCodes: which codes may be sent and received.
func TestRFC6455_7_4_CloseCodes(t *testing.T) {
	t.Parallel()
	valid := []CloseCode{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999}
	invalid := []CloseCode{0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}
	for _, c := range valid {
		p, err := AppendClosePayload(nil, c, "r")
		if err != nil {
			t.Fatalf("send %d: %v", c, err)
		}
		got, reason, err := ParseClosePayload(p)
		if err != nil || got != c || reason != "r" {
			t.Fatalf("receive %d: %v %q %v", c, got, reason, err)
		}
	}
	for _, c := range invalid {
		if _, err := AppendClosePayload(nil, c, "r"); !errors.Is(err, ErrInvalidCloseCode) {
			t.Fatalf("send %d: %v", c, err)
		}
		_, _, err := ParseClosePayload([]byte{byte(c >> 8), byte(c)})
		wantCode(t, err, CloseProtocolError)
	}
}

// TestRFC6455_5_5_1_CloseBody: empty body means no status, 1 byte is a
// protocol error, the reason MUST be UTF-8 (§8.1 → 1007).
func TestRFC6455_5_5_1_CloseBody(t *testing.T) {
	t.Parallel()
	code, reason, err := ParseClosePayload(nil)
	if err != nil || code != CloseNoStatus || reason != "" {
		t.Fatalf("empty body: %v %q %v", code, reason, err)
	}
	_, _, err = ParseClosePayload([]byte{3})
	wantCode(t, err, CloseProtocolError)
	_, _, err = ParseClosePayload([]byte{3, 232, 0xce, 0xba, 0xe1, 0xbd})
	wantCode(t, err, CloseInvalidPayload)
	if _, err := AppendClosePayload(nil, CloseNormal, "\xff"); CloseCodeOf(err) != CloseInvalidPayload {
		t.Fatalf("sending invalid UTF-8 reason: %v", err)
	}
	if _, err := AppendClosePayload(nil, CloseNormal, strings.Repeat("a", 124)); !errors.Is(err, ErrControlTooLong) {
		t.Fatalf("124-byte reason: %v", err)
	}
	if p, err := AppendClosePayload(nil, CloseNoStatus, ""); err != nil || len(p) != 0 {
		t.Fatalf("no-status close: % x %v", p, err)
	}
	if _, err := AppendClosePayload(nil, CloseNoStatus, "x"); err == nil {
		t.Fatal("reason without status accepted")
	}
}

func TestCloseCodeString(t *testing.T) {
	t.Parallel()
	if s := CloseMessageTooBig.String(); s != "1009 (message too big)" {
		t.Fatal(s)
	}
	if s := CloseCode(4001).String(); s != "4001" {
		t.Fatal(s)
	}
	if CloseNormal.Text() != "normal closure" {
		t.Fatal(CloseNormal.Text())
	}
}
