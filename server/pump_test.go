package server

import (
	"bufio"
	"context"
	"fmt"
	"testing"
	"time"
)

func TestDoEventsDeliversOnCallerGoroutine(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		var got []string
		pumping := false
		record := func(e string) {
			if !pumping {
				t.Errorf("event %s delivered outside DoEvents", e)
			}
			got = append(got, e)
		}
		s := start(t, engine, Options{ManualEvents: true, DefaultEOL: []byte("\n"), Events: Events{
			OnConnected:    func(c *Conn) { record("connected") },
			OnDataIn:       func(c *Conn, text []byte, eol bool) { record("data " + string(text)); c.SendLine(string(text)) },
			OnDisconnected: func(c *Conn, _ error) { record("disconnected") },
		}})
		c := dial(t, s)
		fmt.Fprintf(c, "a\nb\n")
		r := bufio.NewReader(c)
		replies := make(chan string, 2)
		go func() {
			for range 2 {
				line, _ := r.ReadString('\n')
				replies <- line
			}
			c.Close()
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for len(got) < 4 {
			pumping = true
			err := s.DoEvents(ctx)
			pumping = false
			if err != nil {
				t.Fatalf("DoEvents: %v after %q", err, got)
			}
		}
		if fmt.Sprint(got) != "[connected data a data b disconnected]" {
			t.Fatalf("events %q", got)
		}
		if <-replies != "a\n" || <-replies != "b\n" {
			t.Fatal("replies")
		}
		short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel2()
		if err := s.DoEvents(short); err != context.DeadlineExceeded {
			t.Fatalf("DoEvents with nothing queued = %v", err)
		}
	})
}
