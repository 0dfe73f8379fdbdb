package proxyproto

import (
	"net/netip"
	"strconv"
)

// Header is a parsed PROXY protocol header. It does not refer to the
// bytes given to Parse.
type Header struct {
	// Version is 1 (the text form) or 2 (the binary form).
	Version int
	// Command is CommandProxy for a relayed connection; CommandLocal (a
	// version 2 header only) for one the sender opened itself, a health
	// check for instance.
	Command Command
	// Protocol is the original connection's address family and transport:
	// TCP4 or TCP6 in version 1, whose "UNKNOWN" is Unspec; any Protocol
	// in version 2.
	Protocol Protocol
	// Source and Destination are the original connection's client and
	// server endpoints. They are set only when the header carries IP
	// endpoints: a version 1 TCP4 or TCP6 line, a version 2 PROXY header
	// of an IPv4 or IPv6 family. Otherwise (LOCAL, UNKNOWN, Unspec, Unix
	// sockets, whose paths are not kept) they are the zero AddrPort, and
	// the receiver uses the connection's own addresses, as the
	// specification asks. IPv6 addresses are as sent: an IPv4-mapped one
	// stays mapped.
	Source, Destination netip.AddrPort
	// TLVs are a version 2 header's type-length-value extensions in the
	// order sent, every type included (CRC32C, NOOP and those this package
	// does not know). Value returns the first of a type.
	TLVs []TLV
}

// Command is a version 2 header's command.
type Command uint8

// Commands of version 2.
const (
	CommandLocal Command = 0x0
	CommandProxy Command = 0x1
)

func (c Command) String() string {
	switch c {
	case CommandLocal:
		return "LOCAL"
	case CommandProxy:
		return "PROXY"
	}
	return "Command(" + strconv.Itoa(int(c)) + ")"
}

// Protocol is the original connection's address family and transport,
// with version 2's encoding: the family in the high nibble, the transport
// in the low one.
type Protocol uint8

// Protocols of version 2; version 1 has TCP4, TCP6 and Unspec (UNKNOWN).
const (
	Unspec       Protocol = 0x00
	TCP4         Protocol = 0x11
	UDP4         Protocol = 0x12
	TCP6         Protocol = 0x21
	UDP6         Protocol = 0x22
	UnixStream   Protocol = 0x31
	UnixDatagram Protocol = 0x32
)

var protocolNames = map[Protocol]string{
	Unspec:       "UNSPEC",
	TCP4:         "TCP4",
	UDP4:         "UDP4",
	TCP6:         "TCP6",
	UDP6:         "UDP6",
	UnixStream:   "UNIX_STREAM",
	UnixDatagram: "UNIX_DGRAM",
}

func (p Protocol) String() string {
	if s, ok := protocolNames[p]; ok {
		return s
	}
	return "Protocol(0x" + strconv.FormatUint(uint64(p), 16) + ")"
}

// addrLen is the length of p's address block in version 2, and whether p
// is defined.
func (p Protocol) addrLen() (int, bool) {
	switch p {
	case Unspec:
		return 0, true
	case TCP4, UDP4:
		return 12, true
	case TCP6, UDP6:
		return 36, true
	case UnixStream, UnixDatagram:
		return 216, true
	}
	return 0, false
}
