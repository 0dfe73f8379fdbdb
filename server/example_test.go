package server_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/tlskit/tlskit/server"
)

// A line-based upper-casing server: each line the client sends comes back in
// capitals.
func Example() {
	s, err := server.New(server.Options{
		LocalHost:  "127.0.0.1",
		DefaultEOL: []byte("\n"),
		Events: server.Events{
			OnDataIn: func(c *server.Conn, line []byte, eol bool) {
				c.SendLine(strings.ToUpper(string(line)))
			},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := s.StartListening(); err != nil {
		fmt.Println(err)
		return
	}
	defer s.Shutdown(context.Background())

	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	fmt.Fprintf(c, "hello\n")
	reply, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Print(reply)
	// Output: HELLO
}
