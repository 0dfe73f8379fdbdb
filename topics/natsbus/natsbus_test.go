package natsbus

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/tlskit/tlskit/server"
	"github.com/tlskit/tlskit/topics"
	"github.com/tlskit/tlskit/ws"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// startNATS runs an embedded NATS server on 127.0.0.1 (port 0: a random
// one), in a cluster of that name with those routes if cluster is set.
func startNATS(t *testing.T, port int, cluster string, routes ...string) *natsserver.Server {
	t.Helper()
	o := &natsserver.Options{Port: port}
	if cluster != "" {
		o.Cluster = natsserver.ClusterOpts{Name: cluster, Host: "127.0.0.1", Port: -1}
		o.Routes = natsserver.RoutesFromStr(strings.Join(routes, ","))
	}
	return runNATS(t, o)
}

func connect(t *testing.T, url string, opts Options) *Bus {
	t.Helper()
	opts.URLs = []string{url}
	opts.Logger = quiet
	if opts.ReconnectWait == 0 {
		opts.ReconnectWait = 20 * time.Millisecond
	}
	b, err := Connect(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// recorder is a Subscriber keeping what it gets.
type recorder struct {
	mu  sync.Mutex
	got []string
}

func (r *recorder) Deliver(m topics.Message) {
	r.mu.Lock()
	r.got = append(r.got, string(m.Data))
	r.mu.Unlock()
}

func (r *recorder) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// inOrder checks that got holds each of want's messages once, in order,
// and reports whether they are all there.
func inOrder(t *testing.T, name string, got []string, prefix string, want int) bool {
	t.Helper()
	n := 0
	for _, m := range got {
		if !strings.HasPrefix(m, prefix) {
			continue
		}
		if m != fmt.Sprintf("%s%d", prefix, n) {
			t.Fatalf("%s: got %q after %d of %s, want them once each in order", name, m, n, prefix)
		}
		n++
	}
	return n == want
}

// The pattern's NATS subscription lives while a subscriber has it; a
// process gets each message once, whatever number of its patterns match,
// its own publications at once and never back from NATS.
func TestSubscribeRefCountsOnceNoEcho(t *testing.T) {
	ns := startNATS(t, 0, "")
	a := connect(t, ns.ClientURL(), Options{})
	b := connect(t, ns.ClientURL(), Options{})
	ra, rb1, rb2 := &recorder{}, &recorder{}, &recorder{}
	for _, p := range []string{"chat.*", "chat.>", "chat.room"} {
		a.Subscribe(p, ra)
		b.Subscribe(p, rb1)
	}
	b.Subscribe("chat.room", rb2)
	if got := b.Subjects(); !slices.Equal(got, []string{"chat.*", "chat.>", "chat.room"}) {
		t.Fatalf("Subjects = %q", got)
	}
	waitFor(t, "the NATS subscriptions", func() bool { return subsAt(t, ns) == 6 })
	for i := range 100 {
		a.Publish(topics.Message{Topic: "chat.room", Data: fmt.Appendf(nil, "a%d", i)})
		b.Publish(topics.Message{Topic: "chat.room", Data: fmt.Appendf(nil, "b%d", i)})
	}
	// A plain NATS client's message comes once too (no tlskit headers).
	pc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	pc.Publish("chat.room", []byte("plain"))
	pc.Flush()
	for name, r := range map[string]*recorder{"a": ra, "b1": rb1, "b2": rb2} {
		waitFor(t, name+"'s messages", func() bool {
			got := r.messages()
			return inOrder(t, name, got, "a", 100) && inOrder(t, name, got, "b", 100) && slices.Contains(got, "plain")
		})
	}
	time.Sleep(100 * time.Millisecond) // duplicates would come now
	for name, r := range map[string]*recorder{"a": ra, "b1": rb1, "b2": rb2} {
		if n := len(r.messages()); n != 201 {
			t.Fatalf("%s got %d messages, want 201", name, n)
		}
	}
	if st := a.Stats(); st.Published != 100 || st.Sent != 100 || st.Received != 101 || st.Lost != 0 {
		t.Fatalf("a's Stats = %+v", st)
	}
	b.Unsubscribe("chat.room", rb1)
	if got := b.Subjects(); len(got) != 3 {
		t.Fatalf("Subjects after one of two left chat.room = %q", got)
	}
	b.Unsubscribe("chat.room", rb2)
	b.Unsubscribe("chat.*", rb1)
	if got := b.Subjects(); !slices.Equal(got, []string{"chat.>"}) {
		t.Fatalf("Subjects = %q", got)
	}
	b.Unsubscribe("chat.>", rb1)
	if got := b.Subjects(); len(got) != 0 {
		t.Fatalf("Subjects = %q", got)
	}
	waitFor(t, "the NATS unsubscriptions", func() bool { return b.Conn().NumSubscriptions() == 0 && subsAt(t, ns) == 3 })
}

// wsServer is a WebSocket server on bus whose clients subscribe to the
// patterns in their URL's query (/?chat.*&chat.>).
func wsServer(t *testing.T, bus topics.Bus) *ws.Server {
	t.Helper()
	s, err := ws.NewServer(ws.Options{Bus: bus, Logger: quiet, Server: server.Options{LocalHost: "127.0.0.1"},
		Events: ws.Events{OnConnected: func(c *ws.Conn) {
			_, q, _ := strings.Cut(c.RequestURI(), "?")
			for p := range strings.SplitSeq(q, "&") {
				if err := c.Subscribe(p); err != nil {
					t.Error(err)
				}
			}
		}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.StartListening(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// wsClient reads a client's text messages into a recorder.
func wsClient(t *testing.T, url string) *recorder {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(ws.CloseNormal, "") })
	r := &recorder{}
	go func() {
		for {
			_, p, err := c.ReadMessage(context.Background())
			if err != nil {
				return
			}
			r.Deliver(topics.Message{Data: p})
		}
	}()
	return r
}

// Two WebSocket servers on NATS (here the two servers of a NATS cluster):
// every message published on either reaches every subscribed client on
// both once, in its publisher's order.
func TestWebSocketServersShareTopics(t *testing.T) {
	for _, cluster := range []bool{false, true} {
		t.Run(map[bool]string{false: "one", true: "cluster"}[cluster], func(t *testing.T) {
			n1 := startNATS(t, 0, "")
			n2 := n1
			if cluster {
				n1 = startNATS(t, 0, "c")
				n2 = startNATS(t, 0, "c", fmt.Sprintf("nats://127.0.0.1:%d", n1.ClusterAddr().Port))
				waitFor(t, "the route", func() bool { return n1.NumRoutes() > 0 && n2.NumRoutes() > 0 })
			}
			b1 := connect(t, n1.ClientURL(), Options{})
			b2 := connect(t, n2.ClientURL(), Options{})
			s1, s2 := wsServer(t, b1), wsServer(t, b2)
			clients := map[string]*recorder{
				"1a": wsClient(t, s1.URL()+"/?chat.room&chat.*&chat.>"),
				"1b": wsClient(t, s1.URL()+"/?chat.room"),
				"2a": wsClient(t, s2.URL()+"/?chat.>"),
				"2b": wsClient(t, s2.URL()+"/?chat.*&news"),
			}
			waitFor(t, "the subscriptions", func() bool {
				return len(b1.Subjects()) == 3 && len(b2.Subjects()) == 3 && subsAt(t, n1, n2) == 6
			})
			const n = 200
			var wg sync.WaitGroup
			for name, s := range map[string]*ws.Server{"x": s1, "y": s2} {
				wg.Go(func() {
					for i := range n {
						if err := s.Publish("chat.room", ws.DataText, fmt.Appendf(nil, "%s%d", name, i)); err != nil {
							t.Error(err)
						}
					}
				})
			}
			wg.Wait()
			for name, r := range clients {
				waitFor(t, "client "+name+"'s messages", func() bool {
					got := r.messages()
					return inOrder(t, name, got, "x", n) && inOrder(t, name, got, "y", n)
				})
			}
			s1.Publish("news", ws.DataText, []byte("end"))
			waitFor(t, "the end", func() bool { return slices.Contains(clients["2b"].messages(), "end") })
			for name, r := range clients {
				if got := len(r.messages()); got != 2*n+map[bool]int{true: 1}[name == "2b"] {
					t.Fatalf("client %s got %d messages, want %d once each", name, got, 2*n)
				}
			}
		})
	}
}

// subsAt counts the client connections' subscriptions of the NATS servers
// (one of them if they are one).
func subsAt(t *testing.T, servers ...*natsserver.Server) int {
	n := 0
	for i, ns := range servers {
		if i > 0 && ns == servers[0] {
			continue
		}
		cz, err := ns.Connz(&natsserver.ConnzOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cz.Conns {
			n += int(c.NumSubs)
		}
	}
	return n
}

// A NATS restart: local delivery goes on; what is published while the
// connection is down is buffered up to ReconnectBufSize and the rest is
// lost and counted; the subscriptions come back with the connection, and
// nothing published after the reconnect is lost.
func TestNATSRestart(t *testing.T) {
	ns := startNATS(t, 0, "")
	port := ns.Addr().(*net.TCPAddr).Port
	const bufSize = 8 << 10
	pub := connect(t, ns.ClientURL(), Options{ReconnectBufSize: bufSize})
	sub := connect(t, ns.ClientURL(), Options{})
	local, remote := &recorder{}, &recorder{}
	pub.Subscribe("t.>", local)
	sub.Subscribe("t.*", remote)
	waitFor(t, "the NATS subscriptions", func() bool { return subsAt(t, ns) == 2 })
	msg := func(phase string, i int) []byte {
		return fmt.Appendf(nil, "%s%d %s", phase, i, strings.Repeat("x", 100))
	}
	publish := func(phase string, n int) {
		for i := range n {
			if err := pub.Publish(topics.Message{Topic: "t.a", Data: msg(phase, i)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	count := func(r *recorder, phase string) int {
		n := 0
		for _, m := range r.messages() {
			if strings.HasPrefix(m, phase) {
				if m != string(msg(phase, n)) && phase != "2-" {
					t.Fatalf("%q after %d of phase %s", m[:8], n, phase)
				}
				n++
			}
		}
		return n
	}
	publish("1-", 50)
	waitFor(t, "phase 1", func() bool { return count(remote, "1-") == 50 })

	ns.Shutdown()
	ns.WaitForShutdown()
	waitFor(t, "the disconnects", func() bool { return !pub.Conn().IsConnected() && !sub.Conn().IsConnected() })
	const down = 500
	publish("2-", down)
	if got := count(local, "2-"); got != down {
		t.Fatalf("local delivery while NATS is down: %d of %d", got, down)
	}
	waitFor(t, "the publications to be handed to NATS", func() bool {
		st := pub.Stats()
		return st.Sent+st.Lost == 50+down
	})
	st := pub.Stats()
	held := down - int(st.Lost)
	if held <= 0 || held*len(msg("2-", 0)) > bufSize {
		t.Fatalf("%d held while down, %d lost: the bound is %d bytes of %d-byte messages", held, st.Lost, bufSize, len(msg("2-", 0)))
	}
	t.Logf("while NATS was down: %d publications held for the reconnect, %d lost (counted)", held, st.Lost)

	ns2 := startNATS(t, port, "")
	waitFor(t, "the reconnects", func() bool {
		return pub.Stats().Reconnects == 1 && sub.Stats().Reconnects == 1 && pub.Conn().IsConnected() && sub.Conn().IsConnected()
	})
	sub.Conn().Flush()               // the restored subscription has reached the server
	if n := subsAt(t, ns2); n != 2 { // t.> of the publisher's local subscriber, t.* of the other
		t.Fatalf("%d subscriptions after the reconnect, want 2 restored", n)
	}
	publish("3-", 50)
	waitFor(t, "phase 3", func() bool { return count(remote, "3-") == 50 })
	// Of phase 2, the subscriber got in order what the server had for it:
	// at most what was held (what came before its own reconnect is gone).
	got2 := count(remote, "2-")
	if got2 > held {
		t.Fatalf("subscriber got %d of phase 2, more than the %d held", got2, held)
	}
	prev := -1
	for _, m := range remote.messages() {
		var i int
		if _, err := fmt.Sscanf(m, "2-%d", &i); err == nil {
			if i <= prev {
				t.Fatalf("phase 2 out of order: %d after %d", i, prev)
			}
			prev = i
		}
	}
	if got := count(local, "3-"); got != 50 {
		t.Fatalf("local delivery after the reconnect: %d of 50", got)
	}
}
