package certs

import (
	"errors"
	"testing"
)

func TestP7BCorrupt(t *testing.T) {
	t.Parallel()
	data := readFx(t, "leaf1.p7b.der")
	if _, err := Parse(data[:40], Options{StoreType: StoreP7BBlob}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("truncated: err = %v, want ErrUnknownFormat", err)
	}
	corrupt := append([]byte(nil), data...)
	corrupt[len(corrupt)/2] ^= 0xff
	corrupt[len(corrupt)/2+1] ^= 0xff
	_, err := Parse(corrupt, Options{StoreType: StoreP7BBlob})
	// The flipped bytes may land in a signature and go unnoticed; otherwise
	// the error must be typed.
	if err != nil && !errors.Is(err, ErrCannotOpenStore) {
		t.Errorf("err = %v, want a code-271 error", err)
	}
}
