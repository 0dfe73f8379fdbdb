package loadgen

import (
	"testing"
)

func TestMessageRoundTrip(t *testing.T) {
	t.Parallel()
	for _, size := range []int{headerSize, headerSize + 1, 64, 4096} {
		msg := newMessageBuffer(size)
		fillMessage(msg, 42, 123456)
		seq, sent, ok := parseMessage(msg)
		if !ok || seq != 42 || sent != 123456 {
			t.Fatalf("size %d: seq %d sent %d ok %v", size, seq, sent, ok)
		}
		// Any single flipped bit is caught by the CRC.
		for i := range size {
			msg[i] ^= 1
			if _, _, ok := parseMessage(msg); ok {
				t.Fatalf("size %d: flipped bit in byte %d not detected", size, i)
			}
			msg[i] ^= 1
		}
	}
	if _, _, ok := parseMessage(make([]byte, headerSize-1)); ok {
		t.Fatal("a short message parsed")
	}
}

func TestMessagesDiffer(t *testing.T) {
	t.Parallel()
	// Two messages of one connection never share a checksum pattern, so
	// a server echoing an old message is caught by its sequence number
	// and not mistaken for the new one.
	a, b := newMessageBuffer(64), newMessageBuffer(64)
	fillMessage(a, 1, 0)
	fillMessage(b, 2, 0)
	if string(a) == string(b) {
		t.Fatal("messages 1 and 2 are identical")
	}
}

func FuzzParseMessage(f *testing.F) {
	m := newMessageBuffer(64)
	fillMessage(m, 7, 99)
	f.Add(m)
	f.Add([]byte{})
	f.Add(make([]byte, headerSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		seq, sent, ok := parseMessage(b)
		if !ok {
			return
		}
		// Whatever parses re-encodes to itself.
		c := append([]byte(nil), b...)
		fillMessage(c, seq, sent)
		if len(c) >= headerSize+8 && string(c[:headerSize]) != string(b[:headerSize]) {
			t.Fatalf("header of %x re-encodes differently", b)
		}
	})
}

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"tcp://127.0.0.1:9000", "wss://example.com/chat?x=1", "ws://[::1]:8080/", "tls://h", "http://x:1", "", "tcp://:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tg, err := parseTarget(raw)
		if err != nil {
			return
		}
		if tg.addr == "" || tg.host == "" {
			t.Fatalf("%q parsed to %+v", raw, tg)
		}
		switch tg.scheme {
		case "tcp", "tls", "ws", "wss":
		default:
			t.Fatalf("%q: scheme %q accepted", raw, tg.scheme)
		}
	})
}
