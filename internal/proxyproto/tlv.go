package proxyproto

import (
	"encoding/binary"
	"fmt"
)

// TLV is one type-length-value extension of a version 2 header, or one
// sub-TLV of its SSL TLV.
type TLV struct {
	Type  TLVType
	Value []byte
}

// TLVType is the type byte of a TLV.
type TLVType uint8

// The TLV types the specification defines. Types 0xE0–0xEF are for
// custom use, 0xF0–0xF7 experimental, 0xF8–0xFF reserved: Parse keeps
// them as they are.
const (
	TypeALPN      TLVType = 0x01 // the ALPN protocol the client negotiated
	TypeAuthority TLVType = 0x02 // the host name the client asked for (TLS SNI)
	TypeCRC32C    TLVType = 0x03 // checksum of the header, checked by Parse
	TypeNoop      TLVType = 0x04 // padding, to be ignored
	TypeUniqueID  TLVType = 0x05 // an opaque connection ID of at most 128 bytes
	TypeSSL       TLVType = 0x20 // the client's TLS connection to the sender
	TypeNetNS     TLVType = 0x30 // the network namespace the connection came from

	// Sub-TLVs of TypeSSL.
	TypeSSLVersion TLVType = 0x21 // TLS version, "TLSv1.3"
	TypeSSLCN      TLVType = 0x22 // the client certificate's subject common name
	TypeSSLCipher  TLVType = 0x23 // cipher suite, "ECDHE-RSA-AES128-GCM-SHA256"
	TypeSSLSigAlg  TLVType = 0x24 // the client certificate's signature algorithm, "SHA256"
	TypeSSLKeyAlg  TLVType = 0x25 // the client certificate's key algorithm, "RSA2048"
)

// maxUniqueID is the longest TypeUniqueID value the specification allows.
const maxUniqueID = 128

// sslFixedLen is the client byte and the 32-bit verify result that open
// the SSL TLV's value, before its sub-TLVs.
const sslFixedLen = 5

// Value returns the value of the first TLV of type t, and whether there
// is one.
func (h *Header) Value(t TLVType) ([]byte, bool) { return find(h.TLVs, t) }

// ALPN returns the ALPN protocol the client negotiated with the sender
// ("h2", "http/1.1"), or "".
func (h *Header) ALPN() string { return h.text(TypeALPN) }

// Authority returns the host name the client asked the sender for (its
// TLS server name), or "".
func (h *Header) Authority() string { return h.text(TypeAuthority) }

// UniqueID returns the sender's ID of the connection, or nil.
func (h *Header) UniqueID() []byte { v, _ := h.Value(TypeUniqueID); return v }

// NetNS returns the name of the network namespace the connection came
// from, or "".
func (h *Header) NetNS() string { return h.text(TypeNetNS) }

func (h *Header) text(t TLVType) string { v, _ := h.Value(t); return string(v) }

// SSL describes the client's TLS connection to the sender (TypeSSL).
type SSL struct {
	// Client tells what the client did: ClientSSL and the ClientCert bits.
	Client SSLClient
	// Verify is the sender's verification result of the client
	// certificate: 0 when it was verified.
	Verify uint32
	// TLVs are the sub-TLVs, in the order sent.
	TLVs []TLV
}

// SSLClient is the SSL TLV's client bit field.
type SSLClient uint8

// Bits of SSLClient.
const (
	ClientSSL      SSLClient = 0x01 // the client connected over TLS
	ClientCertConn SSLClient = 0x02 // it presented a certificate on this connection
	ClientCertSess SSLClient = 0x04 // it presented one on this TLS session (maybe resumed)
)

// SSL returns the header's SSL TLV, and whether it has one.
func (h *Header) SSL() (SSL, bool) {
	v, ok := h.Value(TypeSSL)
	if !ok {
		return SSL{}, false
	}
	// Parse checked the value, so this cannot fail.
	subs, _ := parseTLVs(v[sslFixedLen:], "SSL sub-TLV")
	return SSL{Client: SSLClient(v[0]), Verify: binary.BigEndian.Uint32(v[1:5]), TLVs: subs}, true
}

// Version returns the TLS version ("TLSv1.3"), or "".
func (s SSL) Version() string { return s.text(TypeSSLVersion) }

// CommonName returns the client certificate's subject common name, or "".
func (s SSL) CommonName() string { return s.text(TypeSSLCN) }

// Cipher returns the cipher suite's name, or "".
func (s SSL) Cipher() string { return s.text(TypeSSLCipher) }

// SignatureAlgorithm returns the client certificate's signature
// algorithm, or "".
func (s SSL) SignatureAlgorithm() string { return s.text(TypeSSLSigAlg) }

// KeyAlgorithm returns the client certificate's key algorithm, or "".
func (s SSL) KeyAlgorithm() string { return s.text(TypeSSLKeyAlg) }

func (s SSL) text(t TLVType) string { v, _ := find(s.TLVs, t); return string(v) }

func find(tlvs []TLV, t TLVType) ([]byte, bool) {
	for _, x := range tlvs {
		if x.Type == t {
			return x.Value, true
		}
	}
	return nil, false
}

// parseTLVs splits b into TLVs whose values alias b. It fails when a TLV
// overruns b; what names the list in the error ("TLV", "SSL sub-TLV").
func parseTLVs(b []byte, what string) ([]TLV, error) {
	n := 0
	for rest := b; len(rest) > 0; n++ {
		if len(rest) < 3 {
			return nil, fmt.Errorf("%w: %d trailing bytes, too few for a %s", ErrInvalid, len(rest), what)
		}
		l := int(binary.BigEndian.Uint16(rest[1:3]))
		if l > len(rest)-3 {
			return nil, fmt.Errorf("%w: %s 0x%02x of %d bytes overruns its list by %d", ErrInvalid, what, rest[0], l, l-(len(rest)-3))
		}
		rest = rest[3+l:]
	}
	if n == 0 {
		return nil, nil
	}
	tlvs := make([]TLV, 0, n)
	for len(b) > 0 {
		l := int(binary.BigEndian.Uint16(b[1:3]))
		tlvs = append(tlvs, TLV{Type: TLVType(b[0]), Value: b[3 : 3+l : 3+l]})
		b = b[3+l:]
	}
	return tlvs, nil
}

// checkTLV checks the value of a TLV of a type with rules. (The checksum
// is checked by the caller, which has the whole header.)
func checkTLV(x TLV) error {
	switch x.Type {
	case TypeCRC32C:
		if len(x.Value) != 4 {
			return fmt.Errorf("%w: CRC32C TLV of %d bytes, not 4", ErrInvalid, len(x.Value))
		}
	case TypeUniqueID:
		if len(x.Value) > maxUniqueID {
			return fmt.Errorf("%w: UNIQUE_ID TLV of %d bytes, over %d", ErrInvalid, len(x.Value), maxUniqueID)
		}
	case TypeSSL:
		if len(x.Value) < sslFixedLen {
			return fmt.Errorf("%w: SSL TLV of %d bytes, under %d", ErrInvalid, len(x.Value), sslFixedLen)
		}
		if _, err := parseTLVs(x.Value[sslFixedLen:], "SSL sub-TLV"); err != nil {
			return err
		}
	}
	return nil
}
