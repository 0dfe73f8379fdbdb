// Package engine defines the boundary between package server and the code that
// moves bytes between sockets and memory.
//
// An engine accepts connections, performs the TLS handshake with the standard
// crypto/tls, reads, writes, times out and closes. It knows nothing about
// framing, events or the public API: it reports what happened to a Handler and
// takes orders through Conn. Everything protocol-shaped (line framing, the
// event queue, the DataIn/ReadyToSend rules) lives above it and is written
// sans-I/O, so every engine shares it.
//
// There are two implementations: package portable (a goroutine per
// connection over net and crypto/tls, for every OS) and package epoll (Linux:
// a few event loops, no goroutine per idle connection). The interface is
// shaped so that package server works with either unchanged:
//
//   - nothing in Conn blocks: Write copies into a bounded queue and returns
//     ErrWouldBlock with the count accepted when the queue is full; the engine
//     calls Handler.OnWritable once room returns;
//   - reading is paused and resumed by flag (PauseRead/ResumeRead), which an
//     event loop implements by dropping read interest and a goroutine engine by
//     not calling Read; either way the kernel window closes and nothing is lost;
//   - Handler callbacks must not block: they record what happened and return.
//     The server serialises user events per connection itself, on its own
//     goroutines, so a slow event handler never stalls an engine loop;
//   - idle and handshake timers are engine state (timer wheels in an event
//     loop, deadlines in the goroutine engine);
//   - the per-connection *tls.Config is handed to Start, so the server's TLS
//     hooks (client authentication, certificate choice, status messages) work
//     whatever runs the handshake.
package engine
