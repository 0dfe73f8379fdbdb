// Package loadgen is the load generator behind `tlskit bench`: it opens
// connections to an echo server over tcp://, tls://, ws:// or wss://, sends
// messages at a fixed rate or as fast as the echoes return, and measures
// throughput, latency percentiles and handshakes per second.
//
// Every message carries a sequence number, its send time and a CRC-32C, so
// a server that drops, duplicates, reorders or corrupts messages is caught
// and counted by kind (ErrorKind) instead of inflating the figures.
// Latencies go into a log-linear Histogram (HdrHistogram's layout, 0.8 %
// precision, no allocation per value). With a rate, latency is counted from
// the time each message was due, so a stalling server cannot hide its
// queue (coordinated omission).
//
// The WebSocket client is a small one on internal/wsproto: masked binary
// frames out, whole messages in, pings answered.
//
// The package has no terminal concerns: Run reports progress through
// Options.Progress and returns a Result that can print itself as a table
// (WriteTable), be encoded as JSON, or be drawn (WriteChart).
package loadgen
