package socket_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/tlskit/tlskit/socket"
)

// A plain connection used both ways: events with the non-blocking methods,
// and blocking net.Conn reads.
func Example() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		c, _ := ln.Accept()
		defer c.Close()
		io.Copy(c, c) // echo
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := socket.Dial(ctx, socket.Config{
		Address: "127.0.0.1",
		Port:    ln.Addr().(*net.TCPAddr).Port,
		Events: socket.Events{
			SendComplete: func(s *socket.Socket, userAborted bool) { fmt.Println("sent, aborted:", userAborted) },
		},
		ManualEvents: true, // deliver events from Poll, on this goroutine
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	if _, err := s.Send([]byte("hello")); err != nil { // queued, never blocks
		fmt.Println(err)
		return
	}
	buf := make([]byte, 5)
	io.ReadFull(s, buf) // the net.Conn view blocks
	fmt.Println(string(buf))
	s.Disconnect(ctx) // waits until the queue is sent, then closes
	s.Poll()
	// Output:
	// hello
	// sent, aborted: false
}
