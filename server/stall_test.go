package server

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// A client that sends and then never reads is reset once its queued answer
// has not moved for StallTimeout, although no further Send comes; one that
// reads slowly but steadily gets every byte.
func TestStallTimeoutResetsNonReader(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		gone := make(chan int, 2)
		const size = 8 << 20
		s := start(t, engine, Options{
			StallTimeout: 5 * time.Second,
			Events: Events{
				// Echo with a blocking send: the answer is queued whole,
				// chunk by chunk, then nothing more is sent.
				OnConnected:    func(c *Conn) { c.SetTimeout(time.Minute) },
				OnDataIn:       func(c *Conn, text []byte, _ bool) { c.Send(text) },
				OnDisconnected: func(c *Conn, err error) { gone <- Code(err) },
			},
		})
		nr := dial(t, s)
		nr.(*net.TCPConn).SetReadBuffer(4 << 10)
		// More than the kernel's buffers hold (tcp_wmem's maximum is 4 MiB),
		// so that the answer backs up into the send queue.
		go nr.Write(make([]byte, 16<<20)) // ends with the reset

		select {
		case code := <-gone:
			if code != 10060 {
				t.Errorf("OnDisconnected code %d, want 10060", code)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("a client that does not read was never disconnected")
		}

		// A slow reader: it pauses after every read, but keeps reading.
		sr := dial(t, s)
		msg := bytes.Repeat([]byte("0123456789abcdef"), size/16)
		go sr.Write(msg)
		got := make([]byte, 0, size)
		buf := make([]byte, 16<<10)
		sr.SetReadDeadline(time.Now().Add(60 * time.Second))
		for len(got) < size {
			n, err := sr.Read(buf)
			got = append(got, buf[:n]...)
			if err != nil {
				if err == io.EOF {
					break
				}
				t.Fatalf("slow reader after %d bytes: %v", len(got), err)
			}
			time.Sleep(time.Millisecond)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("slow reader got %d bytes, want %d", len(got), size)
		}
	})
}
