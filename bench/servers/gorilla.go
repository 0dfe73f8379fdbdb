package servers

import (
	"crypto/tls"
	"net/http"

	"github.com/gorilla/websocket"
)

// startGorilla is gorilla/websocket's echo, as in its examples: a goroutine
// per connection with ReadMessage and WriteMessage.
func startGorilla(addr string, _ *tls.Config) (func() error, error) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	return serveHTTP(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			op, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(op, msg); err != nil {
				return
			}
		}
	}))
}

// serveHTTP runs h on addr with net/http.
func serveHTTP(addr string, h http.Handler) (func() error, error) {
	ln, err := listen(addr, nil)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	return srv.Close, nil
}
