//go:build attack && linux

package attack

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestEmptyContinuations: clients start a message and continue it with
// empty frames for ever. The number of frames of a message must be bounded:
// each must be closed with a clear close code while it is still sending
// (issue 15, defect 8).
func TestEmptyContinuations(t *testing.T) {
	for _, engine := range engines() {
		t.Run("ws/"+engine, func(t *testing.T) {
			r := begin(t, "empty-continuations", "ws", engine, perAddrArgs(1000)...)
			n := size(4, 20)
			r.fig.attackers = n
			// A batch of empty continuation frames, none final.
			var batch []byte
			for range 4096 {
				batch = appendFrame(batch, false, false, opContinuation, nil)
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
				if _, err := upgrade(nc, br, r.s.addr, ""); err != nil {
					t.Fatal(err)
				}
				wg.Go(func() {
					if writeFrame(nc, false, false, opText, nil) != nil {
						return
					}
					for {
						if _, err := nc.Write(batch); err != nil {
							return
						}
					}
				})
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
			r.reclaimed(time.Now(), 2*legitTimeout+5*time.Second, func() int {
				mu.Lock()
				defer mu.Unlock()
				return ended
			})
			for _, c := range conns {
				c.Close()
			}
			wg.Wait()
			r.fig.note = fmt.Sprintf("close codes %v (-1: none)", codes)
			for code, k := range codes {
				// 1008 policy violation, 1009 too big, 1002 protocol error.
				if !slices.Contains([]int{1002, 1008, 1009}, code) {
					t.Errorf("%d attackers got close code %d (-1: none), want 1002, 1008 or 1009", k, code)
				}
			}
			r.finish(64<<20 + int64(n)*256<<10)
		})
	}
}
