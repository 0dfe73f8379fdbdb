package wsproto

import (
	"bytes"
	"errors"
	"testing"
)

// peerOf returns the role of the endpoint that sends to role.
func peerOf(r Role) Role {
	if r == RoleServer {
		return RoleClient
	}
	return RoleServer
}

var testKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// wire builds one frame as the peer of receiver would send it (masked when
// the receiver is a server), without any validation.
func wire(receiver Role, h Header, payload []byte) []byte {
	if receiver == RoleServer {
		h.Masked = true
		h.Mask = testKey
	}
	return AppendFrame(nil, h, payload)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// decodeAll feeds b in one piece and collects chunks until an error or need-more.
func decodeAll(d *Decoder, b []byte) ([]Chunk, error) {
	d.Feed(b)
	var out []Chunk
	for {
		c, ok, err := d.Next()
		if err != nil {
			return out, err
		}
		if !ok {
			return out, nil
		}
		c.Data = bytes.Clone(c.Data)
		out = append(out, c)
	}
}

func wantCode(t *testing.T, err error, code CloseCode) {
	t.Helper()
	var pe *ProtocolError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want *ProtocolError with code %d", err, code)
	}
	if pe.Code != code {
		t.Fatalf("close code = %d (%v), want %d", pe.Code, err, code)
	}
}

var bothRoles = []Role{RoleServer, RoleClient}
