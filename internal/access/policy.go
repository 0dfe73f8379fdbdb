package access

import (
	"net/netip"
	"strconv"
)

// Policy combines the AllowedClients and BlockedClients settings.
// The zero value accepts every client.
type Policy struct {
	// Allowed lists the clients that may connect. Nil or empty means every
	// client, like IPWorks's default "*".
	Allowed *List
	// Blocked lists the clients that may not connect, even when Allowed
	// matches them. Nil or empty (IPWorks's default "") blocks nobody.
	Blocked *List
}

// Verdict is the outcome of Policy.Check.
type Verdict uint8

const (
	// Accept: the client is allowed and not blocked.
	Accept Verdict = iota
	// NotAllowed: Allowed is not empty and does not match the client.
	NotAllowed
	// Blocked: Blocked matches the client (whatever Allowed says).
	Blocked
)

func (v Verdict) String() string {
	switch v {
	case Accept:
		return "accepted"
	case NotAllowed:
		return "not in AllowedClients"
	case Blocked:
		return "in BlockedClients"
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}

// Check decides whether a client at address a may connect. The verdict is
// the preset of server.ConnectionRequest.Accept, as in IPWorks's
// ConnectionRequest event: the server should reject a client on anything
// but Accept unless the application's OnConnectionRequest handler accepts
// it anyway.
func (p Policy) Check(a netip.Addr) Verdict {
	if p.Blocked.Match(a) {
		return Blocked
	}
	if p.Allowed.Len() > 0 && !p.Allowed.Match(a) {
		return NotAllowed
	}
	return Accept
}
