package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/tlskit/tlskit/ws"
)

// cdpEnv makes the test binary drive a headless Chromium through its
// DevTools protocol instead of running the tests (see cdpSelftest).
const cdpEnv = "TLSKIT_TEST_CDP_PORT"

// cdpSelftest waits, in real time, until the page Chromium shows (whose
// URL contains "selftest") has written its result, then prints the page's
// DOM to stdout. It talks to Chromium's DevTools port over a tlskit
// WebSocket. Chromium's own --dump-dom with --virtual-time-budget is not
// used: virtual time runs ahead while the page waits on its WebSocket, so
// the page's timeouts fired, or the DOM was dumped, before the echoes were
// back.
func cdpSelftest(port string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	target, err := cdpPage(ctx, port)
	if err != nil {
		return err
	}
	c, err := ws.Dial(ctx, target, &ws.DialOptions{})
	if err != nil {
		return fmt.Errorf("devtools WebSocket %s: %w", target, err)
	}
	defer c.Close(ws.CloseNormal, "")
	id := 0
	eval := func(expr string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		id++
		req, _ := json.Marshal(map[string]any{"id": id, "method": "Runtime.evaluate",
			"params": map[string]any{"expression": expr, "returnByValue": true}})
		if err := c.WriteMessage(ctx, ws.DataText, req); err != nil {
			return "", err
		}
		for {
			_, msg, err := c.ReadMessage(ctx)
			if err != nil {
				return "", err
			}
			var resp struct {
				ID     int `json:"id"`
				Result struct {
					Result struct {
						Value any `json:"value"`
					} `json:"result"`
				} `json:"result"`
			}
			if json.Unmarshal(msg, &resp) == nil && resp.ID == id {
				s, _ := resp.Result.Result.Value.(string)
				return s, nil
			}
		}
	}
	for {
		res, err := eval(`(document.getElementById("result") || {}).textContent || ""`)
		if err != nil {
			return err
		}
		if res != "" {
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "cdp: the page wrote no result in", limit)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	dom, err := eval(`document.documentElement.outerHTML`)
	if err != nil {
		return err
	}
	fmt.Println(dom)
	return nil
}

// cdpPage returns the DevTools WebSocket URL of the selftest page, waiting
// for Chromium to list it.
func cdpPage(ctx context.Context, port string) (string, error) {
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+port+"/json/list", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			var targets []struct {
				Type, URL            string
				WebSocketDebuggerURL string `json:"webSocketDebuggerUrl"`
			}
			err = json.NewDecoder(resp.Body).Decode(&targets)
			resp.Body.Close()
			for _, t := range targets {
				if t.Type == "page" && strings.Contains(t.URL, "selftest") && t.WebSocketDebuggerURL != "" {
					return t.WebSocketDebuggerURL, nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("no selftest page listed on the DevTools port %s: %v", port, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
