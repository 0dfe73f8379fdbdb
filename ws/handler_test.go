package ws

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tlskit/tlskit/tlsconf"
)

// startHandler serves h on 127.0.0.1:0 with net/http.
func startHandler(t testing.TB, h *Handler) string {
	t.Helper()
	return startHandlerBehind(t, h, h)
}

// startHandlerBehind serves front (h, or a middleware in front of it) on
// 127.0.0.1:0 with net/http, and shuts both down when the test ends.
func startHandlerBehind(t testing.TB, h *Handler, front http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: front}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
		_ = hs.Shutdown(ctx)
	})
	return ln.Addr().String()
}

func TestHandlerUpgradeAndFallback(t *testing.T) {
	t.Parallel()
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html>page</html>") })
	h, err := NewHandler(HandlerOptions{Conn: ConnOptions{}, Events: echoEvents()}, page)
	if err != nil {
		t.Fatal(err)
	}
	addr := startHandler(t, h)

	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "<html>page</html>" {
		t.Fatalf("fallback body %q", body)
	}

	c := dialT(t, "ws://"+addr+"/ws", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if !c.Compressed() {
		t.Fatal("deflate not negotiated through the handler")
	}
	want := strings.Repeat("handler ", 100)
	if err := c.WriteMessage(ctx, DataText, []byte(want)); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.ReadMessage(ctx); err != nil || string(got) != want {
		t.Fatalf("echo %q %v", got, err)
	}
	if n := h.ConnectionCount(); n != 1 {
		t.Fatalf("ConnectionCount = %d", n)
	}
}

func TestHandlerRejectsBadVersion(t *testing.T) {
	t.Parallel()
	h, err := NewHandler(HandlerOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := startHandler(t, h)
	req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	req.Header.Set("Sec-WebSocket-Version", "8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 426 || resp.Header.Get("Sec-WebSocket-Version") != "13" {
		t.Fatalf("status %d, version header %q", resp.StatusCode, resp.Header.Get("Sec-WebSocket-Version"))
	}
}

func TestHandlerOverTLS(t *testing.T) {
	t.Parallel()
	cert := testCert(t)
	h, err := NewHandler(HandlerOptions{Conn: ConnOptions{}, Events: echoEvents()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
	go func() { _ = hs.ServeTLS(ln, "", "") }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = h.Shutdown(ctx)
		_ = hs.Shutdown(ctx)
	})
	c := dialT(t, "wss://"+ln.Addr().String()+"/", &DialOptions{TLS: tlsconf.Options{CA: [][]byte{cert.Certificate[0]}}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msg := strings.Repeat("tls ", 50000)
	if err := c.WriteMessage(ctx, DataText, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.ReadMessage(ctx); err != nil || string(got) != msg {
		t.Fatalf("echo: %d bytes, %v", len(got), err)
	}
	srv, err := h.Conn(1)
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := srv.ConnectionState(); !ok || !st.HandshakeComplete {
		t.Fatal("no TLS state on the handler's connection")
	}
}

type userKey struct{}

// OnWebSocketOpenRequest of a Handler sees the *http.Request, with what
// middleware put in its context, so that authentication middleware works:
// here it refuses a request without a user and picks the user's room.
func TestHandlerOpenRequestHasHTTPRequest(t *testing.T) {
	t.Parallel()
	seen := make(chan string, 2)
	h, err := NewHandler(HandlerOptions{Events: Events{OnWebSocketOpenRequest: func(r *OpenRequest) {
		user, _ := r.Request.Context().Value(userKey{}).(string)
		seen <- user + " " + r.Request.URL.Query().Get("room") + " " + r.Request.RemoteAddr
		if user == "" {
			r.StatusCode = http.StatusUnauthorized
		}
	}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	auth := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := r.Header.Get("Authorization"); tok == "Bearer alice" {
			r = r.WithContext(context.WithValue(r.Context(), userKey{}, "alice"))
		}
		h.ServeHTTP(w, r)
	})
	url := "ws://" + startHandlerBehind(t, h, auth) + "/chat?room=42"
	c := dialT(t, url, &DialOptions{Header: http.Header{"Authorization": {"Bearer alice"}}})
	if got := <-seen; !strings.HasPrefix(got, "alice 42 127.0.0.1:") || !strings.HasSuffix(got, strings.Split(c.LocalAddr().String(), ":")[1]) {
		t.Errorf("the hook saw %q, want alice, room 42 and the client's address %s", got, c.LocalAddr())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var he *HandshakeError
	if _, err := Dial(ctx, url, nil); !errors.As(err, &he) || he.Status != http.StatusUnauthorized {
		t.Errorf("no user: %v, want 401", err)
	}
	<-seen
}

// A standalone Server has no net/http request: Request is nil.
func TestServerOpenRequestHasNoHTTPRequest(t *testing.T) {
	t.Parallel()
	seen := make(chan *http.Request, 1)
	s := startServer(t, Options{Events: Events{OnWebSocketOpenRequest: func(r *OpenRequest) { seen <- r.Request }}})
	dialT(t, s.URL(), nil)
	if r := <-seen; r != nil {
		t.Errorf("Request = %v on a standalone Server", r)
	}
}
