package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tlskit/tlskit/topics"
	"github.com/tlskit/tlskit/topics/natsbus"
	"github.com/tlskit/tlskit/ws"
)

// natsFlags are serve's --nats and --nats-creds.
type natsFlags struct {
	urls, creds string
}

func (n *natsFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&n.urls, "nats", "", "ws, wss: share broadcast, chat and pubsub among every server started with this NATS (nats://HOST:PORT, comma-separated)")
	fl.StringVar(&n.creds, "nats-creds", "", "with --nats: the NATS user's credentials file (JWT and nkey seed)")
}

func (n *natsFlags) check(p serveProto, mode string) error {
	switch {
	case n.urls == "" && n.creds != "":
		return errors.New("--nats-creds needs --nats")
	case n.urls == "":
		return nil
	case !p.websocket:
		return errors.New("--nats is for --proto ws and wss")
	case mode == "echo":
		return errors.New("--nats shares --mode broadcast, chat or pubsub: echo has nothing to share")
	}
	return nil
}

// connectNATS connects sc's bus with --nats; without, the servers' own.
func (sc *serveConfig) connectNATS() error {
	if sc.nats.urls == "" {
		return nil
	}
	bus, err := natsbus.Connect(natsbus.Options{
		URLs: strings.Split(sc.nats.urls, ","), CredsFile: sc.nats.creds, Name: "tlskit serve", Logger: sc.log,
	})
	if err != nil {
		return fmt.Errorf("--nats: %w", err)
	}
	sc.bus = bus
	tag := make([]byte, 4)
	_, _ = rand.Read(tag)
	sc.tag = "@" + hex.EncodeToString(tag)
	return nil
}

// connName is a connection's name in chat: its id, with --nats and its
// process's tag ("3@a1f2b3c4"), since each process numbers its own.
func (sc *serveConfig) connName(c *ws.Conn) string {
	return strconv.FormatInt(c.ConnectionID(), 10) + sc.tag
}

// modeTopic is the topic of broadcast and chat with --nats.
func (sc *serveConfig) modeTopic() string { return "tlskit." + sc.mode }

// fanout sends a broadcast or chat message to every connection: this
// server's, or with --nats every server's on the topic of the mode.
func (sc *serveConfig) fanout(srv *ws.Server, f ws.SendFormat, p []byte) {
	if sc.bus == nil {
		broadcast(sc.connLogger(), srv, f, p)
		return
	}
	if err := srv.Publish(sc.modeTopic(), f, p); err != nil {
		sc.connLogger().Warn("publishing", "err", err)
	}
}

// joinFanout subscribes c to the mode's topic with --nats.
func (sc *serveConfig) joinFanout(c *ws.Conn) {
	if sc.bus == nil {
		return
	}
	if err := c.Subscribe(sc.modeTopic()); err != nil {
		sc.connLogger().Warn("subscribing", "id", c.ConnectionID(), "err", err)
	}
}

// pubsubRequest is what a pubsub client sends: one of the three.
type pubsubRequest struct {
	Subscribe   *string         `json:"subscribe"`
	Unsubscribe *string         `json:"unsubscribe"`
	Publish     *string         `json:"publish"`
	Data        json.RawMessage `json:"data"`
}

// pubsubMessage is what subscribers get.
type pubsubMessage struct {
	Topic string          `json:"topic"`
	Data  json.RawMessage `json:"data"`
}

// pubsubIn serves one message of a pubsub client: {"subscribe":"t"} and
// {"unsubscribe":"t"} are answered {"subscribed":"t"} / {"unsubscribed":"t"},
// {"publish":"t","data":X} sends {"topic":"t","data":X} to every
// subscriber of a matching pattern; anything else gets {"error":"..."}.
func (sc *serveConfig) pubsubIn(srv *ws.Server, c *ws.Conn, f ws.DataFormat, data []byte) {
	reply := func(k, v string) {
		writeOrReset(sc.connLogger(), c, ws.DataText, jsonText(map[string]string{k: v}))
	}
	var req pubsubRequest
	if f != ws.FormatText {
		reply("error", `send text: {"subscribe":"topic"}, {"unsubscribe":"topic"} or {"publish":"topic","data":...}`)
		return
	}
	if err := json.Unmarshal(data, &req); err != nil {
		reply("error", "not JSON: "+err.Error())
		return
	}
	var err error
	switch {
	case req.Subscribe != nil && req.Unsubscribe == nil && req.Publish == nil:
		if err = c.Subscribe(*req.Subscribe); err == nil {
			reply("subscribed", *req.Subscribe)
		}
	case req.Unsubscribe != nil && req.Subscribe == nil && req.Publish == nil:
		if err = c.Unsubscribe(*req.Unsubscribe); err == nil {
			reply("unsubscribed", *req.Unsubscribe)
		}
	case req.Publish != nil && req.Subscribe == nil && req.Unsubscribe == nil:
		if err = topics.ValidTopic(*req.Publish); err == nil {
			if req.Data == nil {
				req.Data = json.RawMessage("null")
			}
			err = srv.Publish(*req.Publish, ws.DataText, jsonText(pubsubMessage{Topic: *req.Publish, Data: req.Data}))
		}
	default:
		err = errors.New(`want one of "subscribe", "unsubscribe" and "publish"`)
	}
	if err != nil {
		reply("error", strings.TrimPrefix(err.Error(), "ws: "))
	}
}

// jsonText is v in JSON as written ("news.>", not "news.\u003e").
func jsonText(v any) []byte {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	_ = e.Encode(v) // maps of strings and RawMessages that Unmarshal checked
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// busServer is a ws.Server whose --nats bus closes with it.
type busServer struct {
	*ws.Server
	bus *natsbus.Bus
}

func (s busServer) Close() error {
	err := s.Server.Close()
	s.bus.Close()
	return err
}
