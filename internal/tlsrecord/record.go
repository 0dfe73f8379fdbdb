// Package tlsrecord finds TLS records in a byte stream, as it is fed in
// pieces of any size, without doing I/O and without decrypting anything:
// for logging what crosses a connection's wire.
package tlsrecord

import (
	"encoding/binary"
	"errors"
	"strconv"
)

// HeaderLen is the size of a TLS record header: content type, legacy
// version, length.
const HeaderLen = 5

// MaxLen is the largest record body TLS allows (2^14 plus the 2048 bytes a
// TLS 1.2 ciphertext may add); a longer one means the stream is not TLS.
const MaxLen = 1<<14 + 2048

// ContentType is a record's (outer) content type. After a TLS 1.3
// handshake's ServerHello every record is ApplicationData on the wire,
// whatever it carries.
type ContentType uint8

const (
	ChangeCipherSpec ContentType = 20
	Alert            ContentType = 21
	Handshake        ContentType = 22
	ApplicationData  ContentType = 23
	Heartbeat        ContentType = 24
)

func (t ContentType) String() string {
	switch t {
	case ChangeCipherSpec:
		return "change_cipher_spec"
	case Alert:
		return "alert"
	case Handshake:
		return "handshake"
	case ApplicationData:
		return "application_data"
	case Heartbeat:
		return "heartbeat"
	}
	return "content_type(" + strconv.Itoa(int(t)) + ")"
}

// A Record is one record found in the stream.
type Record struct {
	Type    ContentType
	Version uint16 // the header's legacy version
	Length  int    // of the body, without the header
	// Body is the record's body when the Splitter keeps bodies, else nil.
	// It is valid only during the callback.
	Body []byte
}

// ErrNotTLS is a Splitter's error once a header announced a body over
// MaxLen: the bytes that follow are not split any more.
var ErrNotTLS = errors.New("tlsrecord: record longer than TLS allows")

// A Splitter is fed a stream's bytes in order and reports each record once
// its last byte has come. The zero value reports headers only; KeepBodies
// makes it hold up to MaxLen bytes to report bodies too.
type Splitter struct {
	KeepBodies bool

	hdr  [HeaderLen]byte
	nhdr int
	rec  Record
	left int // body bytes of rec still to come
	body []byte
	err  error
}

// Err is ErrNotTLS once the stream stopped being split, else nil.
func (s *Splitter) Err() error { return s.err }

// Feed takes the stream's next bytes and calls fn for every record they
// complete, in order.
func (s *Splitter) Feed(p []byte, fn func(Record)) {
	for len(p) > 0 && s.err == nil {
		if s.nhdr < HeaderLen {
			k := copy(s.hdr[s.nhdr:], p)
			s.nhdr += k
			p = p[k:]
			if s.nhdr < HeaderLen {
				return
			}
			n := int(binary.BigEndian.Uint16(s.hdr[3:]))
			if n > MaxLen {
				s.err = ErrNotTLS
				return
			}
			s.rec = Record{Type: ContentType(s.hdr[0]), Version: binary.BigEndian.Uint16(s.hdr[1:]), Length: n}
			s.left = n
			s.body = s.body[:0]
		}
		k := min(s.left, len(p))
		if s.KeepBodies {
			s.body = append(s.body, p[:k]...)
		}
		s.left -= k
		p = p[k:]
		if s.left == 0 {
			r := s.rec
			if s.KeepBodies {
				r.Body = s.body
			}
			s.nhdr = 0
			fn(r)
		}
	}
}
