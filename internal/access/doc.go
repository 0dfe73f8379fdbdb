// Package access implements the server's AllowedClients and BlockedClients
// settings: parsing their comma-separated lists and matching a client's
// address against them. It does no I/O and no DNS.
//
// # Lists
//
// Parse accepts the seed's format (addresses and the '*' wildcard, e.g.
// "192.168.1.*") and extends it with '?' (one character), CIDR prefixes
// ("10.0.0.0/8", "::1/128"), IPv6 addresses and "localhost". Wildcards match
// the client's canonical text form, so for IPv6 a CIDR prefix is usually the
// better tool. IPv4-mapped IPv6 addresses are normalised to IPv4, both in
// entries and in the clients matched, so a dual-stack listener sees IPv4
// clients the way the lists name them. Host names other than "localhost"
// are rejected with ErrHostName rather than silently never matching.
//
// # Policy
//
// Policy.Check applies the seed's rules: a client that BlockedClients
// matches is rejected even if AllowedClients matches it too; otherwise a
// client that a non-empty AllowedClients does not match is rejected. The
// seed's defaults, "*" and "", accept everyone, and so do nil or empty lists
// (to reject everyone, block "*"). In the seed a rejection only presets the
// Accept parameter of the ConnectionRequest event to false; the server keeps
// that behaviour and reports the Verdict so the handler can say why.
package access
