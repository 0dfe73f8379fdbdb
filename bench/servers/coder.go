package servers

import (
	"crypto/tls"
	"io"
	"net/http"

	"github.com/coder/websocket"
)

// startCoder is coder/websocket's echo, as in its examples: a goroutine per
// connection streaming each message from Reader to Writer.
func startCoder(addr string, cfg *tls.Config) (func() error, error) {
	return serveHTTP(addr, cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(-1)
		ctx := r.Context()
		for {
			op, rd, err := c.Reader(ctx)
			if err != nil {
				return
			}
			wr, err := c.Writer(ctx, op)
			if err != nil {
				return
			}
			if _, err := io.Copy(wr, rd); err != nil {
				return
			}
			if err := wr.Close(); err != nil {
				return
			}
		}
	}))
}
