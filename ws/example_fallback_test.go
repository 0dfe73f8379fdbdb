package ws_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/ws"
)

// A standalone server that answers plain GETs with a page and upgrades on
// the same port.
func ExampleOptions_http() {
	srv, err := ws.NewServer(ws.Options{
		Server: server.Options{LocalHost: "127.0.0.1"},
		HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<script>new WebSocket('ws://'+location.host+'/')</script>")
		}),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := srv.StartListening(); err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Shutdown(context.Background())

	resp, err := http.Get(strings.Replace(srv.URL(), "ws://", "http://", 1) + "/")
	if err != nil {
		fmt.Println(err)
		return
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, "close:", resp.Close, len(page))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, srv.URL()+"/", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("upgraded", c.Connected())
	_ = c.Disconnect()
	<-c.Done()
	// Output:
	// 200 close: true 57
	// upgraded true
}
