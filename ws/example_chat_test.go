package ws_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/tlskit/tlskit/ws"
)

// A chat room on an http.ServeMux: the page at "/", the WebSocket at
// "/chat", every message sent to everyone with the sender's id.
func ExampleNewHandler_chat() {
	var chat *ws.Handler
	chat, err := ws.NewHandler(ws.HandlerOptions{
		Conn: ws.ConnOptions{},
		Events: ws.Events{
			OnDataIn: func(c *ws.Conn, f ws.DataFormat, msg []byte, eom, eol bool) {
				line := strconv.FormatInt(c.ConnectionID(), 10) + ": " + string(msg)
				_, _ = chat.Broadcast(ws.DataText, []byte(line)) // never blocks on a slow client
			},
		},
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/chat", chat)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<script>const ws = new WebSocket("ws://" + location.host + "/chat")</script>`)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	hs := &http.Server{Handler: mux}
	go hs.Serve(ln)
	defer func() {
		_ = chat.Shutdown(context.Background())
		_ = hs.Shutdown(context.Background())
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws://" + ln.Addr().String() + "/chat"
	alice, err := ws.Dial(ctx, url, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	bob, err := ws.Dial(ctx, url, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for chat.ConnectionCount() < 2 { // both are in the room
		time.Sleep(time.Millisecond)
	}
	_ = alice.WriteMessage(ctx, ws.DataText, []byte("hello, Bob"))
	_, msg, _ := bob.ReadMessage(ctx)
	fmt.Println(string(msg))
	_ = alice.Disconnect()
	_ = bob.Disconnect()
	<-alice.Done()
	<-bob.Done()
	// Output: 1: hello, Bob
}
