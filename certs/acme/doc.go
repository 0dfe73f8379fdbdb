// Package acme obtains a certificate for a server's DNS names from an ACME
// certificate authority (Let's Encrypt, or any RFC 8555 CA) and renews it
// before it expires, while the server runs.
//
// A [Manager] keeps one certificate for all its names. [New] takes the one
// cached on disk, if it is still valid for the names; [Manager.Start]
// obtains one when there is none and renews it at [Options.RenewBefore]
// its expiry (by default a third of its lifetime before, at most 30
// days). The CA checks that the server holds the names with the
// TLS-ALPN-01 challenge, answered on the server's own TLS port: give the
// server [Manager.TLSConfig], whose GetCertificate serves the certificate
// obtained last, so that new handshakes use a renewed certificate without
// a restart, and whose GetConfigForClient answers the CA's validation
// handshakes (ALPN "acme-tls/1") and leaves every other handshake to the
// configuration it was given. With [Options.HTTP01] the CA checks the
// HTTP-01 challenge on port 80 instead, answered by [Manager.HTTPHandler].
// Wildcard names, which need DNS-01, are not supported. A failed attempt keeps the current
// certificate serving and is retried after [Options.RetryMin], doubling
// up to [Options.RetryMax].
//
// The account key and the certificate with its private key are kept in
// [Options.CacheDir] (autocert's DirCache: the directory 0700, files
// 0600), so that a restart reuses them instead of ordering again: CAs
// limit how many certificates a set of names gets a week.
//
// The package is built on golang.org/x/crypto/acme, the ACME client of
// the Go project; it is kept apart from tlskit's server packages so that
// only programs that use it compile it.
package acme
