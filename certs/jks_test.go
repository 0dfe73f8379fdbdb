package certs

import (
	"encoding/binary"
	"errors"
	"testing"
)

func TestCheckJKSRejectsHugeLengths(t *testing.T) {
	t.Parallel()
	// A header announcing one private key entry whose key is 4 GiB long:
	// the decoder would allocate it; checkJKS must refuse first.
	b := binary.BigEndian.AppendUint32(nil, jksMagic)
	b = binary.BigEndian.AppendUint32(b, 2)
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint32(b, 1)       // private key entry
	b = binary.BigEndian.AppendUint16(b, 1)       // alias length
	b = append(b, 'a')                            // alias
	b = binary.BigEndian.AppendUint64(b, 0)       // timestamp
	b = binary.BigEndian.AppendUint32(b, 1<<32-1) // key length
	_, err := Parse(b, Options{Password: "changeit"})
	if !errors.Is(err, ErrUnknownFormat) {
		t.Fatalf("err = %v, want ErrUnknownFormat", err)
	}
	if err := checkJKS(readFx(t, "all.jks")); err != nil {
		t.Errorf("checkJKS rejects keytool's store: %v", err)
	}
}

func TestJKSEntries(t *testing.T) {
	t.Parallel()
	c, err := decodeJKS(readFx(t, "all.jks"), fixturePassword)
	if err != nil {
		t.Fatal(err)
	}
	// Two key entries with a two-certificate chain each, one trusted entry.
	if len(c.keys) != 2 || len(c.certs) != 5 {
		t.Errorf("%d keys, %d certificates; want 2 and 5", len(c.keys), len(c.certs))
	}
}
