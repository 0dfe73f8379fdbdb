package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/tlskit/tlskit/tlsconf"
)

// tlsFlags are the TLS settings serve and connect share.
type tlsFlags struct {
	alpn           []string
	minVer, maxVer string
	keyLog         string
}

// tlsFlagNames are the flags registered by tlsFlags.register, for the
// checks that reject them without TLS.
var tlsFlagNames = []string{"alpn", "tls-min", "tls-max", "keylog"}

func (f *tlsFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringSliceVar(&f.alpn, "alpn", nil, "ALPN protocols, most preferred first (comma-separated: h2,http/1.1)")
	fl.StringVar(&f.minVer, "tls-min", "1.2", "lowest TLS version: 1.0, 1.1, 1.2 or 1.3")
	fl.StringVar(&f.maxVer, "tls-max", "1.3", "highest TLS version: 1.0, 1.1, 1.2 or 1.3")
	fl.StringVar(&f.keyLog, "keylog", "", "append TLS secrets to FILE in the NSS key log format (for Wireshark; DANGER: it decrypts the traffic)")
}

// settings turns the flags into tlsconf settings.
func (f *tlsFlags) settings() (tlsconf.Settings, error) {
	minV, err := tlsconf.ParseVersion(f.minVer)
	if err != nil {
		return tlsconf.Settings{}, fmt.Errorf("--tls-min %q: %w", f.minVer, err)
	}
	maxV, err := tlsconf.ParseVersion(f.maxVer)
	if err != nil {
		return tlsconf.Settings{}, fmt.Errorf("--tls-max %q: %w", f.maxVer, err)
	}
	if minV > maxV {
		return tlsconf.Settings{}, fmt.Errorf("--tls-min %s is above --tls-max %s", f.minVer, f.maxVer)
	}
	p, err := tlsconf.ProtocolsFromRange(minV, maxV)
	if err != nil {
		return tlsconf.Settings{}, err
	}
	return tlsconf.Settings{Protocols: p, NextProtos: f.alpn, KeyLogFile: f.keyLog}, nil
}
