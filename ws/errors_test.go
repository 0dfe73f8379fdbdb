package ws

import (
	"errors"
	"testing"

	"github.com/tlskit/tlskit/internal/wsproto"
)

func TestSendErrorCode(t *testing.T) {
	t.Parallel()
	tr := &memTransport{}
	c := newConn(wsproto.RoleServer, &ConnOptions{}, &Events{OnDataIn: func(*Conn, DataFormat, []byte, bool, bool) {}}, tr)
	c.open(nil)
	if _, err := c.SendText("ok"); err != nil {
		t.Fatal(err)
	}
	tr.Disconnect() // the transport is gone, the Conn does not know yet
	_, err := c.SendText("lost")
	if !errors.Is(err, ErrSend) || !errors.Is(err, ErrNotConnected) {
		t.Fatalf("err = %v, want 4202 wrapping 10057", err)
	}
	c.transportClosed(nil)
	if _, err := c.SendText("after"); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("after close: %v", err)
	}
}

func TestCloseErrorUnwraps(t *testing.T) {
	t.Parallel()
	pe := &wsproto.ProtocolError{Code: 1009, Msg: "too big"}
	e := &CloseError{Code: 1009, Reason: "too big", Err: pe}
	if !errors.Is(e, ErrMessageTooBig) || e.Error() != "ws: closed with 1009 (message too big): too big" {
		t.Fatalf("CloseError %q", e.Error())
	}
}
