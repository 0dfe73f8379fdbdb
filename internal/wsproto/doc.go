// Package wsproto is tlskit's sans-I/O WebSocket protocol core (RFC 6455,
// RFC 7692): frame decoding and encoding, message assembly with incremental
// UTF-8 validation, the HTTP/1.1 upgrade handshake for both roles and
// permessage-deflate. Nothing here touches a socket: engines feed received
// bytes in, take events out, and write the bytes the encoders append. This
// keeps the protocol fuzzable and shared by every engine.
//
// # Receiving
//
// A Decoder turns bytes into frame chunks and enforces the framing rules of
// RFC 6455 §5 for its Role. A Reader sits on top of a Decoder and produces
// the events the server's DataIn, Ping and Disconnected hooks need: data
// with IPWorks's DataFormat (0 continuation, 1 text, 2 binary) and EOM,
// whole or streamed (BufferMessage), pings, pongs and validated closes. It
// validates text as UTF-8 as the bytes arrive, inflates compressed
// messages and applies the maximum message size to the inflated size.
//
// Every violation is a *ProtocolError carrying the close code to send
// (1002, 1007, 1009); errors.Is matches ErrProtocolViolation,
// ErrInvalidPayload or ErrMessageTooBig. Errors are sticky.
//
// # Sending
//
// An Encoder appends frames: unmasked for a server, masked with a fresh
// crypto/rand key per frame for a client, fragmented by MaxFrameSize
// (default 128 KiB, as in IPWorks), with message-open tracking for messages
// streamed over several calls (IPWorks's MessageLength). A PreparedMessage
// encodes a server message once, compressed once when needed, for
// broadcast to many connections.
//
// # Handshake
//
// RequestParser reads an upgrade request incrementally with a header size
// bound, CheckUpgrade validates it strictly and reports the HTTP status to
// answer with; AppendAccept and AppendReject build the responses. For the
// client role, NewClientHandshake builds the request and
// ClientHandshake.Check validates the 101 response.
//
// # permessage-deflate
//
// DeflateConfig negotiates RFC 7692 parameters in both roles; Compressor
// and Decompressor implement the per-message transform. Without context
// takeover they keep no state between messages (flate state is pooled);
// with takeover the compressor keeps its flate.Writer and the decompressor
// a window of at most 2^window_bits bytes.
package wsproto
