package ws

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nodePeer returns the command running testdata/node/peer.js. Without node
// or the installed ws package the test is skipped, unless CI is set, where
// that is a failure (.ci/run installs them).
func nodePeer(t *testing.T, ctx context.Context, args ...string) *exec.Cmd {
	t.Helper()
	node, err := exec.LookPath("node")
	dir, _ := filepath.Abs(filepath.Join("testdata", "node"))
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "ws", "package.json"))
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node or the ws package is missing (npm ci --prefix ws/testdata/node): %v", err)
		}
		t.Skipf("node or the ws package is missing: %v", err)
	}
	cmd := exec.CommandContext(ctx, node, append([]string{filepath.Join(dir, "peer.js")}, args...)...)
	cmd.Dir = dir
	return cmd
}

func TestNodeClientAgainstServer(t *testing.T) {
	for _, mode := range []string{"deflate", "plain"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			s := startServer(t, Options{
				Conn: ConnOptions{MaxMessageSize: 64 << 20},
				Events: Events{
					OnWebSocketOpenRequest: func(r *OpenRequest) {
						if len(r.Protocols) > 0 {
							r.Protocol = r.Protocols[0]
						}
					},
					OnDataIn: func(c *Conn, f DataFormat, data []byte, eom, eol bool) {
						ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
						defer cancel()
						if err := c.WriteMessage(ctx, SendFormatOf(f), data); err != nil {
							t.Errorf("echo: %v", err)
						}
					},
				},
			})
			ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
			defer cancel()
			out, err := nodePeer(t, ctx, "client", s.URL()+"/echo", mode).CombinedOutput()
			if err != nil || !bytes.Contains(out, []byte("PASS")) {
				t.Fatalf("node client: %v\n%s", err, out)
			}
		})
	}
}

func TestClientAgainstNodeServer(t *testing.T) {
	for _, mode := range []string{"deflate", "plain"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
			defer cancel()
			cmd := nodePeer(t, ctx, "server", mode)
			stdin, _ := cmd.StdinPipe()
			stdout, _ := cmd.StdoutPipe()
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				stdin.Close()
				_ = cmd.Wait()
			}()
			lines := bufio.NewScanner(stdout)
			if !lines.Scan() || !strings.HasPrefix(lines.Text(), "PORT ") {
				t.Fatalf("node server did not start: %q", lines.Text())
			}
			url := "ws://127.0.0.1:" + strings.TrimPrefix(lines.Text(), "PORT ") + "/"
			c, err := Dial(ctx, url, &DialOptions{Conn: ConnOptions{MaxMessageSize: 64 << 20, MaxFrameSize: 1 << 20}})
			if err != nil {
				t.Fatal(err)
			}
			if c.Compressed() != (mode == "deflate") {
				t.Fatalf("Compressed() = %v", c.Compressed())
			}
			for _, size := range []int{0, 1, 125, 126, 65536, 1 << 20, 16 << 20} {
				msg := make([]byte, size)
				_, _ = rand.Read(msg)
				if err := c.WriteMessage(ctx, DataBinary, msg); err != nil {
					t.Fatal(err)
				}
				f, got, err := c.ReadMessage(ctx)
				if err != nil || f != FormatBinary || !bytes.Equal(got, msg) {
					t.Fatalf("binary %d: %v %v, %d bytes", size, err, f, len(got))
				}
				text := strings.Repeat("ü", size/2)
				if err := c.WriteMessage(ctx, DataText, []byte(text)); err != nil {
					t.Fatal(err)
				}
				if f, got, err := c.ReadMessage(ctx); err != nil || f != FormatText || string(got) != text {
					t.Fatalf("text %d: %v %v", size, err, f)
				}
			}
			// A message streamed over several sends (MessageLength).
			if err := c.SetMessageLength(9); err != nil {
				t.Fatal(err)
			}
			for _, part := range []string{"str", "eam", "ed!"} {
				if err := c.WriteMessage(ctx, DataText, []byte(part)); err != nil {
					t.Fatal(err)
				}
			}
			if _, got, err := c.ReadMessage(ctx); err != nil || string(got) != "streamed!" {
				t.Fatalf("streamed: %q %v", got, err)
			}
			if _, err := c.Ping(ctx, []byte("go-ping")); err != nil {
				t.Fatal(err)
			}
			if err := c.Close(4001, "go done"); err != nil {
				t.Fatal(err)
			}
			<-c.Done()
			if st := c.CloseStatus(); st.Code != 4001 {
				t.Fatalf("close status %v", st)
			}
			if !lines.Scan() || lines.Text() != "CLOSE 4001 go done" {
				t.Fatalf("node saw %q", lines.Text())
			}
		})
	}
}
