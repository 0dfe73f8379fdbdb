package tlsconf

import (
	"crypto/tls"
	"path/filepath"
	"testing"
)

// A ClientConfig that fails on the client certificate never closes a key
// log writer the caller gave in Config or Settings.KeyLogWriter, which its
// other connections share.
func TestClientConfigErrorKeepsCallersKeyLog(t *testing.T) {
	bad := [][]byte{[]byte("not DER")}
	for _, how := range []string{"Config", "Settings"} {
		t.Run(how, func(t *testing.T) {
			kl, err := OpenKeyLog(filepath.Join(t.TempDir(), "keys"))
			if err != nil {
				t.Fatal(err)
			}
			defer kl.Close()
			o := Options{ClientCertificate: bad, ClientKey: []byte("x")}
			if how == "Config" {
				o.Config = &tls.Config{KeyLogWriter: kl}
			} else {
				o.Settings.KeyLogWriter = kl
			}
			if _, err := o.ClientConfig("example.com"); err == nil {
				t.Fatal("ClientConfig accepted a bad client certificate")
			}
			if _, err := kl.Write([]byte("# still open\n")); err != nil {
				t.Fatalf("the caller's key log was closed: %v", err)
			}
		})
	}
}
