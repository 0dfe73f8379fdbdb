// Package framing splits a connection's received byte stream into the
// records the server's DataIn event delivers. It does no I/O: the engine
// feeds it the bytes it read and pulls records out, so the same code serves
// the goroutine-per-connection engine, the epoll engine and WebSocket line
// mode, and it can be fuzzed directly.
//
// # Model
//
// A Framer is one connection's framing state. Feed lends it the bytes of one
// read; Next returns the next record under the settings in force at that
// moment, or ok=false when it needs more bytes. Because the engine calls
// Next once per record, the DataIn handler may change the settings (with
// server.Conn's ChangeRecordLength, SetEOL, ChangeLineMode and
// SetMaxLineLength, as in IPWorks) while handling one record and the next
// record is cut by the new settings: a header line can announce the length
// of a binary body that follows.
//
// The settings select one of four modes (see Mode); a positive RecordLength
// wins over SingleLineMode, which wins over EOL:
//
//   - ModeRaw (the zero value): every read is delivered as it arrives.
//   - ModeEOL: lines end at the EOL byte string, which may be several bytes
//     and contain NUL; the EOL is removed and eol=true.
//   - ModeSingleLine: lines end at CR, LF or CRLF. A CR ending one read is
//     delivered at once and an LF starting the next read is consumed with it,
//     so a CRLF split across reads does not produce an empty line.
//   - ModeRecord: records of exactly RecordLength bytes.
//
// In the line modes, when MaxLineLength bytes (default 2048, minimum 256)
// accumulate without a terminator starting within them, those bytes are
// delivered with eol=false and the rest of the line follows, as IPWorks
// describes for DataIn. At end of stream, Flush returns whatever partial
// line or record remains; the server delivers it as a final DataIn with
// eol=false, because DataIn is the application's only chance to see the data.
//
// # Guarantees
//
// Records depend only on the bytes and the settings, never on how the stream
// was split into reads (raw mode excepted, by its definition). Records,
// their terminators and the final Flush add up to the input: no byte is lost
// or repeated. These properties are checked by a property test and by
// FuzzFramer.
//
// Records that lie within one read are returned as subslices of it without
// copying; only a record straddling reads is assembled in the Framer's own
// buffer. That buffer holds at most MaxLineLength plus the terminator length
// in a line mode and RecordLength-1 bytes in record mode, provided each Feed
// is drained by Next before the next Feed. In steady state Feed and Next do
// not allocate.
//
// A returned record is valid until the next call on the Framer. The slice
// given to Feed is borrowed until Next returns ok=false.
package framing
