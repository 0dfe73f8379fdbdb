package wsproto

import (
	"fmt"
	"strings"
)

// Example_serverHandshake: parse a client's upgrade request, negotiate
// permessage-deflate, answer 101, then exchange a compressed message.
func Example_serverHandshake() {
	client := NewClientHandshake("example.com", "/chat")
	offer, _ := DeflateConfig{}.Offer()
	client.Extensions = []Extension{offer}
	reqBytes, _ := client.AppendRequest(nil)

	var p RequestParser
	req, _, err := p.Feed(reqBytes)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp, params, ok, _ := DeflateConfig{ServerNoContextTakeover: true}.Negotiate(req.Extensions)
	var accepted []Extension
	if ok {
		accepted = append(accepted, resp)
	}
	out, _ := AppendAccept(nil, req, AcceptOptions{Extensions: accepted})
	fmt.Println(strings.Split(string(out), "\r\n")[0])

	// Client side: check the response and agree on the parameters.
	var rp ResponseParser
	r, _, _ := rp.Feed(out)
	if err := client.Check(r); err != nil {
		fmt.Println(err)
		return
	}
	cparams, _ := AcceptDeflateResponse(offer, r.Extensions[0])
	fmt.Println(cparams == params, params.ServerNoContextTakeover)

	// The server sends a compressed message; the client reads it.
	comp, _ := params.NewCompressor(RoleServer, 0)
	enc := &Encoder{}
	frame, _ := enc.AppendMessage(nil, OpText, comp.Compress(nil, []byte("hello, hello, hello")), true)
	rd := NewReader(RoleClient, ReaderOptions{Decompressor: cparams.NewDecompressor(RoleClient)})
	rd.Feed(frame)
	ev, _, _ := rd.Next()
	fmt.Printf("%s\n", ev.Data)
	// Output:
	// HTTP/1.1 101 Switching Protocols
	// true true
	// hello, hello, hello
}
