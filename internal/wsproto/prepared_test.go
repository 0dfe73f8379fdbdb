package wsproto

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
)

func TestPreparedMessageBroadcast(t *testing.T) {
	t.Parallel()
	msg := []byte(strings.Repeat("broadcast to everyone ", 30))
	m, err := NewPreparedMessage(OpText, msg, 100)
	if err != nil {
		t.Fatal(err)
	}
	// Connections with context takeover that already sent messages.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			takeover := i%2 == 0
			e := &Encoder{}
			c, _ := NewCompressor(0, takeover)
			r := NewReader(RoleClient, ReaderOptions{BufferMessage: true, Decompressor: NewDecompressor(takeover, 15)})
			var b []byte
			b, _ = e.AppendMessage(b, OpText, c.Compress(nil, []byte("earlier message on this connection")), true)
			b, _ = e.AppendPrepared(b, m, c)
			b, _ = e.AppendMessage(b, OpText, c.Compress(nil, []byte("later broadcast to everyone")), true)
			evs, err := readAll(r, b)
			if err != nil || len(evs) != 3 || !bytes.Equal(evs[1].Data, msg) || string(evs[2].Data) != "later broadcast to everyone" {
				t.Errorf("conn %d: %v %q", i, err, render(evs))
			}
		}()
	}
	wg.Wait()
	if p1, p2 := m.Frames(1), m.Frames(1); &p1[0] != &p2[0] {
		t.Fatal("compressed frames encoded twice")
	}
	plain := m.Frames(0)
	evs, err := readAll(NewReader(RoleClient, ReaderOptions{BufferMessage: true}), bytes.Clone(plain))
	if err != nil || !bytes.Equal(evs[0].Data, msg) {
		t.Fatal(err)
	}
	if _, err := (&Encoder{Role: RoleClient}).AppendPrepared(nil, m, nil); err == nil {
		t.Fatal("client encoder accepted a prepared message")
	}
	e := &Encoder{}
	e.AppendFragment(nil, OpBinary, nil, false, false)
	if _, err := e.AppendPrepared(nil, m, nil); !errors.Is(err, ErrMessageOpen) {
		t.Fatalf("prepared message inside an open message: %v", err)
	}
	if _, err := NewPreparedMessage(OpPing, nil, 0); err == nil {
		t.Fatal("ping accepted")
	}
}
