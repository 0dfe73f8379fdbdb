// Package logsafe keeps log records that carry what a peer sent bounded:
// String truncates and escapes a peer-supplied string before it goes
// into a record, and Limiter is a slog.Handler that lets through at most
// a burst and then a steady rate of records, counting (and periodically
// reporting) the ones it drops.
//
// A server logs one or a few records per connection; an attacker who
// opens connections as fast as it can, or sends a 16 KB server name,
// would otherwise decide how much the server writes to its log and what
// the log's lines look like.
package logsafe
