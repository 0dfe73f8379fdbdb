//go:build attack && linux

package attack

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// maxMessageRE finds serve's flag for the largest message.
var maxMessageRE = regexp.MustCompile(`--(max-message[a-z-]*) `)

// messageLimit is the largest message the attacks run with, and the flags
// that set it: the library's default (32 MiB) when serve has no flag, as
// for the full sizes, which so compare with older builds.
func messageLimit() (int64, []string) {
	m := maxMessageRE.FindStringSubmatch(help)
	if m == nil || !testing.Short() {
		return 32 << 20, nil
	}
	const limit = 1 << 20
	return limit, []string{"--" + m[1], fmt.Sprint(limit)}
}

// deflateBomb is a permessage-deflate message body (RFC 7692: the
// trailing 00 00 ff ff removed) that inflates to n zero bytes.
func deflateBomb(n int64) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	zeros := make([]byte, 1<<20)
	for ; n > 0; n -= int64(len(zeros)) {
		_, _ = w.Write(zeros[:min(n, int64(len(zeros)))])
	}
	_ = w.Flush()
	return bytes.TrimSuffix(b.Bytes(), []byte{0, 0, 0xff, 0xff})
}

// TestDeflateBomb: clients send compressed messages that inflate far past
// the message limit. Each must be closed with 1009 (message too big), and
// the server must inflate no more than the limit for it: its memory stays
// within twice the limit per attacker (issue 15, defect 5).
func TestDeflateBomb(t *testing.T) {
	for _, engine := range engines() {
		t.Run("ws/"+engine, func(t *testing.T) {
			limit, args := messageLimit()
			r := begin(t, "deflate-bomb", "ws", engine, append(args, perAddrArgs(1000)...)...)
			n := size(4, 50)
			r.fig.attackers = n
			inflated := max(8*limit, 256<<20)
			bomb := deflateBomb(inflated)
			// In frames of 64 KiB, RSV1 on the first.
			var msg []byte
			for i := 0; i < len(bomb); i += 64 << 10 {
				end := min(len(bomb), i+64<<10)
				op := byte(opContinuation)
				if i == 0 {
					op = opBinary
				}
				msg = appendFrame(msg, end == len(bomb), i == 0, op, bomb[i:end])
			}
			var (
				wg    sync.WaitGroup
				mu    sync.Mutex
				codes = map[int]int{}
				ended int
				conns []net.Conn
			)
			for i := range n {
				ctx, cancel := context.WithTimeout(context.Background(), legitTimeout)
				nc, err := dialAttacker(ctx, r.s, i, 0)
				cancel()
				if err != nil {
					t.Fatal(err)
				}
				conns = append(conns, nc)
				br := bufio.NewReader(nc)
				resp, err := upgrade(nc, br, r.s.addr, "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; server_no_context_takeover\r\n")
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(resp.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate") {
					t.Fatalf("the server did not accept permessage-deflate: %q", resp.Header.Get("Sec-WebSocket-Extensions"))
				}
				wg.Go(func() { _, _ = nc.Write(msg) })
				wg.Go(func() {
					_ = nc.SetReadDeadline(time.Now().Add(2 * legitTimeout))
					code, _, err := readClose(br)
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						code = -1
					}
					codes[code]++
					ended++
				})
			}
			launch := time.Now()
			r.reclaimed(launch, 2*legitTimeout+5*time.Second, func() int {
				mu.Lock()
				defer mu.Unlock()
				return ended
			})
			for _, c := range conns {
				c.Close()
			}
			wg.Wait()
			if codes[1009] != n {
				t.Errorf("close codes %v (-1: none), want 1009 for all %d", codes, n)
			}
			r.fig.note = fmt.Sprintf("limit %s, %s compressed -> %s; close codes %v",
				mib(limit), mib(int64(len(bomb))), mib(inflated), codes)
			r.finish(64<<20 + int64(n)*2*(limit+1<<20))
		})
	}
}
