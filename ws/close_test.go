package ws

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/wsproto"
)

func TestDisconnect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      ConnOptions
		code      wsproto.CloseCode
		reason    string
		answer    bool // the client answers our Close
		reported  wsproto.CloseCode
		maxClosed time.Duration
	}{
		{name: "default", answer: true, code: 1000, reason: "normal closure", reported: 1000},
		{name: "status-code", opts: ConnOptions{DisconnectStatusCode: 4000, DisconnectStatusDescription: "custom"}, answer: true, code: 4000, reason: "custom", reported: 4000},
		{name: "going-away-default-text", opts: ConnOptions{DisconnectStatusCode: 1001}, answer: true, code: 1001, reason: "going away", reported: 1001},
		{name: "no-wait", opts: ConnOptions{NoWaitForCloseResponse: true}, code: 1000, reason: "normal closure", reported: 1000},
		{name: "wait-times-out", opts: ConnOptions{CloseTimeout: 200 * time.Millisecond}, code: 1000, reason: "normal closure", reported: 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := newRecorder()
			c, r := serverConn(t, Options{Conn: tt.opts, Events: rec.events()})
			if err := c.Disconnect(); err != nil {
				t.Fatal(err)
			}
			if _, err := c.SendText("late"); err == nil {
				t.Fatal("send after Disconnect accepted")
			}
			f, ok := r.next()
			if !ok || f.Header.Opcode != wsproto.OpClose {
				t.Fatal("no Close frame")
			}
			code := wsproto.CloseCode(binary.BigEndian.Uint16(f.Payload))
			if code != tt.code || string(f.Payload[2:]) != tt.reason {
				t.Fatalf("sent close %v %q, want %v %q", code, f.Payload[2:], tt.code, tt.reason)
			}
			if tt.answer {
				select {
				case <-c.Done():
					t.Fatal("closed before the client answered (WaitForCloseResponse)")
				case <-time.After(100 * time.Millisecond):
				}
				r.frame(true, wsproto.OpClose, f.Payload[:2])
			}
			r.expectEOF()
			got, _ := rec.waitClosed(t)
			if got != tt.reported {
				t.Fatalf("OnDisconnected %v, want %v", got, tt.reported)
			}
		})
	}
}

func TestCloseRefusesReservedCodes(t *testing.T) {
	t.Parallel()
	c, _ := serverConn(t, Options{})
	for _, code := range []wsproto.CloseCode{1004, 1006, 1015, 999, 5000} {
		if err := c.Close(code, ""); err == nil {
			t.Errorf("Close(%d) accepted", code)
		}
	}
	if err := c.Close(1000, string(make([]byte, 124))); err == nil {
		t.Error("124-byte reason accepted")
	}
}

func TestPeerDropReports1006(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	_, r := serverConn(t, Options{Events: rec.events()})
	r.conn.Close()
	if code, _ := rec.waitClosed(t); code != wsproto.CloseAbnormal {
		t.Fatalf("OnDisconnected %v, want 1006", code)
	}
}
