package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/tlskit/tlskit/ws"
)

func startTopicsServer(t *testing.T, mode, natsURL string) (*serveConfig, string) {
	t.Helper()
	sc := &serveConfig{proto: "ws", mode: mode, host: "127.0.0.1", path: "/", engine: testEngine,
		handshakeTimeout: 10 * time.Second, log: slog.New(slog.NewTextHandler(io.Discard, nil)), nats: natsFlags{urls: natsURL}}
	svc, err := startWSServer(sc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return sc, "ws://" + svc.Addr().String() + "/"
}

func dialTopics(t *testing.T, url string) *ws.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(ws.CloseNormal, "") })
	return c
}

func exchange(t *testing.T, c *ws.Conn, send string, want ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if send != "" {
		if err := c.WriteMessage(ctx, ws.DataText, []byte(send)); err != nil {
			t.Fatal(err)
		}
	}
	for _, w := range want {
		_, p, err := c.ReadMessage(ctx)
		if err != nil || (string(p) != w && !(strings.HasSuffix(w, "*") && strings.HasPrefix(string(p), strings.TrimSuffix(w, "*")))) {
			t.Fatalf("after %s: got %s, %v; want %s", send, p, err, w)
		}
	}
}

// The pubsub protocol: subscribe, publish, unsubscribe, and an error for
// anything else; a subscriber gets a message once whatever number of its
// patterns match.
func TestServePubSub(t *testing.T) {
	t.Parallel()
	_, url := startTopicsServer(t, "pubsub", "")
	a, b := dialTopics(t, url), dialTopics(t, url)
	exchange(t, a, `{"subscribe":"news.*"}`, `{"subscribed":"news.*"}`)
	exchange(t, b, `{"subscribe":"news.eu"}`, `{"subscribed":"news.eu"}`)
	exchange(t, b, `{"subscribe":">"}`, `{"subscribed":">"}`)
	exchange(t, b, `{"publish":"news.eu","data":{"x":[1,2]}}`, `{"topic":"news.eu","data":{"x":[1,2]}}`)
	exchange(t, a, "", `{"topic":"news.eu","data":{"x":[1,2]}}`)
	exchange(t, a, `{"publish":"sport","data":"goal"}`) // b only
	exchange(t, b, "", `{"topic":"sport","data":"goal"}`)
	exchange(t, a, `{"unsubscribe":"news.*"}`, `{"unsubscribed":"news.*"}`)
	exchange(t, b, `{"publish":"news.us"}`, `{"topic":"news.us","data":null}`)
	for _, bad := range []string{`{"publish":"news.*","data":1}`, `{"subscribe":"a..b"}`, `hello`, `{"publish":"x","subscribe":"y"}`, `{}`} {
		exchange(t, a, bad, `{"error":*`)
	}
	exchange(t, a, `{"subscribe":"last"}`, `{"subscribed":"last"}`) // a got nothing meanwhile
	exchange(t, b, `{"publish":"last","data":true}`, `{"topic":"last","data":true}`)
	exchange(t, a, "", `{"topic":"last","data":true}`)
}

// Two chat servers on one NATS are one chat room: joins, messages and
// departures reach the clients of both, named with each process's tag.
func TestServeChatOverNATS(t *testing.T) {
	t.Parallel()
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	defer ns.Shutdown()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS not ready")
	}
	sc1, url1 := startTopicsServer(t, "chat", ns.ClientURL())
	sc2, url2 := startTopicsServer(t, "chat", ns.ClientURL())
	waitSubscribed := func(sc *serveConfig) {
		for sc.bus.Conn().NumSubscriptions() == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		sc.bus.Conn().Flush()
	}
	c1 := dialTopics(t, url1)
	exchange(t, c1, "", "you are 1"+sc1.tag, "1"+sc1.tag+" joined")
	waitSubscribed(sc1)
	c2 := dialTopics(t, url2)
	exchange(t, c2, "", "you are 1"+sc2.tag, "1"+sc2.tag+" joined")
	exchange(t, c1, "", "1"+sc2.tag+" joined")
	waitSubscribed(sc2)
	exchange(t, c1, "hello", "1"+sc1.tag+": hello")
	exchange(t, c2, "", "1"+sc1.tag+": hello")
	c2.Close(ws.CloseNormal, "")
	exchange(t, c1, "", "1"+sc2.tag+" left")
	if sc1.tag == sc2.tag {
		t.Fatalf("tags %q and %q", sc1.tag, sc2.tag)
	}
}

func TestServeNATSFlagErrors(t *testing.T) {
	for _, c := range []struct {
		n    natsFlags
		p    serveProto
		mode string
	}{
		{natsFlags{creds: "x.creds"}, serveProtos["ws"], "chat"},
		{natsFlags{urls: "nats://127.0.0.1:4222"}, serveProtos["tcp"], "broadcast"},
		{natsFlags{urls: "nats://127.0.0.1:4222"}, serveProtos["wss"], "echo"},
	} {
		if err := c.n.check(c.p, c.mode); err == nil {
			t.Errorf("%+v with %s accepted", c.n, c.mode)
		}
	}
	if err := (&natsFlags{urls: "nats://x:1"}).check(serveProtos["wss"], "pubsub"); err != nil {
		t.Fatal(err)
	}
}
