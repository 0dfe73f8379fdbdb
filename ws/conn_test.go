package ws

import (
	"net"
	"testing"
)

func TestConnAccessors(t *testing.T) {
	t.Parallel()
	conns := make(chan *Conn, 1)
	s := startServer(t, Options{Events: Events{OnConnected: func(c *Conn) { conns <- c }}, OriginPatterns: []string{"o.example"}})
	cl := dialT(t, s.URL()+"/path?q=1", &DialOptions{Origin: "http://o.example"})
	sc := <-conns
	if sc.IsClient() || !cl.IsClient() {
		t.Fatal("IsClient")
	}
	if sc.ConnectionID() != 1 || cl.ConnectionID() != 0 {
		t.Fatalf("ids %d %d", sc.ConnectionID(), cl.ConnectionID())
	}
	if sc.RequestURI() != "/path?q=1" || cl.RequestURI() != "/path?q=1" || sc.Origin() != "http://o.example" {
		t.Fatalf("request fields %q %q %q", sc.RequestURI(), cl.RequestURI(), sc.Origin())
	}
	if sc.ServerConn() == nil || cl.ServerConn() != nil {
		t.Fatal("ServerConn")
	}
	if sc.RemoteAddr().String() != cl.LocalAddr().String() {
		t.Fatalf("addresses %v %v", sc.RemoteAddr(), cl.LocalAddr())
	}
	if _, ok := sc.LocalAddr().(*net.TCPAddr); !ok {
		t.Fatalf("LocalAddr %T", sc.LocalAddr())
	}
	if cl.ResponseHeader().Get("Upgrade") == "" || sc.RequestHeader().Get("Sec-WebSocket-Key") == "" {
		t.Fatal("handshake headers missing")
	}
	sc.SetUserData(42)
	if sc.UserData() != 42 {
		t.Fatal("UserData")
	}
	if !sc.Connected() {
		t.Fatal("Connected")
	}
	_ = cl.Disconnect()
	<-sc.Done()
	if sc.Connected() {
		t.Fatal("Connected after close")
	}
	if st := sc.CloseStatus(); st.Code != CloseNormal {
		t.Fatalf("CloseStatus %v", st)
	}
}
