// Package attack is an attack suite run against the tlskit binary: the
// tests start `tlskit serve` as a separate process and attack it as a
// hostile client would (slowloris on the HTTP upgrade and on the TLS
// ClientHello, floods past the connection limits, clients that never read,
// deflate bombs, malformed upgrade requests, resets at random points).
// Each attack checks its outcome from outside the process: the attackers'
// connections are reclaimed by the deadline given on the command line, the
// server's resident memory stays under a bound, a legitimate client is
// served during the attack, and the server's file descriptors and
// goroutines are back to their baseline afterwards.
//
// The tests are behind the build tag attack, so that go test ./... does
// not run them:
//
//	go test -tags attack -short ./internal/attack/       # a few seconds per attack (CI)
//	go test -tags attack -v -timeout 60m ./internal/attack/   # the full sizes
//
// The short form attacks with fewer clients, and an attack that covers
// several protocols runs each on one engine, in turn; the full form runs
// every protocol on every engine. The tests build ./cmd/tlskit unless
// TLSKIT_BIN names a binary, so that the same suite measures an older
// build. ATTACK_ENGINES (default "epoll,portable") selects the engines and
// ATTACK_REPORT names a file that receives one line of figures per attack.
package attack
