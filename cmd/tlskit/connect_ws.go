package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"golang.org/x/net/http/httpguts"

	"github.com/tlskit/tlskit/internal/wsproto"
	"github.com/tlskit/tlskit/ws"
)

// wsFlags are connect's WebSocket settings.
type wsFlags struct {
	binary       bool
	subprotocols []string
	headers      []string
	wait         time.Duration
}

// defaultConnectWait is how long connect waits after stdin ends, counted
// from the last message received, before it sends its Close frame.
const defaultConnectWait = time.Second

// wsFlagNames are the flags registered by wsFlags.register, for the check
// that rejects them for tcp:// and tls://.
var wsFlagNames = []string{"binary", "subprotocol", "header", "wait"}

func (f *wsFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.binary, "binary", false, "send each line of stdin as a binary message instead of text (ws, wss)")
	fl.StringArrayVar(&f.subprotocols, "subprotocol", nil, "offer a subprotocol, most preferred first (repeatable; ws, wss)")
	fl.StringArrayVar(&f.headers, "header", nil, `add a request header "Name: value" to the handshake (repeatable; ws, wss)`)
	fl.DurationVar(&f.wait, "wait", defaultConnectWait, "after stdin ends, wait this long for replies (counted from the last message received) before closing (ws, wss; 0: close at once)")
}

// header parses the --header values.
func (f *wsFlags) header() (http.Header, error) {
	h := http.Header{}
	for _, kv := range f.headers {
		k, v, ok := strings.Cut(kv, ":")
		k = strings.TrimSpace(k)
		v = strings.TrimSpace(v)
		if !ok || !httpguts.ValidHeaderFieldName(k) {
			return nil, fmt.Errorf(`--header %q: want "Name: value", the name made of letters, digits and !#$%%&'*+-.^_|~`, kv)
		}
		if !httpguts.ValidHeaderFieldValue(v) {
			return nil, fmt.Errorf("--header %q: the value must not hold control characters", kv)
		}
		h.Add(textproto.CanonicalMIMEHeaderKey(k), v)
	}
	return h, nil
}

// runWebSocket is a ws:// or wss:// session: stdin lines become messages,
// messages become stdout lines, stdin's end closes with 1000.
func runWebSocket(cmd *cobra.Command, f *connectFlags, t target) error {
	ctx := cmd.Context()
	info := cmd.ErrOrStderr()
	// Messages go to a hook rather than ReadMessage, which may drop those
	// that arrive after our Close and before the server's.
	out := bufio.NewWriter(cmd.OutOrStdout())
	var outErr error
	var lastMessage atomic.Int64 // time.Now().UnixNano() of the last message received
	printMessage := func(c *ws.Conn, format ws.DataFormat, msg []byte, _, _ bool) {
		lastMessage.Store(time.Now().UnixNano())
		if format == ws.FormatBinary {
			out.WriteString(hex.EncodeToString(msg))
		} else {
			out.Write(msg)
		}
		out.WriteByte('\n')
		if err := out.Flush(); err != nil && outErr == nil {
			outErr = err
			c.Close(ws.CloseGoingAway, "")
		}
	}
	c, err := dialWebSocket(ctx, f, t, info, printMessage)
	if err != nil {
		return fmt.Errorf("connect %s: %w", t.url, err)
	}
	sendErr := make(chan error, 1)
	go func() {
		// The result is known before the close that ends the wait below.
		err := sendLines(ctx, c, cmd.InOrStdin(), f.ws.binary)
		sendErr <- err
		if err == nil {
			linger(ctx, c, f.ws.wait, &lastMessage)
		}
		c.Close(ws.CloseNormal, "")
	}()
	select {
	case <-c.Done():
	case <-ctx.Done():
		c.Close(ws.CloseGoingAway, "")
		<-c.Done()
	}
	if outErr != nil {
		return fmt.Errorf("writing stdout: %w", outErr)
	}
	return closeResult(info, t.url, c.CloseStatus(), sendErr)
}

// linger waits, once stdin has ended, until wait has passed since the
// end or since the last message received (lastMessage), whichever is
// later, so that replies still on their way are printed; it returns early
// when the connection or ctx ends.
func linger(ctx context.Context, c *ws.Conn, wait time.Duration, lastMessage *atomic.Int64) {
	end := time.Now()
	for {
		from := end
		if last := time.Unix(0, lastMessage.Load()); last.After(from) {
			from = last
		}
		left := wait - time.Since(from)
		if left <= 0 {
			return
		}
		t := time.NewTimer(left)
		select {
		case <-c.Done():
		case <-ctx.Done():
		case <-t.C:
			continue
		}
		t.Stop()
		return
	}
}

// dialWebSocket connects and prints the TLS and WebSocket handshakes.
func dialWebSocket(ctx context.Context, f *connectFlags, t target, info io.Writer,
	onMessage func(c *ws.Conn, format ws.DataFormat, msg []byte, eom, eol bool)) (*ws.Conn, error) {
	h, err := f.ws.header()
	if err != nil {
		return nil, err
	}
	opts := &ws.DialOptions{
		Protocols:        f.ws.subprotocols,
		Header:           h,
		Dialer:           &net.Dialer{Timeout: f.timeout},
		HandshakeTimeout: f.timeout,
		Conn:             ws.ConnOptions{},
		Events:           ws.Events{OnDataIn: onMessage},
	}
	if t.secure {
		if opts.TLS, err = f.tlsOptions(); err != nil {
			return nil, err
		}
	}
	c, err := ws.Dial(ctx, t.url, opts)
	var he *ws.HandshakeError
	if errors.As(err, &he) && he.Status != 0 {
		return nil, fmt.Errorf("the server refused the WebSocket handshake with HTTP %d %s: %s", he.Status, http.StatusText(he.Status), he.Msg)
	}
	if err != nil {
		return nil, explainDialError(t, err)
	}
	fmt.Fprintf(info, "Connected to %s (%s)\n", net.JoinHostPort(t.host, strconv.Itoa(t.port)), c.RemoteAddr())
	if st, ok := c.ConnectionState(); ok {
		printTLSDetails(info, st, f.insecure)
	}
	fmt.Fprintf(info, "Status: %d %s\n", http.StatusSwitchingProtocols, http.StatusText(http.StatusSwitchingProtocols))
	fmt.Fprintf(info, "Subprotocol: %s\n", orNone(c.Protocol()))
	fmt.Fprintf(info, "Extensions: %s\n", orNone(wsproto.FormatExtensions(c.Extensions())))
	return c, nil
}

// sendLines sends every line of in as one message (without its "\n" or
// "\r\n"), waiting for room in the send queue, until in ends.
func sendLines(ctx context.Context, c *ws.Conn, in io.Reader, binary bool) error {
	format := ws.DataText
	if binary {
		format = ws.DataBinary
	}
	r := bufio.NewReader(in)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			line = trimEOL(line)
			if !binary && !utf8.Valid(line) {
				return fmt.Errorf("line %d of stdin is not UTF-8, which a text message must be: use --binary", n)
			}
			if err := c.WriteMessage(ctx, format, line); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading stdin: %w", err)
		}
	}
}

func trimEOL(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
	}
	return line
}

// closeResult reports how the connection ended: nil for a normal close
// (1000, or 1001 from a server going away) with stdin fully sent.
func closeResult(info io.Writer, url string, ce *ws.CloseError, sendErr <-chan error) error {
	desc := strconv.Itoa(int(ce.Code))
	if ce.Reason != "" {
		desc += " " + strconv.Quote(ce.Reason)
	}
	fmt.Fprintf(info, "Closed: %s\n", desc)
	select {
	case err := <-sendErr:
		if err != nil && !errors.Is(err, ws.ErrNotConnected) {
			return err
		}
	default:
	}
	switch {
	case ce.Err != nil:
		return fmt.Errorf("connection to %s failed (%s): %w", url, desc, ce.Err)
	case ce.Code == ws.CloseAbnormal:
		return fmt.Errorf("connection to %s dropped without a Close frame (1006)", url)
	case ce.Code != ws.CloseNormal && ce.Code != ws.CloseGoingAway:
		return fmt.Errorf("the server closed the connection with %s", desc)
	}
	return nil
}
