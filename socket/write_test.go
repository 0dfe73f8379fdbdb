package socket

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// pipeSocket makes a socket over one end of net.Pipe, whose writes block
// until the test reads the other end.
func pipeSocket(t *testing.T, cfg Config) (*Socket, net.Conn) {
	t.Helper()
	c1, c2 := net.Pipe()
	s, err := FromConn(context.Background(), c1, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); c2.Close() })
	return s, c2
}

// waitFor polls cond on every change of s, for up to 10 seconds.
func waitFor(t *testing.T, s *Socket, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		ch := s.changes()
		s.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestSendRefusesWhatDoesNotFit(t *testing.T) {
	t.Parallel()
	s, _ := pipeSocket(t, Config{SendBufferSize: 10})
	if w := s.Writable(); w != 10 {
		t.Fatalf("Writable = %d, want 10", w)
	}
	w, err := s.Send([]byte("12345678"))
	if err != nil || w != 2 {
		t.Fatalf("Send(8) = %d, %v; want 2, nil", w, err)
	}
	w, err = s.Send([]byte("abc"))
	if !errors.Is(err, ErrBufferFull) || !errors.Is(err, ErrOutOfMemory) || w != 2 {
		t.Fatalf("Send(3) into 2 free = %d, %v; want 2, ErrBufferFull", w, err)
	}
	if left := s.BytesLeftToSend(); left != 8 {
		t.Fatalf("BytesLeftToSend = %d after a refused Send, want 8 (nothing half-queued)", left)
	}
}

func TestSendProgressAbortAndComplete(t *testing.T) {
	t.Parallel()
	type progress struct{ sent, left int }
	var progs []progress
	var completes []bool
	var writables []int
	abort := true
	s, peer := pipeSocket(t, Config{
		SendBufferSize: 100000,
		ManualEvents:   true,
		Events: Events{
			SendProgress: func(s *Socket, sent, left int) bool {
				progs = append(progs, progress{sent, left})
				return abort
			},
			SendComplete: func(s *Socket, userAborted bool) { completes = append(completes, userAborted) },
			Writable:     func(s *Socket, n int) { writables = append(writables, n) },
		},
	})
	s.Poll() // Connected, Writable
	writables = nil
	data := bytes.Repeat([]byte("x"), 50000)
	if _, err := s.Send(data); err != nil {
		t.Fatal(err)
	}
	first := make([]byte, writeChunk)
	if _, err := io.ReadFull(peer, first); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "the first chunk to be accounted", func() bool { return s.BytesLeftToSend() == 50000-writeChunk })
	s.Poll()
	if len(progs) != 1 || progs[0].sent != writeChunk || progs[0].left != 50000-writeChunk {
		t.Fatalf("SendProgress calls %v", progs)
	}
	if len(completes) != 1 || !completes[0] {
		t.Fatalf("SendComplete calls %v, want [true]", completes)
	}
	if len(writables) != 1 || writables[0] != 100000-writeChunk { // computed after the abort
		t.Fatalf("Writable calls %v", writables)
	}
	// Only the chunk already handed to the network is still sent.
	if left := s.BytesLeftToSend(); left != writeChunk {
		t.Fatalf("BytesLeftToSend after abort = %d, want %d", left, writeChunk)
	}
	rest := make([]byte, writeChunk)
	if _, err := io.ReadFull(peer, rest); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "the send buffer to empty", func() bool { return s.BytesLeftToSend() == 0 })

	// A send that is not aborted ends with SendComplete(false).
	abort = false
	progs, completes = nil, nil
	s.Poll()
	completes = nil
	if _, err := s.Send([]byte("tail")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(peer, make([]byte, 4)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "the tail to be sent", func() bool { return s.BytesLeftToSend() == 0 })
	s.Poll()
	if len(completes) != 1 || completes[0] {
		t.Fatalf("SendComplete calls %v, want [false]", completes)
	}
}

func TestWriteBlocksUntilQueued(t *testing.T) {
	t.Parallel()
	s, peer := pipeSocket(t, Config{SendBufferSize: 16})
	data := bytes.Repeat([]byte("0123456789"), 10)
	done := make(chan error, 1)
	go func() {
		_, err := s.Write(data)
		done <- err
	}()
	got := make([]byte, len(data))
	if _, err := io.ReadFull(peer, got); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("data differs")
	}
}
