//go:build attack && linux

package attack

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// perAddrRE finds the flag of serve's per-address connection limit.
var perAddrRE = regexp.MustCompile(`--(max-[a-z-]*per-[a-z-]+) `)

// perAddrArgs lifts the per-address connection limit, if the binary has
// one, to n: for attacks that test another defence and come from a few
// addresses only.
func perAddrArgs(n int) []string {
	if m := perAddrRE.FindStringSubmatch(help); m != nil {
		return []string{"--" + m[1], fmt.Sprint(n)}
	}
	return nil
}

// TestSlowlorisUpgrade drips the HTTP upgrade request a byte at a time,
// each byte well within the handshake timeout: the server must close every
// such connection once --handshake-timeout has passed since it was
// accepted, however active the client looks (issue 15, defect 2).
func TestSlowlorisUpgrade(t *testing.T) {
	for _, c := range combos("ws", "wss") {
		t.Run(c.String(), func(t *testing.T) {
			proto, engine := c.proto, c.engine
			// A header long enough that the request never ends during the test.
			req := upgradeRequest("127.0.0.1", newKey(), "X-Pad: "+strings.Repeat("a", 4000)+"\r\n")
			slowloris(t, "slowloris-upgrade", proto, engine, []byte(req), proto == "wss")
		})
	}
}

// TestSlowlorisClientHello drips a TLS ClientHello a byte at a time: the
// TLS handshake must end after --handshake-timeout in all, not only after
// that long without a byte (issue 15, defect 2).
func TestSlowlorisClientHello(t *testing.T) {
	for _, c := range combos("tls", "wss") {
		t.Run(c.String(), func(t *testing.T) {
			proto, engine := c.proto, c.engine
			slowloris(t, "slowloris-clienthello", proto, engine, clientHello(), false)
		})
	}
}

// TestSlowlorisTLSThenUpgrade takes five eighths of --handshake-timeout
// over the TLS handshake (its first bytes dripped), then drips the
// upgrade: the opening handshake's deadline counts from the accept, so
// each connection must end once the timeout has passed since then, not
// after a fresh timeout for the upgrade (issue 15, defect 2).
func TestSlowlorisTLSThenUpgrade(t *testing.T) {
	for _, engine := range engines() {
		t.Run("wss/"+engine, func(t *testing.T) {
			timeout := 6 * time.Second
			n := size(20, 200)
			args := append([]string{"--handshake-timeout", timeout.String(), "--max-conns", fmt.Sprint(2*n + 100)}, perAddrArgs(n)...)
			r := begin(t, "slowloris-tls-then-upgrade", "wss", engine, args...)
			r.fig.attackers = n
			req := []byte(upgradeRequest("127.0.0.1", newKey(), "X-Pad: "+strings.Repeat("a", 4000)+"\r\n"))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var (
				wg       sync.WaitGroup
				mu       sync.Mutex
				lifetime []time.Duration
				conns    []net.Conn
				tlsDone  atomic.Int64
			)
			for i := range n {
				dctx, dcancel := context.WithTimeout(ctx, legitTimeout)
				tc, err := dialAttacker(dctx, r.s, i, 0)
				dcancel()
				if err != nil {
					t.Fatalf("attacker %d: %v", i, err)
				}
				conns = append(conns, tc)
				accepted := time.Now()
				wg.Go(func() {
					// The ClientHello's first 5 bytes an eighth of the timeout
					// apart, then the rest of the handshake at full speed.
					c := tls.Client(&slowStart{Conn: tc, bytes: 5, every: timeout / 8}, clientTLS())
					if c.HandshakeContext(ctx) == nil {
						tlsDone.Add(1)
						wg.Go(func() { drip(ctx, c, req, timeout/4) })
						_, _ = io.Copy(io.Discard, c)
					}
					mu.Lock()
					lifetime = append(lifetime, time.Since(accepted))
					mu.Unlock()
				})
			}
			launch := time.Now()
			r.reclaimed(launch, 2*timeout+5*time.Second, func() int {
				mu.Lock()
				defer mu.Unlock()
				return len(lifetime)
			})
			cancel()
			for _, c := range conns {
				c.Close()
			}
			wg.Wait()
			if k := tlsDone.Load(); k != int64(n) {
				t.Errorf("only %d of %d attackers got through TLS to the upgrade", k, n)
			}
			slices.Sort(lifetime)
			longest := lifetime[len(lifetime)-1]
			r.fig.note = fmt.Sprintf("each closed after %.1f-%.1fs (handshake timeout %v)", lifetime[0].Seconds(), longest.Seconds(), timeout)
			// A fresh timeout for the upgrade would end them at 1.625 times
			// the timeout: the bound lies halfway.
			if bound := timeout * 21 / 16; r.fig.left == 0 && longest > bound {
				t.Errorf("a connection lived %v, more than %v: the upgrade had a deadline of its own after TLS", longest, bound)
			}
			r.finish(64<<20 + int64(n)*256<<10)
		})
	}
}

// slowStart is a connection whose first writes send their first bytes
// one at a time, every apart.
type slowStart struct {
	net.Conn
	bytes int
	every time.Duration
}

func (c *slowStart) Write(p []byte) (int, error) {
	sent := 0
	for c.bytes > 0 && sent < len(p) {
		if _, err := c.Conn.Write(p[sent : sent+1]); err != nil {
			return sent, err
		}
		sent++
		c.bytes--
		time.Sleep(c.every)
	}
	n, err := c.Conn.Write(p[sent:])
	return sent + n, err
}

// slowloris runs the dripping attack: payload is sent one byte at a time
// (after a TLS handshake done at full speed when tlsFirst) by many
// connections at once.
func slowloris(t *testing.T, attack, proto, engine string, payload []byte, tlsFirst bool) {
	timeout := size(2*time.Second, 5*time.Second)
	n := size(40, 500)
	// A byte every quarter of the timeout: never idle long enough for an
	// inactivity timeout, always too slow to finish the handshake.
	every := timeout / 4
	args := append([]string{"--handshake-timeout", timeout.String(), "--max-conns", fmt.Sprint(2*n + 100)}, perAddrArgs(n)...)
	r := begin(t, attack, proto, engine, args...)
	r.fig.attackers = n

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		lifetime []time.Duration // until the server closed each, as its attacker saw it
		conns    []net.Conn
	)
	for i := range n {
		dctx, dcancel := context.WithTimeout(ctx, legitTimeout)
		tc, err := dialAttacker(dctx, r.s, i, 0)
		var c net.Conn = tc
		if err == nil && tlsFirst {
			c, err = secureConn(dctx, r.s, tc)
		}
		dcancel()
		if err != nil {
			t.Fatalf("attacker %d: %v", i, err)
		}
		conns = append(conns, c)
		accepted := time.Now()
		wg.Go(func() { // the server's answer, if any, then its close
			_, _ = io.Copy(io.Discard, c)
			mu.Lock()
			lifetime = append(lifetime, time.Since(accepted))
			mu.Unlock()
		})
		wg.Go(func() { drip(ctx, c, payload, every) })
	}
	launch := time.Now()
	// Each connection is due to end timeout after it was accepted, which
	// was before launch: twice that and a few seconds is a generous bound.
	r.reclaimed(launch, 2*timeout+5*time.Second, func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(lifetime)
	})
	cancel()
	for _, c := range conns {
		c.Close()
	}
	wg.Wait()
	if r.fig.left == 0 {
		slices.Sort(lifetime)
		r.fig.note = fmt.Sprintf("each closed after %.1f-%.1fs (median %.1fs; handshake timeout %v)",
			lifetime[0].Seconds(), lifetime[len(lifetime)-1].Seconds(), lifetime[len(lifetime)/2].Seconds(), timeout)
	}
	r.finish(64<<20 + int64(n)*256<<10)
}

// drip writes p one byte every interval until it is all sent, a write
// fails or ctx ends.
func drip(ctx context.Context, c net.Conn, p []byte, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for i := range p {
		if _, err := c.Write(p[i : i+1]); err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
