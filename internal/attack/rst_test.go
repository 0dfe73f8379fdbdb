//go:build attack && linux

package attack

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRSTChaos: many connections, a few at a time, each reset (RST) at a
// random point of its life: during the TLS handshake, the upgrade, a
// frame, with an echo pending, during the close. The server must drop
// each, leaking no fd nor goroutine, and serve the others throughout.
func TestRSTChaos(t *testing.T) {
	for _, c := range combos("wss", "ws") {
		t.Run(c.String(), func(t *testing.T) {
			proto, engine := c.proto, c.engine
			r := begin(t, "rst-chaos", proto, engine, perAddrArgs(1000)...)
			n, parallel := size(300, 5000), size(20, 200)
			r.fig.attackers = n
			seed := rand.Uint64()
			r.fig.note = fmt.Sprintf("seed %d", seed)
			var (
				next     atomic.Int64
				wg       sync.WaitGroup
				stages   [chaosStages]atomic.Int64
				failures atomic.Int64
			)
			for w := range parallel {
				rng := rand.New(rand.NewPCG(seed, uint64(w)))
				wg.Go(func() {
					for i := int(next.Add(1)); i <= n; i = int(next.Add(1)) {
						stage := rng.IntN(chaosStages)
						if err := chaos(r.s, i, stage, rng); err != nil {
							if failures.Add(1) == 1 {
								t.Errorf("connection %d, stage %d: %v", i, stage, err)
							}
						}
						stages[stage].Add(1)
					}
				})
			}
			wg.Wait()
			if f := failures.Load(); f > 0 {
				t.Errorf("%d of %d attackers could not reach their stage", f, n)
			}
			r.reclaimed(time.Now(), 30*time.Second, nil)
			var per []int64
			for i := range stages {
				per = append(per, stages[i].Load())
			}
			r.fig.note += fmt.Sprintf(", per stage %v", per)
			r.finish(128 << 20)
		})
	}
}

// The points of a connection's life at which chaos resets it.
const (
	stageConnected = iota
	stageMidClientHello
	stageMidRequest
	stageUpgraded
	stageMidFrame
	stageEchoPending
	stageClosing
	chaosStages
)

// chaos takes attacker i's connection to stage, then resets it. It fails
// only when the server would not let a correct client get that far.
func chaos(s *server, i, stage int, rng *rand.Rand) error {
	ctx, cancel := context.WithTimeout(context.Background(), legitTimeout)
	defer cancel()
	nc, err := dialAttacker(ctx, s, i, 4096)
	if err != nil {
		return err
	}
	defer func() {
		_ = nc.SetLinger(0) // close sends RST
		nc.Close()
	}()
	_ = nc.SetDeadline(time.Now().Add(legitTimeout))
	if stage == stageConnected {
		return nil
	}
	if stage == stageMidClientHello {
		if s.secure() {
			hello := clientHello()
			_, err = nc.Write(hello[:1+rng.IntN(len(hello)-1)])
		}
		return err
	}
	rw, err := secureConn(ctx, s, nc)
	if err != nil {
		return err
	}
	if stage == stageMidRequest {
		req := upgradeRequest(s.addr, newKey(), "")
		_, err = io.WriteString(rw, req[:1+rng.IntN(len(req)-1)])
		return err
	}
	br := bufio.NewReader(rw)
	if _, err := upgrade(rw, br, s.addr, ""); err != nil {
		return err
	}
	switch stage {
	case stageMidFrame:
		f := appendFrame(nil, true, false, opBinary, bytes.Repeat([]byte("z"), 1000))
		_, err = rw.Write(f[:1+rng.IntN(len(f)-1)])
	case stageEchoPending:
		// More than the socket buffers take: the echo is still queued.
		_, err = rw.Write(appendFrame(nil, true, false, opBinary, bytes.Repeat([]byte("e"), 1<<20)))
	case stageClosing:
		err = writeFrame(rw, true, false, opClose, []byte{0x03, 0xe8})
	}
	return err
}
