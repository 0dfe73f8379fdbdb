// Package access implements the server's AllowedClients and BlockedClients
// settings (named as in IPWorks): parsing their comma-separated lists and
// matching a client's address against them. It does no I/O and no DNS.
//
// # Lists
//
// Parse accepts IPWorks's format (addresses and the '*' wildcard, e.g.
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
// Policy.Check decides: a client that BlockedClients matches is rejected
// even if AllowedClients matches it too; otherwise a client that a
// non-empty AllowedClients does not match is rejected. The defaults, "*"
// and "" as in IPWorks, accept everyone, and so do nil or empty lists (to
// reject everyone, block "*"). A rejection only presets
// server.ConnectionRequest.Accept to false, as IPWorks presets the Accept
// parameter of its ConnectionRequest event: an OnConnectionRequest handler
// may still accept the client, and ConnectionRequest.Reason says why it
// was refused.
package access
