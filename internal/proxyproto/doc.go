// Package proxyproto parses the PROXY protocol header (versions 1 and 2)
// that a load balancer such as HAProxy sends before the client's first
// byte, to tell the server which client the connection is for.
//
// It is sans-I/O: Parse is given the bytes received so far and reports
// ErrNeedMore until a whole header is there, then the header and how many
// bytes it took. The bytes after it (a TLS ClientHello, say) are the
// caller's, untouched, so an engine fed by an event loop can call Parse
// after each read with what it has buffered, however the header was split.
//
// A header is bounded: a version 1 line is at most MaxV1Length bytes and a
// version 2 header at most 16+MaxV2Length, so a peer cannot make the
// caller buffer more. The first byte tells whether a header can follow at
// all: anything that starts neither signature fails with ErrNotProxy at
// once, so a server that requires a header resets such a connection
// without waiting, and one that accepts connections without a header hands
// the bytes on.
//
// Parse checks the grammar strictly: version 1 fields separated by single
// spaces, addresses of the family named, ports 0–65535 written without
// leading zeros; version 2 version, command, family and length, a
// well-formed TLV list, and the CRC32C checksum when the header carries
// one. Values a peer sent (the authority, the client certificate's common
// name) are returned as sent: escape them before logging (internal/logsafe).
//
// Only a trusted sender's header means anything. Deciding which sources
// are trusted, and what to do without a header, is the caller's job.
//
// The format is HAProxy's "The PROXY protocol" specification, versions 1
// and 2 (doc/proxy-protocol.txt in HAProxy's sources).
package proxyproto
