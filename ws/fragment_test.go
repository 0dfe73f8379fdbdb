package ws

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

// WriteFragment sends one message of unknown length in parts: the peer
// gets it whole (a part larger than the queue goes in pieces); other data
// sends wait (ErrWouldBlock) until its last part; MessageLength stays 0.
func TestWriteFragment(t *testing.T) {
	t.Parallel()
	got := make(chan Message, 2)
	s := startServer(t, Options{Events: Events{OnDataIn: func(c *Conn, f DataFormat, data []byte, _, _ bool) {
		got <- Message{Format: f, Data: bytes.Clone(data)}
	}}})
	c := dialT(t, s.URL(), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB, many queues' worth
	parts := [][]byte{[]byte("head:"), big, []byte(":tail")}
	for i, p := range parts {
		if err := c.WriteFragment(ctx, DataBinary, p, i == len(parts)-1); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if _, err := c.SendText("between"); !errors.Is(err, ErrWouldBlock) {
				t.Fatalf("SendText inside an open message: %v, want ErrWouldBlock", err)
			}
			if n := c.MessageLength(); n != 0 {
				t.Fatalf("MessageLength = %d inside a WriteFragment message", n)
			}
		}
	}
	m := <-got
	if want := bytes.Join(parts, nil); m.Format != FormatBinary || !bytes.Equal(m.Data, want) {
		t.Fatalf("the server got %v, %d bytes; want binary, %d bytes", m.Format, len(m.Data), len(want))
	}
	if _, err := c.SendText("after"); err != nil {
		t.Fatalf("SendText after the last part: %v", err)
	}
	if m := <-got; string(m.Data) != "after" {
		t.Fatalf("then %q", m.Data)
	}
	if err := c.WriteFragment(ctx, DataPing, nil, true); !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("WriteFragment of a ping: %v, want ErrInvalidValue", err)
	}
}
