package ws

import (
	"bytes"
	"testing"
	"time"

	"github.com/tlskit/tlskit/server"
)

// waitWritable must return once the server's queue drains even inside one
// of the connection's own hooks, where no OnReadyToSend can arrive: a
// blocking WriteMessage from OnDataIn proves it.
func TestServerTransportWaitsInsideHook(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("w"), 1<<20)
	_, r := serverConn(t, Options{
		Server: server.Options{OutBufferSize: 8 << 10},
		Events: Events{OnDataIn: func(c *Conn, f DataFormat, data []byte, eom, eol bool) {
			for range 3 {
				if err := c.WriteMessage(t.Context(), DataBinary, big); err != nil {
					t.Error(err)
				}
			}
		}},
	})
	r.frame(true, 0x1, []byte("go"))
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; i < 3; i++ {
		var got []byte
		for {
			f, ok := r.next()
			if !ok || time.Now().After(deadline) {
				t.Fatalf("message %d incomplete", i)
			}
			got = append(got, f.Payload...)
			if f.Header.Fin {
				break
			}
		}
		if !bytes.Equal(got, big) {
			t.Fatalf("message %d: %d bytes", i, len(got))
		}
	}
}
