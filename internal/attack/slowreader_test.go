//go:build attack && linux

package attack

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"testing"
	"time"
)

// cliSendTimeout is how long serve lets a client not read before it
// disconnects it, when it has no --send-timeout to shorten it.
const cliSendTimeout = 30 * time.Second

// sendTimeout is the send timeout the attacks run with, and the flags
// that set it.
func sendTimeout() (time.Duration, []string) {
	if !hasFlag("send-timeout") {
		return cliSendTimeout, nil
	}
	d := size(2*time.Second, 5*time.Second)
	return d, []string{"--send-timeout", d.String()}
}

// slowReader is an attacker that connects (and upgrades) and never reads.
// It writes payload whole, then, if repeat, over and over until a write
// has been blocked for a second. It reports on blocked once it stopped
// writing, or on ended if the server closed the connection first.
func slowReader(s *server, i int, payload []byte, repeat bool, blocked, ended chan<- net.Conn, fail chan<- error) {
	ctx, cancel := context.WithTimeout(context.Background(), legitTimeout)
	defer cancel()
	nc, err := dialAttacker(ctx, s, i, 4096)
	if err != nil {
		fail <- err
		return
	}
	_ = nc.SetDeadline(time.Now().Add(legitTimeout))
	rw, err := secureConn(ctx, s, nc)
	if err == nil && s.websocket() {
		_, err = upgrade(rw, bufio.NewReader(rw), s.addr, "")
	}
	if err != nil {
		nc.Close()
		fail <- fmt.Errorf("attacker %d: %w", i, err)
		return
	}
	// The first payload must get through: a server that reads it is one
	// that has something to send back.
	_ = nc.SetWriteDeadline(time.Now().Add(6 * legitTimeout))
	if _, err := rw.Write(payload); err != nil {
		if !isClosed(err) {
			err = fmt.Errorf("attacker %d could not send its payload: %w", i, err)
			fail <- err
			return
		}
		ended <- nc
		return
	}
	for repeat {
		_ = nc.SetWriteDeadline(time.Now().Add(time.Second))
		if _, err := rw.Write(payload); err != nil {
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				ended <- nc
				return
			}
			break
		}
	}
	blocked <- nc
}

// TestSlowReadersSmall: many clients send small messages and never read
// the echoes. Each must be disconnected once its sends have waited the
// send timeout, in every mode (issue 15, defect 3).
func TestSlowReadersSmall(t *testing.T) {
	for _, c := range combos("ws", "tls") {
		t.Run(c.String(), func(t *testing.T) {
			proto, engine := c.proto, c.engine
			timeout, args := sendTimeout()
			r := begin(t, "slow-readers-small", proto, engine, append(args, perAddrArgs(1000)...)...)
			n := size(20, 200)
			r.fig.attackers = n
			payload := bytes.Repeat([]byte("x"), 4<<10)
			if proto == "ws" {
				payload = appendFrame(nil, true, false, opBinary, payload)
			}
			conns := slowReaders(t, r, n, payload, true)
			// The server's sends blocked before the attackers' did.
			r.reclaimed(time.Now(), 2*timeout+10*time.Second, nil)
			for _, c := range conns {
				c.Close()
			}
			r.finish(64<<20 + int64(n)*1<<20)
		})
	}
}

// TestSlowReaderLarge: clients send one large message each and never read
// its echo. The echo must not be queued whole beyond the send queue, and
// the client must be disconnected once the send has waited the send
// timeout (issue 15, defect 3).
func TestSlowReaderLarge(t *testing.T) {
	for _, engine := range engines() {
		t.Run("ws/"+engine, func(t *testing.T) {
			timeout, args := sendTimeout()
			r := begin(t, "slow-reader-large", "ws", engine, append(args, perAddrArgs(1000)...)...)
			n := size(2, 20)
			const msgSize = 10 << 20
			r.fig.attackers = n
			// One message in frames of 1 MiB.
			var payload []byte
			chunk := bytes.Repeat([]byte("y"), 1<<20)
			for i := range msgSize / len(chunk) {
				op := byte(opContinuation)
				if i == 0 {
					op = opBinary
				}
				payload = appendFrame(payload, i == msgSize/len(chunk)-1, false, op, chunk)
			}
			conns := slowReaders(t, r, n, payload, false)
			r.reclaimed(time.Now(), 2*timeout+10*time.Second, nil)
			for _, c := range conns {
				c.Close()
			}
			// What a server needs per connection: the message it received and
			// a send queue, not a pending copy of the echo. Three times over:
			// the message is built by appending (up to twice its size as it
			// grows), and the garbage collector lets the heap grow past
			// what is live before it collects. A pending copy of each echo
			// (75b4fc6) takes the portable engine past it.
			r.finish(64<<20 + int64(n)*(3*(msgSize+64<<10)+1<<20))
		})
	}
}

// slowReaders starts n slow readers of payload (repeated if repeat) and
// returns their connections once each has stopped writing.
func slowReaders(t *testing.T, r *attackRun, n int, payload []byte, repeat bool) []net.Conn {
	t.Helper()
	blocked, ended := make(chan net.Conn, n), make(chan net.Conn, n)
	fail := make(chan error, n)
	for i := range n {
		go slowReader(r.s, i, payload, repeat, blocked, ended, fail)
	}
	var conns []net.Conn
	early := 0
	timer := time.NewTimer(120 * time.Second)
	defer timer.Stop()
	for range n {
		select {
		case c := <-blocked:
			conns = append(conns, c)
		case c := <-ended:
			early++
			conns = append(conns, c)
		case err := <-fail:
			t.Fatal(err)
		case <-timer.C:
			t.Fatalf("the attackers' writes did not block within 120 s")
		}
	}
	if early > 0 {
		r.fig.note = fmt.Sprintf("%d reset while still writing", early)
	}
	return conns
}

// TestSlowSubscriber: in broadcast mode one subscriber never reads. The
// others must be served at once: each of a sender's messages comes back
// to it within the legitimate client's bound, far less than the send
// timeout, and the slow subscriber is cut off (issue 15, defect 9).
func TestSlowSubscriber(t *testing.T) {
	for _, engine := range engines() {
		t.Run("ws/"+engine, func(t *testing.T) {
			// The CLI's send timeout: the sender must not wait for it.
			r := begin(t, "slow-subscriber", "ws", engine, "--mode", "broadcast")
			r.fig.attackers = 1
			ctx, cancel := context.WithTimeout(context.Background(), legitTimeout)
			defer cancel()
			slow, err := dialAttacker(ctx, r.s, 0, 4096)
			if err != nil {
				t.Fatal(err)
			}
			defer slow.Close()
			if _, err := upgrade(slow, bufio.NewReader(slow), r.s.addr, ""); err != nil {
				t.Fatal(err)
			}
			var d net.Dialer
			sender, err := d.DialContext(ctx, "tcp", r.s.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer sender.Close()
			br := bufio.NewReader(sender)
			if _, err := upgrade(sender, br, r.s.addr, ""); err != nil {
				t.Fatal(err)
			}
			n := size(256, 1024)
			const msgSize = 16 << 10
			// The sender keeps a few messages in flight, well within its own
			// backlog: it is a client that reads what it is sent.
			const window = 4
			var (
				mu       sync.Mutex
				sent     = make([]time.Time, n)
				latency  time.Duration
				got      int
				inFlight = make(chan struct{}, window)
			)
			done := make(chan error, 1)
			go func() { // the sender's own messages, as they come back
				for got < n {
					_, op, p, err := readFrame(br, 1<<20)
					if err != nil {
						done <- fmt.Errorf("after %d of %d messages: %w", got, n, err)
						return
					}
					if op != opBinary || len(p) != msgSize {
						continue // the legitimate client's
					}
					i := int(binary.BigEndian.Uint32(p))
					mu.Lock()
					latency = max(latency, time.Since(sent[i]))
					got++
					mu.Unlock()
					<-inFlight
				}
				done <- nil
			}()
			msg := make([]byte, msgSize)
			ended := false // the reader
		send:
			for i := range n {
				select {
				case inFlight <- struct{}{}:
				case err := <-done:
					t.Errorf("after %d of %d messages: %v", i, n, err)
					ended = true
					break send
				case <-time.After(4 * cliSendTimeout):
					t.Errorf("message %d did not come back in %v", i-window, 4*cliSendTimeout)
					break send
				}
				binary.BigEndian.PutUint32(msg, uint32(i))
				mu.Lock()
				sent[i] = time.Now()
				mu.Unlock()
				_ = sender.SetWriteDeadline(time.Now().Add(2 * cliSendTimeout))
				if err := writeFrame(sender, true, false, opBinary, msg); err != nil {
					t.Fatalf("sending message %d: %v", i, err)
				}
			}
			if !ended {
				select {
				case err := <-done:
					if err != nil {
						t.Error(err)
					}
				case <-time.After(4 * cliSendTimeout):
					mu.Lock()
					t.Errorf("the sender got %d of its %d messages back", got, n)
					mu.Unlock()
				}
			}
			mu.Lock()
			r.fig.note = fmt.Sprintf("sender's slowest message back in %.1fs", latency.Seconds())
			if latency > legitTimeout {
				t.Errorf("a message took %v to come back to its sender (bound %v): the slow subscriber delayed it", latency, legitTimeout)
			}
			mu.Unlock()
			r.reclaimed(time.Now(), cliSendTimeout+10*time.Second, nil)
			slow.Close()
			sender.Close()
			r.finish(64<<20 + int64(n)*msgSize*2)
		})
	}
}
