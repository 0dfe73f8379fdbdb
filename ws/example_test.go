package ws_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/ws"
)

// An echo server on a port the system picks, and a client talking to it.
func ExampleNewServer() {
	srv, err := ws.NewServer(ws.Options{
		Server: server.Options{LocalHost: "127.0.0.1"},
		Conn:   ws.ConnOptions{}, // whole messages in one DataIn
		Events: ws.Events{
			OnDataIn: func(c *ws.Conn, f ws.DataFormat, data []byte, eom, eol bool) {
				_, _ = c.SendMessage(ws.SendFormatOf(f), data)
			},
		},
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

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, srv.URL()+"/echo", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = c.WriteMessage(ctx, ws.DataText, []byte("hello"))
	f, msg, _ := c.ReadMessage(ctx)
	fmt.Println(f, string(msg), c.Compressed())
	_ = c.Disconnect()
	<-c.Done()
	fmt.Println(c.CloseStatus().Code)
	// Output:
	// text hello true
	// 1000 (normal closure)
}

// A web page and its WebSocket on one net/http server.
func ExampleNewHandler() {
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<script>new WebSocket('ws://'+location.host+'/ws')</script>")
	})
	h, err := ws.NewHandler(ws.HandlerOptions{
		Events: ws.Events{
			OnConnected: func(c *ws.Conn) { _, _ = c.SendText("welcome to " + c.RequestURI()) },
		},
	}, page)
	if err != nil {
		fmt.Println(err)
		return
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	hs := &http.Server{Handler: h}
	go hs.Serve(ln)
	defer func() {
		_ = h.Shutdown(context.Background())
		_ = hs.Shutdown(context.Background())
	}()

	resp, _ := http.Get("http://" + ln.Addr().String() + "/")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(len(body) > 0)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, "ws://"+ln.Addr().String()+"/ws", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, msg, _ := c.ReadMessage(ctx)
	fmt.Println(string(msg))
	_ = c.Disconnect()
	<-c.Done()
	// Output:
	// true
	// welcome to /ws
}

// Choosing a subprotocol and refusing clients in WebSocketOpenRequest.
func ExampleOpenRequest() {
	srv, _ := ws.NewServer(ws.Options{
		Server: server.Options{LocalHost: "127.0.0.1"},
		Events: ws.Events{
			OnWebSocketOpenRequest: func(r *ws.OpenRequest) {
				if r.Header.Get("Authorization") == "" {
					r.StatusCode = http.StatusUnauthorized
					r.ResponseHeader = http.Header{"Www-Authenticate": {`Basic realm="chat"`}}
					return
				}
				for _, p := range r.Protocols {
					if p == "chat.v2" {
						r.Protocol = p
					}
				}
			},
		},
	})
	_ = srv.StartListening()
	defer srv.Shutdown(context.Background())

	ctx := context.Background()
	_, err := ws.Dial(ctx, srv.URL(), nil)
	fmt.Println(err)
	c, err := ws.Dial(ctx, srv.URL(), &ws.DialOptions{
		Protocols: []string{"chat.v1", "chat.v2"},
		Header:    http.Header{"Authorization": {"Basic dTpw"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Protocol())
	_ = c.Disconnect()
	<-c.Done()
	// Output:
	// wsproto: server answered 401 Unauthorized instead of 101 (HTTP 401)
	// chat.v2
}
