package proxyproto_test

import (
	"errors"
	"fmt"

	"github.com/tlskit/tlskit/internal/proxyproto"
)

// An engine calls Parse on what it has buffered after each read; the
// bytes after the header (here the start of a TLS ClientHello) stay for
// the TLS layer.
func Example() {
	reads := []string{"PROXY TCP4 203.0.113.7 19", "2.0.2.1 51234 443\r", "\n\x16\x03\x01"}
	var buf []byte
	for _, r := range reads {
		buf = append(buf, r...)
		h, n, err := proxyproto.Parse(buf)
		if errors.Is(err, proxyproto.ErrNeedMore) {
			fmt.Printf("%d bytes: need more\n", len(buf))
			continue
		}
		if err != nil {
			fmt.Println("reset:", err)
			return
		}
		fmt.Printf("client %s, server %s; %d bytes left for TLS: %q\n", h.Source, h.Destination, len(buf[n:]), buf[n:])
	}

	_, _, err := proxyproto.Parse([]byte("\x16\x03\x01"))
	fmt.Println(err)
	_, _, err = proxyproto.Parse([]byte("PROXY TCP4 203.0.113.7 192.0.2.1 051234 443\r\n"))
	fmt.Println(err)
	// Output:
	// 25 bytes: need more
	// 43 bytes: need more
	// client 203.0.113.7:51234, server 192.0.2.1:443; 3 bytes left for TLS: "\x16\x03\x01"
	// proxyproto: not a PROXY protocol header
	// proxyproto: malformed header: version 1 source port: "051234" is not a port number
}
