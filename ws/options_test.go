package ws

import "testing"

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
