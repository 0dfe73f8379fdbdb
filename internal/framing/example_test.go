package framing_test

import (
	"fmt"

	"github.com/tlskit/tlskit/internal/framing"
)

// A server's read loop: feed each read, then pull records until the framer
// needs more bytes. The handler switches to a fixed-length record for the
// body a header line announces, as an OnDataIn handler may with
// server.Conn.ChangeRecordLength.
func Example() {
	var f framing.Framer
	f.SetEOL([]byte("\r\n"))

	reads := []string{"PUT 5\r\nhel", "loQUIT\r\nbye"}
	for _, read := range reads {
		f.Feed([]byte(read))
		for {
			rec, eol, ok := f.Next()
			if !ok {
				break
			}
			fmt.Printf("%-6s %q eol=%v\n", f.Mode(), rec, eol)
			switch {
			case string(rec) == "PUT 5":
				_ = f.SetRecordLength(5)
			case f.Mode() == framing.ModeRecord:
				_ = f.SetRecordLength(0)
			}
		}
	}
	// At disconnect the partial line is delivered with eol=false.
	fmt.Printf("flush  %q eol=false\n", f.Flush())
	// Output:
	// eol    "PUT 5" eol=true
	// record "hello" eol=true
	// eol    "QUIT" eol=true
	// flush  "bye" eol=false
}
