package access

import (
	"errors"
	"testing"
)

func TestEntryErrorMessage(t *testing.T) {
	t.Parallel()
	_, err := Parse("10.0.0.1, intranet.example")
	var ee *EntryError
	if !errors.As(err, &ee) || !errors.Is(err, ErrHostName) {
		t.Fatalf("err = %v", err)
	}
	const want = `access: entry 2 "intranet.example": host names are not supported; use an IP address, CIDR prefix or wildcard pattern`
	if err.Error() != want {
		t.Errorf("message\n got %s\nwant %s", err, want)
	}
	_, err = Parse("10.0.0.0/40")
	if err == nil || err.Error() != `access: entry 1 "10.0.0.0/40": invalid CIDR prefix: prefix length out of range` {
		t.Errorf("message = %v", err)
	}
}
