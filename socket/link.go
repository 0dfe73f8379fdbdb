package socket

import (
	"io"
	"net"
	"sync"

	"github.com/tlskit/tlskit/internal/engine"
	"github.com/tlskit/tlskit/internal/engine/portable"
)

// Sizes of one write and one read of a connection: a long send is written
// (and reported by SendProgress, and abortable) in steps of writeChunk.
const (
	writeChunk = 16 << 10
	readChunk  = 16 << 10
)

// link runs one connection of a socket on the portable engine (Adopt):
// the engine reads, queues (Config.SendBufferSize bytes) and writes, and
// link, its Handler, moves what it reads into the socket's receive buffer
// and accounts for what it writes. A link the socket has left (closed, or
// released for StartTLS) changes nothing in the socket.
type link struct {
	s  *Socket
	ec portable.ClientConn
	wg *sync.WaitGroup // the socket's io when l started: Done at l's end
}

var (
	_ portable.SentHandler    = (*link)(nil)
	_ engine.PeerCloseHandler = (*link)(nil)
)

// startIOLocked runs s.conn on the engine; s.mu must be held.
func (s *Socket) startIOLocked() {
	l := &link{s: s, ec: portable.Adopt(s.conn, nil), wg: s.io}
	s.link = l
	room := s.cfg.ReceiveBufferSize - s.rbuf.Len()
	s.readPaused = room <= 0
	s.readLimit = min(max(room, 1), readChunk)
	l.ec.LimitWrite(writeChunk)
	l.ec.KeepBuffers()
	l.ec.LimitRead(s.readLimit)
	l.wg.Add(1) // done by OnClose, or by pause once released
	l.ec.Start(l, engine.StartOptions{QueueSize: s.cfg.SendBufferSize, ReadSize: readChunk, Paused: s.readPaused})
}

// end ends l's connection at once: what no write has taken is dropped and
// conn (what l runs: the engine would wait for the peer to close) is
// closed, which ends the engine's reader and brings OnClose.
func (l *link) end(conn net.Conn) {
	l.ec.DiscardQueued()
	l.ec.Close(0)
	if conn != nil {
		_ = conn.Close()
	}
}

// receiveRoomLocked bounds the engine's next reads by the room left in
// the receive buffer, pausing them when there is none; s.mu must be held.
func (s *Socket) receiveRoomLocked() {
	l := s.link
	if l == nil {
		return
	}
	room := s.cfg.ReceiveBufferSize - s.rbuf.Len()
	switch {
	case room <= 0:
		if !s.readPaused {
			s.readPaused = true
			l.ec.PauseRead()
		}
	default:
		if want := min(room, readChunk); want != s.readLimit {
			s.readLimit = want
			l.ec.LimitRead(want)
		}
		if s.readPaused {
			s.readPaused = false
			l.ec.ResumeRead()
		}
	}
}

// The engine's callbacks.

func (l *link) OnOpen(error) {} // an adopted connection is open already
func (l *link) OnIdle()      {}
func (l *link) OnWritable()  {} // sends never go past the room OnSent reports

func (l *link) OnData(p []byte) {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.link != l {
		return
	}
	s.rbuf.Write(p)
	s.push(event{kind: evDataAvailable})
	s.receiveRoomLocked()
	s.notify()
}

func (l *link) OnSent(n int) {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.link != l {
		return
	}
	s.unsent -= n
	s.ev.progressSent += n
	s.push(event{kind: evSendProgress})
	if s.unsent == 0 {
		if s.sendAborted { // SendComplete(true) was reported already
			s.sendAborted = false
		} else {
			s.push(event{kind: evSendComplete})
		}
	}
	s.push(event{kind: evWritable})
	s.notify()
}

// OnPeerClose: the peer closed (after the last OnData); the socket fails
// with CodeLostConnection, and ends l.
func (l *link) OnPeerClose() {
	if !l.lost(io.EOF) {
		l.ec.Close(0) // left already: its end may be under way
	}
}

func (l *link) OnClose(err error) {
	defer l.wg.Done()
	if err == nil {
		err = io.EOF
	}
	l.lost(err)
}

// lost records why l's connection ended and fails the socket, when l is
// still its link; it reports whether it was.
func (l *link) lost(err error) bool {
	s := l.s
	s.mu.Lock()
	if s.link != l {
		s.mu.Unlock()
		return false
	}
	s.rerr = err
	s.notify()
	s.mu.Unlock()
	if err == io.EOF {
		err = opError("read", ErrLostConnection, err)
	}
	s.fail("read", err)
	return true
}
