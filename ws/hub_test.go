package ws

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlskit/tlskit/internal/testpeer"
	"github.com/tlskit/tlskit/internal/wsproto"
)

func TestBroadcastEncodesOnce(t *testing.T) {
	t.Parallel()
	conns := make(chan *Conn, 3)
	s := startServer(t, Options{Events: Events{OnConnected: func(c *Conn) { conns <- c }}})
	plain := dialRaw(t, s.Addr().String())
	plain.upgrade()
	z1 := dialRaw(t, s.Addr().String())
	z1.upgrade("Sec-WebSocket-Extensions: permessage-deflate")
	z2 := dialRaw(t, s.Addr().String())
	z2.upgrade("Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover")
	for range 3 {
		<-conns
	}
	msg := bytes.Repeat([]byte("broadcast "), 200)
	n, err := s.Broadcast(DataText, msg)
	if err != nil || n != 3 {
		t.Fatalf("Broadcast = %d, %v", n, err)
	}
	fp, _ := plain.next()
	f1, _ := z1.next()
	f2, _ := z2.next()
	if fp.Header.RSV1 || !bytes.Equal(fp.Payload, msg) {
		t.Fatal("plain connection got a wrong frame")
	}
	if !f1.Header.RSV1 || !bytes.Equal(f1.Payload, f2.Payload) {
		t.Fatal("deflate connections did not get the same compressed frame")
	}
	out, err := wsproto.NewDecompressor(false, 15).Decompress(nil, f1.Payload, -1)
	if err != nil || !bytes.Equal(out, msg) {
		t.Fatalf("inflate: %v", err)
	}
	// The connection's own compressor must still work after a broadcast.
	c, _ := s.Conn(2)
	if _, err := c.SendText(string(msg)); err != nil {
		t.Fatal(err)
	}
	f, _ := z1.next()
	if out, err := wsproto.NewDecompressor(false, 15).Decompress(nil, f.Payload, -1); err != nil || !bytes.Equal(out, msg) {
		t.Fatalf("after broadcast: %v", err)
	}
	if s.ConnectionCount() != 3 {
		t.Fatalf("ConnectionCount %d", s.ConnectionCount())
	}
	ids := []int64{}
	for c := range s.Connections() {
		ids = append(ids, c.ConnectionID())
	}
	if len(ids) != 3 || ids[0] != 1 || ids[2] != 3 {
		t.Fatalf("Connections ids %v", ids)
	}
}

func TestServerShutdownClosesWithGoingAway(t *testing.T) {
	t.Parallel()
	s := startServer(t, Options{})
	c := dialT(t, s.URL(), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	<-c.Done()
	if st := c.CloseStatus(); st.Code != CloseGoingAway {
		t.Fatalf("client saw %v", st)
	}
}

func TestLogLevels(t *testing.T) {
	t.Parallel()
	type entry struct {
		level LogLevel
		typ   string
	}
	for _, level := range []LogLevel{LogInfo, LogVerbose, LogDebug} {
		t.Run(level.String(), func(t *testing.T) {
			t.Parallel()
			logs := make(chan entry, 100)
			s := startServer(t, Options{Conn: ConnOptions{LogLevel: level}, Events: Events{
				OnLog: func(c *Conn, l LogLevel, msg, typ string) { logs <- entry{l, typ} },
				OnDataIn: func(c *Conn, f DataFormat, data []byte, eom, eol bool) {
					_, _ = c.SendMessage(SendFormatOf(f), data)
				},
			}})
			c := dialT(t, s.URL(), nil)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = c.WriteMessage(ctx, DataText, []byte("x"))
			_, _, _ = c.ReadMessage(ctx)
			highest := LogNone
			deadline := time.After(500 * time.Millisecond)
		loop:
			for {
				select {
				case e := <-logs:
					if e.level > level || e.typ != e.level.String() {
						t.Fatalf("entry %+v at level %v", e, level)
					}
					highest = max(highest, e.level)
				case <-deadline:
					break loop
				}
			}
			if highest != level {
				t.Fatalf("highest level logged %v, want %v", highest, level)
			}
		})
	}
}

func TestLogLevelZeroSilences(t *testing.T) {
	t.Parallel()
	logs := make(chan string, 100)
	s := startServer(t, Options{Events: Events{OnLog: func(c *Conn, l LogLevel, msg, typ string) { logs <- msg }}})
	if _, err := s.Config("LogLevel=0"); err != nil {
		t.Fatal(err)
	}
	c := dialT(t, s.URL(), nil)
	_ = c.Disconnect()
	<-c.Done()
	time.Sleep(50 * time.Millisecond)
	if len(logs) != 0 {
		t.Fatalf("logged %q with LogLevel=0", <-logs)
	}
}

// TestBroadcastOrder: broadcasts from several goroutines at once reach
// every connection in the same order (a chat's "2 joined" cannot come
// after the answer of a peer that saw it).
func TestBroadcastOrder(t *testing.T) {
	t.Parallel()
	const clients, senders, each = 4, 8, 100
	conns := make(chan *Conn, clients)
	s := startServer(t, Options{Events: Events{OnConnected: func(c *Conn) { conns <- c }}})
	raws := make([]*rawClient, clients)
	for i := range raws {
		raws[i] = dialRaw(t, s.Addr().String())
		raws[i].upgrade()
		<-conns
	}
	got := make([][]string, clients)
	var wg sync.WaitGroup
	for i, r := range raws {
		wg.Go(func() {
			for range senders * each {
				f, ok := r.next()
				if !ok {
					return
				}
				got[i] = append(got[i], string(f.Payload))
			}
		})
	}
	var send sync.WaitGroup
	for g := range senders {
		send.Go(func() {
			for k := range each {
				if n, err := s.Broadcast(DataText, fmt.Appendf(nil, "%d-%d", g, k)); err != nil || n != clients {
					t.Errorf("Broadcast: %d, %v", n, err)
					return
				}
			}
		})
	}
	send.Wait()
	wg.Wait()
	for i := range got {
		if len(got[i]) != senders*each {
			t.Fatalf("client %d got %d messages, want %d", i, len(got[i]), senders*each)
		}
		if !slices.Equal(got[i], got[0]) {
			for k := range got[i] {
				if got[i][k] != got[0][k] {
					t.Fatalf("client %d's message %d is %q, client 0's %q: broadcasts interleaved", i, k, got[i][k], got[0][k])
				}
			}
		}
	}
}

// TestLogger: without OnLog the Log events go to Options.Logger at slog's
// levels, up to Conn.LogLevel; with OnLog they go there instead.
func TestLogger(t *testing.T) {
	t.Parallel()
	h := &testpeer.SlogRecorder{}
	s := startServer(t, Options{Conn: ConnOptions{LogLevel: LogDebug}, Logger: slog.New(h),
		Events: echoEvents()})
	c := dialT(t, s.URL(), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WriteMessage(ctx, DataText, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ReadMessage(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, want := range []string{"INFO WebSocket open: / ", "DEBUG GET / HTTP/1.1", "DEBUG-4 received text data, 1 bytes", "id=1 type=Debug",
		"DEBUG connected id=1 remote=127.0.0.1:"} { // the last from the TCP layer, which gets the Logger too
		for !strings.Contains(h.Text(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("no record with %q:\n%s", want, h.Text())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	// A client's Logger.
	ch := &testpeer.SlogRecorder{}
	cc, err := Dial(ctx, s.URL(), &DialOptions{Logger: slog.New(ch)})
	if err != nil {
		t.Fatal(err)
	}
	if !ch.Has("INFO connected to ws://", "type=Info") {
		t.Fatalf("no client record:\n%s", ch.Text())
	}
	cc.Disconnect()

	// OnLog set: the Logger gets none of the ws layer's records.
	quiet := &testpeer.SlogRecorder{}
	got := make(chan string, 10)
	s2 := startServer(t, Options{Logger: slog.New(quiet), Events: Events{OnLog: func(_ *Conn, _ LogLevel, msg, _ string) { got <- msg }}})
	c2 := dialT(t, s2.URL(), nil)
	defer c2.Disconnect()
	<-got
	if strings.Contains(quiet.Text(), "WebSocket open") {
		t.Fatalf("the Logger got the ws records although OnLog is set:\n%s", quiet.Text())
	}
}
