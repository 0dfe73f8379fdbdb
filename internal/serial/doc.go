// Package serial runs each connection's events one at a time: the event
// executor of server, socket and ws.
//
// A target (a connection, or a server's own events) has a Queue; Post adds
// an event to it, and whoever owns the queue at that moment handles it. An
// Executor hands a queue that gets its first event to one of its workers,
// or, when manual, to the next Run or Poll. The owner handles the queue's
// events until it is empty, then gives it up.
//
// Guarantees, for the events of one target:
//
//   - In order: events are handled in the order Post took them (the order
//     of the calls when they come from one goroutine). A Call's function
//     runs in that order too.
//   - Never concurrent, never re-entrant: one event at a time, each after
//     the previous handler returned. An event that a handler posts to its
//     own target runs after that handler returns; a Run or Poll made from a
//     handler delivers other targets' events, never its own target's.
//   - A blocking handler delays only its own target: the other targets'
//     events go on, on other workers (a new goroutine when none waits).
//     With a manual executor the handlers run inside Run and Poll, on the
//     caller's goroutine, so there a blocking handler holds up that call.
//   - Nothing is dropped: every event posted is handled, before or after
//     Close (see there), except that PostOnce coalesces, and that a Call
//     whose context ended before its turn is skipped. A queue has no closed
//     state of its own: after a connection's last event its handler must
//     ignore what comes later.
//   - An idle target holds no goroutine and no event array: a Queue costs
//     its fields only.
package serial
