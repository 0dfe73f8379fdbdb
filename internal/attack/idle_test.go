//go:build attack && linux

package attack

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

// TestIdleClose: WebSockets that upgrade and then say nothing, holding
// their slots. With --idle-timeout each must be closed once that long has
// passed, with a Close frame (1001, going away) rather than a bare TCP
// close that clients see as 1006 (issue 15, defects 4 and 10).
func TestIdleClose(t *testing.T) {
	for _, engine := range engines() {
		t.Run("ws/"+engine, func(t *testing.T) {
			idle := size(2*time.Second, 5*time.Second)
			r := begin(t, "idle-close", "ws", engine, append([]string{"--idle-timeout", idle.String()}, perAddrArgs(1000)...)...)
			n := size(20, 200)
			r.fig.attackers = n
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
				if _, err := upgrade(nc, br, r.s.addr, ""); err != nil {
					t.Fatal(err)
				}
				wg.Go(func() {
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
			r.reclaimed(time.Now(), 2*idle+10*time.Second, func() int {
				mu.Lock()
				defer mu.Unlock()
				return ended
			})
			for _, c := range conns {
				c.Close()
			}
			wg.Wait()
			r.fig.note = fmt.Sprintf("close codes %v (-1: none)", codes)
			if codes[1001] != n {
				t.Errorf("close codes %v (-1: none), want 1001 for all %d", codes, n)
			}
			r.finish(64<<20 + int64(n)*256<<10)
		})
	}
}
