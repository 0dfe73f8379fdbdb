package certs

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"
)

func TestFormatDN(t *testing.T) {
	t.Parallel()
	seq := pkix.RDNSequence{
		{{Type: asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}, Value: "com"}},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 6}, Value: "US"}},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 8}, Value: "CA"}},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 10}, Value: `Say "hi", Inc.`}},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 11}, Value: "a"}, {Type: asn1.ObjectIdentifier{2, 5, 4, 11}, Value: "b"}},
		{{Type: asn1.ObjectIdentifier{1, 2, 3, 4}, Value: "x"}},
		{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: " padded"}},
	}
	raw, err := asn1.Marshal(seq)
	if err != nil {
		t.Fatal(err)
	}
	want := `CN=" padded", 1.2.3.4=x, OU=a + OU=b, O="Say ""hi"", Inc.", S=CA, C=US, DC=com`
	if got := formatDN(raw); got != want {
		t.Errorf("formatDN = %q\nwant       %q", got, want)
	}
	if got := formatDN([]byte{0x30, 0x05}); got != "" {
		t.Errorf("formatDN(truncated) = %q, want empty", got)
	}
}
