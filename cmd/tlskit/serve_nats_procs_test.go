package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/tlskit/tlskit/internal/testpeer"
	"github.com/tlskit/tlskit/ws"
)

// runNATSEnv makes the test binary a NATS server on 127.0.0.1 at the port
// it names (the real nats-server, from its module), for the multi-process
// test.
const runNATSEnv = "TLSKIT_TEST_RUN_NATS"

func init() {
	port := os.Getenv(runNATSEnv)
	if port == "" {
		return
	}
	p, _ := strconv.Atoi(port)
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: p, NoLog: true, NoSigs: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "nats:", err)
		os.Exit(1)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		os.Exit(1)
	}
	fmt.Println("nats ready")
	select {}
}

func startNATSProcess(t *testing.T, port int) *testpeer.Proc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := testpeer.Start(t, []string{runNATSEnv + "=" + strconv.Itoa(port)}, exe)
	p.WaitStdout(t, "nats ready")
	return p
}

// chatClient is a WebSocket client of a chat server, keeping what it gets.
type chatClient struct {
	c    *ws.Conn
	name string
	mu   sync.Mutex
	got  []string
}

func dialChat(t *testing.T, url string) *chatClient {
	t.Helper()
	cc := &chatClient{c: dialTopics(t, url)}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, p, err := cc.c.ReadMessage(ctx)
	if err != nil || !strings.HasPrefix(string(p), "you are ") {
		t.Fatalf("first message %q, %v", p, err)
	}
	cc.name = strings.TrimPrefix(string(p), "you are ")
	go func() {
		for {
			_, p, err := cc.c.ReadMessage(context.Background())
			if err != nil {
				return
			}
			cc.mu.Lock()
			cc.got = append(cc.got, string(p))
			cc.mu.Unlock()
		}
	}()
	return cc
}

func (cc *chatClient) send(t *testing.T, msg string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cc.c.WriteMessage(ctx, ws.DataText, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

// from returns the messages from name that begin with prefix, in order.
func (cc *chatClient) from(name, prefix string) []string {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	var out []string
	for _, m := range cc.got {
		if text, ok := strings.CutPrefix(m, name+": "); ok && strings.HasPrefix(text, prefix) {
			out = append(out, text)
		}
	}
	return out
}

func seq(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + strconv.Itoa(i)
	}
	return out
}

// barrier has every client say word until each has heard every other: the
// servers' NATS subscriptions are then in place.
func barrier(t *testing.T, clients []*chatClient, word string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		done := true
		for _, c := range clients {
			for _, o := range clients {
				if len(c.from(o.name, word)) == 0 {
					done = false
				}
			}
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the servers did not all hear %q", word)
		}
		for _, c := range clients {
			c.send(t, word)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Three tlskit serve --mode chat processes on one NATS server process:
// every message reaches every client once, in its sender's order; when
// NATS is killed each server goes on serving its own clients, and after
// its restart nothing is lost.
func TestServeChatProcessesOverNATS(t *testing.T) {
	if testing.Short() {
		t.Skip("runs four processes")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	nats := startNATSProcess(t, port)
	var clients []*chatClient
	for range 3 {
		s := serve(t, "--proto", "ws", "--mode", "chat", "--nats", fmt.Sprintf("nats://127.0.0.1:%d", port))
		clients = append(clients, dialChat(t, s.url))
	}
	check := func(phase string, n int) {
		t.Helper()
		for _, c := range clients {
			for _, o := range clients {
				want := seq(phase, n)
				for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
					got := c.from(o.name, phase)
					if slices.Equal(got, want) {
						break
					}
					if len(got) >= n || time.Now().After(deadline) {
						t.Fatalf("%s got from %s %q, want %q once each in order", c.name, o.name, got, want)
					}
				}
			}
		}
	}
	barrier(t, clients, "ping")
	for k := range 30 {
		for _, c := range clients {
			c.send(t, "a"+strconv.Itoa(k))
		}
	}
	check("a", 30)

	nats.Signal(t, syscall.SIGKILL)
	nats.Wait(t)
	time.Sleep(200 * time.Millisecond) // the servers see their NATS connections end
	for k := range 10 {
		for _, c := range clients {
			c.send(t, "b"+strconv.Itoa(k))
		}
	}
	for _, c := range clients { // each server still serves its own clients
		for deadline := time.Now().Add(10 * time.Second); !slices.Equal(c.from(c.name, "b"), seq("b", 10)); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s got its own %q while NATS was down", c.name, c.from(c.name, "b"))
			}
		}
	}
	startNATSProcess(t, port)
	barrier(t, clients, "pong")
	for k := range 30 {
		for _, c := range clients {
			c.send(t, "c"+strconv.Itoa(k))
		}
	}
	check("c", 30)
	// What others sent while NATS was down came at most once, in order
	// (core NATS loses what reaches a server before the subscriber's own
	// reconnect).
	for _, c := range clients {
		for _, o := range clients {
			prev := -1
			for _, m := range c.from(o.name, "b") {
				i, _ := strconv.Atoi(m[1:])
				if i <= prev {
					t.Fatalf("%s got from %s %q while NATS restarted: out of order or twice", c.name, o.name, c.from(o.name, "b"))
				}
				prev = i
			}
		}
	}
}
