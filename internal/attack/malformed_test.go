//go:build attack && linux

package attack

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMalformedUpgrades sends requests no correct client sends, each on
// its own connection: each must get its 4xx (or 505) answer and a closed
// connection, and the server must live on and serve (issue 15, defects 1
// and 6).
func TestMalformedUpgrades(t *testing.T) {
	key := newKey()
	valid := upgradeRequest("127.0.0.1", key, "")
	withKey := func(k string) string { return strings.Replace(valid, key, k, 1) }
	var many strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&many, "X-%d: v\r\n", i)
	}
	cases := []struct {
		name string
		req  string
		want []int // any of these statuses
	}{
		{"key-28-chars", withKey(strings.Repeat("A", 26) + "=="), []int{400}},
		{"key-100-chars", withKey(strings.Repeat("A", 100)), []int{400}},
		{"key-short", withKey("abc"), []int{400}},
		{"key-not-base64", withKey("!!!!!!!!!!!!!!!!!!!!!!=="), []int{400}},
		{"no-key", strings.Replace(valid, "Sec-WebSocket-Key: "+key+"\r\n", "", 1), []int{400}},
		{"two-keys", upgradeRequest("127.0.0.1", key, "Sec-WebSocket-Key: "+newKey()+"\r\n"), []int{400}},
		{"version-8", strings.Replace(valid, "Version: 13", "Version: 8", 1), []int{426}},
		{"post", strings.Replace(valid, "GET", "POST", 1), []int{400, 405}},
		{"http-1.0", strings.Replace(valid, "HTTP/1.1", "HTTP/1.0", 1), []int{400}},
		{"http-9.9", strings.Replace(valid, "HTTP/1.1", "HTTP/9.9", 1), []int{400, 505}},
		{"no-connection-header", strings.Replace(valid, "Connection: Upgrade\r\n", "", 1), []int{400, 426}},
		{"nul-in-header", upgradeRequest("127.0.0.1", key, "X-A: a\x00b\r\n"), []int{400}},
		{"control-bytes", string(slices.Repeat([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 20)) + "\r\n\r\n", []int{400}},
		{"huge-header", upgradeRequest("127.0.0.1", key, "X-Big: "+strings.Repeat("a", 70000)+"\r\n"), []int{400, 431}},
		{"many-headers", upgradeRequest("127.0.0.1", key, many.String()), []int{400, 431}},
		// Defect 6.
		{"bare-lf", strings.ReplaceAll(valid, "\r\n", "\n"), []int{400}},
		{"space-before-colon", strings.Replace(valid, "Upgrade: websocket", "Upgrade : websocket", 1), []int{400}},
		{"http2-preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", []int{400, 505}},
		{"websocket-headers-no-upgrade", strings.Replace(strings.Replace(valid, "Upgrade: websocket\r\n", "", 1), "Connection: Upgrade\r\n", "", 1), []int{400, 426}},
	}
	for _, engine := range engines() {
		t.Run("ws/"+engine, func(t *testing.T) {
			r := begin(t, "malformed-upgrades", "ws", engine, "--handshake-timeout", "5s")
			r.fig.attackers = len(cases)
			var got []string
			for i, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					status, err := malformed(r.s, i, tc.req)
					got = append(got, fmt.Sprintf("%s:%d", tc.name, status))
					if err != nil {
						t.Errorf("%v", err)
					} else if !slices.Contains(tc.want, status) {
						t.Errorf("status %d, want %v", status, tc.want)
					}
					if !r.s.alive() {
						t.Fatalf("the server died (%v):\n%s", r.s.waitErr, r.s.crashed())
					}
				})
			}
			r.fig.note = strings.Join(got, " ")
			r.finish(64 << 20)
		})
	}
}

// malformed sends req on a new connection of attacker i and returns the
// status of the answer, checking that the server then closes.
func malformed(s *server, i int, req string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), legitTimeout)
	defer cancel()
	nc, err := dialAttacker(ctx, s, i, 0)
	if err != nil {
		return 0, err
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(legitTimeout))
	// The server may answer and close before it has read everything.
	go func() { _, _ = io.WriteString(nc, req) }()
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, fmt.Errorf("no answer: %w", err)
	}
	resp.Body.Close()
	if _, err := io.Copy(io.Discard, br); err != nil && !isClosed(err) {
		return resp.StatusCode, fmt.Errorf("after %d the server did not close: %w", resp.StatusCode, err)
	}
	return resp.StatusCode, nil
}
