package wsproto

import (
	"errors"
	"fmt"
	"testing"
)

func TestProtocolErrorUnwrapsToSentinel(t *testing.T) {
	t.Parallel()
	for code, sentinel := range map[CloseCode]error{
		CloseProtocolError:   ErrProtocolViolation,
		CloseUnsupportedData: ErrUnsupportedData,
		CloseInvalidPayload:  ErrInvalidPayload,
		CloseMessageTooBig:   ErrMessageTooBig,
	} {
		err := fmt.Errorf("read: %w", protoErr(code, "x"))
		if !errors.Is(err, sentinel) {
			t.Fatalf("%d does not match its sentinel", code)
		}
		if CloseCodeOf(err) != code {
			t.Fatalf("CloseCodeOf = %d, want %d", CloseCodeOf(err), code)
		}
	}
	if CloseCodeOf(nil) != CloseNormal || CloseCodeOf(errors.New("x")) != CloseInternalError {
		t.Fatal("CloseCodeOf defaults")
	}
	if got := protoErr(CloseProtocolError, "bad").Error(); got != "wsproto: bad (close 1002)" {
		t.Fatal(got)
	}
}
