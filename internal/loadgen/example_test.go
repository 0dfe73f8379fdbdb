package loadgen_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/tlskit/tlskit/internal/loadgen"
)

// Run a short load against a plain TCP echo server and read the result.
func ExampleRun() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()

	res, err := loadgen.Run(context.Background(), loadgen.Options{
		URL:      "tcp://" + ln.Addr().String(),
		Conns:    2,
		Size:     256,
		Rate:     50, // messages per second per connection
		Duration: 400 * time.Millisecond,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("opened:", res.ConnsOpened, "failed:", res.ConnsFailed)
	fmt.Println("sent:", res.Sent, "echoed intact:", res.Received)
	fmt.Println("errors:", res.ErrorCount())
	// Output:
	// opened: 2 failed: 0
	// sent: 40 echoed intact: 40
	// errors: 0
}
