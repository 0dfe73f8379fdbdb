package certs

import "testing"

func TestSniff(t *testing.T) {
	t.Parallel()
	for file, want := range map[string]kind{
		"leaf1.pem": kindPEM, "leaf1.der": kindDERCert, "leaf1-key.der": kindDERKey,
		"leaf1-aes.der": kindDEREncryptedKey, "leaf1.p12": kindPFX, "leaf1-legacy.p12": kindPFX,
		"leaf1.p7b.der": kindP7B, "all.jks": kindJKS, "leaf1.jwk": kindJWK,
	} {
		if got := sniff(readFx(t, file)); got != want {
			t.Errorf("sniff(%s) = %s, want %s", file, kindNames[got], kindNames[want])
		}
	}
	for _, data := range [][]byte{nil, {0x30}, {0x30, 0x03, 0x02, 0x01, 0x09}, []byte("hello")} {
		if got := sniff(data); got != kindUnknown {
			t.Errorf("sniff(%x) = %s, want unknown", data, kindNames[got])
		}
	}
}

func TestUnBase64(t *testing.T) {
	t.Parallel()
	if out, ok := unBase64([]byte(" aGVs\nbG8= ")); !ok || string(out) != "hello" {
		t.Errorf("unBase64 = %q, %v", out, ok)
	}
	if _, ok := unBase64([]byte("not base64!")); ok {
		t.Error("unBase64 accepted non-Base64")
	}
}
