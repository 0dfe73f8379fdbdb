package server

import (
	"io"
	"net"
	"testing"
	"time"
)

// Data that arrives together with the client's FIN (or close_notify) is
// delivered, its partial last line included, and the answers DataIn sends
// reach the client before the server closes.
func TestPeerCloseAnswered(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		for _, tt := range []struct {
			name string
			tls  bool
			eol  string
		}{
			{name: "plain raw"},
			{name: "plain lines", eol: "\n"},
			{name: "TLS lines", tls: true, eol: "\n"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				o := Options{DefaultEOL: []byte(tt.eol), Events: echoEvents()}
				if tt.tls {
					o.TLSConfig = getPKI(t).serverConfig()
				}
				s := start(t, engine, o)
				for range 20 {
					var c net.Conn = dial(t, s)
					if tt.tls {
						c = dialTLS(t, s, getPKI(t).clientConfig())
					}
					c.SetDeadline(time.Now().Add(10 * time.Second))
					if _, err := c.Write([]byte("abc\npartial")); err != nil {
						t.Fatal(err)
					}
					if err := c.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
						t.Fatal(err)
					}
					got, err := io.ReadAll(c)
					if err != nil || string(got) != "abc\npartial" {
						t.Fatalf("answer %q, %v; want the whole echo, then EOF", got, err)
					}
					c.Close()
				}
			})
		}
	})
}
