package main

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tlskit/tlskit/certs"
)

func newCertCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cert",
		Short: "Create, show and convert certificates",
		Example: `  tlskit cert new                              # localhost certificate in ./localhost+2.pem
  tlskit cert show server.pfx --password secret
  tlskit cert convert server.pfx server.pem --password secret`,
	}
	cmd.AddCommand(newCertNewCmd(), newCertShowCmd(), newCertConvertCmd())
	return cmd
}

// loadFlags are the flags every subcommand that reads a store shares.
type loadFlags struct {
	password  string
	subject   string
	key       string
	storeType string
}

func (f *loadFlags) register(cmd *cobra.Command, what string) {
	cmd.Flags().StringVar(&f.password, "password", "", "password of the "+what+" (PFX, JKS, encrypted key)")
	cmd.Flags().StringVar(&f.subject, "subject", "", `certificate to pick: subject, part of it, "*" or Thumbprint=<hex>`)
	cmd.Flags().StringVar(&f.key, "key", "", "separate private key file for the certificate")
	cmd.Flags().StringVar(&f.storeType, "store-type", "auto", "store format: auto, pfx, jks, pem, der, p7b, jwk, or IPWorks's CertStoreType number (2..19, 99)")
}

func (f *loadFlags) load(path string) (*certs.Certificate, error) {
	opts, err := f.options()
	if err != nil {
		return nil, err
	}
	if f.key != "" {
		return certs.LoadPair(path, f.key, opts)
	}
	return certs.Load(path, opts)
}

// options are the flags as certs.Options.
func (f *loadFlags) options() (certs.Options, error) {
	st, err := certs.ParseStoreType(f.storeType)
	if err != nil {
		return certs.Options{}, err
	}
	return certs.Options{StoreType: st, Password: f.password, Subject: f.subject}, nil
}

// ---- new ----

type newFlags struct {
	outCert, outKey string
	keyType         string
	rsaBits         int
	caCert, caKey   string
	caPassword      string
	isCA            bool
	days            int
	force           bool
}

func newCertNewCmd() *cobra.Command {
	var f newFlags
	cmd := &cobra.Command{
		Use:   "new [HOST...]",
		Short: "Create a certificate and key (self-signed, or signed by a CA)",
		Long: `Create a key and a certificate for the given hosts (DNS names, IP addresses,
e-mail addresses or URIs). With no hosts the certificate is for localhost,
127.0.0.1 and ::1. Files are written to the current directory unless
--out-cert/--out-key say otherwise; the key file is readable by you only.`,
		Example: `  tlskit cert new                                  # localhost+2.pem, localhost+2-key.pem
  tlskit cert new example.test '*.example.test' 10.0.0.5
  tlskit cert new --ca --out-cert ca.pem --out-key ca-key.pem
  tlskit cert new api.test --ca-cert ca.pem --ca-key ca-key.pem --key-type rsa --days 30`,
		RunE: func(cmd *cobra.Command, args []string) error { return runCertNew(cmd, args, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.outCert, "out-cert", "", "certificate file (default <first host>[+N].pem)")
	fl.StringVar(&f.outKey, "out-key", "", "private key file (default <first host>[+N]-key.pem)")
	fl.StringVar(&f.keyType, "key-type", "ecdsa", "key algorithm: ecdsa (P-256), rsa or ed25519")
	fl.IntVar(&f.rsaBits, "rsa-bits", 0, "RSA key size: 2048 (default), 3072 or 4096; needs --key-type rsa")
	fl.StringVar(&f.caCert, "ca-cert", "", "sign with this CA certificate (any format; may hold the key)")
	fl.StringVar(&f.caKey, "ca-key", "", "private key of --ca-cert when it is a separate file")
	fl.StringVar(&f.caPassword, "ca-password", "", "password of the CA files")
	fl.BoolVar(&f.isCA, "ca", false, "create a CA certificate that can sign others")
	fl.IntVar(&f.days, "days", 0, "validity in days (default 397, or 3650 with --ca)")
	fl.BoolVar(&f.force, "force", false, "overwrite existing files")
	return cmd
}

func runCertNew(cmd *cobra.Command, hosts []string, f *newFlags) error {
	kt, err := certs.ParseKeyType(f.keyType)
	if err != nil {
		return err
	}
	switch {
	case f.caKey != "" && f.caCert == "":
		return errors.New("--ca-key needs --ca-cert")
	case f.caPassword != "" && f.caCert == "":
		return errors.New("--ca-password needs --ca-cert")
	case f.rsaBits != 0 && kt != certs.KeyRSA:
		return errors.New("--rsa-bits needs --key-type rsa")
	case f.days < 0:
		return errors.New("--days must be positive")
	}
	if len(hosts) == 0 && !f.isCA {
		hosts = []string{"localhost", "127.0.0.1", "::1"}
	}
	opts := certs.GenerateOptions{
		Hosts:    hosts,
		KeyType:  kt,
		RSABits:  f.rsaBits,
		IsCA:     f.isCA,
		ValidFor: time.Duration(f.days) * 24 * time.Hour,
	}
	if f.caCert != "" {
		lf := loadFlags{password: f.caPassword, key: f.caKey, storeType: "auto"}
		if opts.Issuer, err = lf.load(f.caCert); err != nil {
			return err
		}
	}
	base := fileBase(hosts, f.isCA)
	certPath, keyPath := f.outCert, f.outKey
	if certPath == "" {
		certPath = base + ".pem"
	}
	if keyPath == "" {
		keyPath = base + "-key.pem"
	}
	if certPath == keyPath {
		return errors.New("--out-cert and --out-key name the same file")
	}
	if !f.force {
		for _, p := range []string{certPath, keyPath} {
			if _, err := os.Stat(p); err == nil {
				return fmt.Errorf("%s already exists: remove it, choose another name, or pass --force", p)
			}
		}
	}
	c, err := certs.Generate(opts)
	if err != nil {
		return err
	}
	certPEM, keyPEM, err := c.EncodePEM()
	if err != nil {
		return err
	}
	if err := writeFile(keyPath, keyPEM, 0o600); err != nil {
		return err
	}
	if err := writeFile(certPath, certPEM, 0o644); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	what := "certificate for " + strings.Join(hosts, ", ")
	if f.isCA {
		what = "CA certificate " + c.Subject
	}
	if opts.Issuer != nil {
		what += ", signed by " + opts.Issuer.Subject
	}
	fmt.Fprintf(out, "Created a %s\n", what)
	fmt.Fprintf(out, "Certificate: %s\n", certPath)
	fmt.Fprintf(out, "Key: %s\n", keyPath)
	fmt.Fprintf(out, "FingerprintSHA256: %s\n", c.FingerprintSHA256)
	fmt.Fprintf(out, "ExpirationDate: %s\n", c.ExpirationDate.Local().Format(certs.DateLayout))
	return nil
}

// fileBase names output files as mkcert does: the first host, "+N" for N
// more hosts, with "*" and ":" made safe for file names.
func fileBase(hosts []string, isCA bool) string {
	if len(hosts) == 0 {
		if isCA {
			return "tlskit-ca"
		}
		return "tlskit"
	}
	name := strings.NewReplacer("*", "_wildcard", ":", "_", "/", "_", "\\", "_").Replace(hosts[0])
	if len(hosts) > 1 {
		name += fmt.Sprintf("+%d", len(hosts)-1)
	}
	return name
}

func writeFile(path string, data []byte, mode os.FileMode) error {
	if err := os.WriteFile(path, data, mode); err != nil {
		return err
	}
	return os.Chmod(path, mode) // WriteFile keeps the mode of an existing file
}

// ---- show ----

func newCertShowCmd() *cobra.Command {
	var lf loadFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show FILE",
		Short: "Print every field of a certificate (never the private key)",
		Example: `  tlskit cert show localhost+2.pem
  tlskit cert show server.pfx --password secret --json
  tlskit cert show keystore.jks --password changeit --subject "CN=api"
  tlskit cert show bundle.p7b --subject Thumbprint=3F:1A:...
  tlskit cert show cert.der --key key.pem`,
		Args: exactArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := lf.load(args[0])
			if err != nil {
				return err
			}
			v := newCertView(c)
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			v.writeText(cmd.OutOrStdout())
			return nil
		},
	}
	lf.register(cmd, "store")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of Name: value lines")
	return cmd
}

// certView is what show prints; the JSON names are stable.
type certView struct {
	Subject             string    `json:"subject"`
	Issuer              string    `json:"issuer"`
	SerialNumber        string    `json:"serialNumber"`
	EffectiveDate       time.Time `json:"effectiveDate"`
	ExpirationDate      time.Time `json:"expirationDate"`
	Valid               bool      `json:"valid"`
	SubjectAltNames     []string  `json:"subjectAltNames"`
	PublicKeyAlgorithm  string    `json:"publicKeyAlgorithm"`
	PublicKeyLength     int       `json:"publicKeyLength"`
	SignatureAlgorithm  string    `json:"signatureAlgorithm"`
	Usage               string    `json:"usage"`
	UsageFlags          int       `json:"usageFlags"`
	ExtendedKeyUsage    []string  `json:"extendedKeyUsage"`
	Version             string    `json:"version"`
	Fingerprint         string    `json:"fingerprint"`
	FingerprintSHA1     string    `json:"fingerprintSHA1"`
	FingerprintSHA256   string    `json:"fingerprintSHA256"`
	ThumbprintMD5       string    `json:"thumbprintMD5"`
	ThumbprintSHA1      string    `json:"thumbprintSHA1"`
	ThumbprintSHA256    string    `json:"thumbprintSHA256"`
	PrivateKeyAvailable bool      `json:"privateKeyAvailable"`
	Chain               []string  `json:"chain"`
}

func newCertView(c *certs.Certificate) certView {
	v := certView{
		Subject: c.Subject, Issuer: c.Issuer, SerialNumber: c.SerialNumber,
		EffectiveDate: c.EffectiveDate, ExpirationDate: c.ExpirationDate,
		Valid:           c.CheckValidity(time.Now()) == nil,
		SubjectAltNames: nonNil(c.SubjectAltNames), PublicKeyAlgorithm: c.PublicKeyAlgorithm,
		PublicKeyLength: c.PublicKeyLength, SignatureAlgorithm: c.SignatureAlgorithm,
		Usage: c.Usage, UsageFlags: int(c.UsageFlags), ExtendedKeyUsage: nonNil(c.ExtendedKeyUsage),
		Version: c.Version, Fingerprint: c.Fingerprint, FingerprintSHA1: c.FingerprintSHA1,
		FingerprintSHA256: c.FingerprintSHA256, ThumbprintMD5: c.ThumbprintMD5,
		ThumbprintSHA1: c.ThumbprintSHA1, ThumbprintSHA256: c.ThumbprintSHA256,
		PrivateKeyAvailable: c.PrivateKeyAvailable, Chain: []string{},
	}
	for _, ca := range c.Chain {
		v.Chain = append(v.Chain, certs.FromX509(ca).Subject)
	}
	return v
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (v certView) writeText(w io.Writer) {
	date := func(t time.Time) string { return t.Local().Format(certs.DateLayout) }
	lines := []struct{ name, value string }{
		{"Subject", v.Subject},
		{"Issuer", v.Issuer},
		{"SerialNumber", v.SerialNumber},
		{"EffectiveDate", date(v.EffectiveDate)},
		{"ExpirationDate", date(v.ExpirationDate)},
		{"Valid", fmt.Sprint(v.Valid)},
		{"SubjectAltNames", strings.Join(v.SubjectAltNames, ", ")},
		{"PublicKeyAlgorithm", v.PublicKeyAlgorithm},
		{"PublicKeyLength", fmt.Sprint(v.PublicKeyLength)},
		{"SignatureAlgorithm", v.SignatureAlgorithm},
		{"Usage", v.Usage},
		{"UsageFlags", fmt.Sprintf("0x%02x", v.UsageFlags)},
		{"ExtendedKeyUsage", strings.Join(v.ExtendedKeyUsage, ", ")},
		{"Version", v.Version},
		{"Fingerprint", v.Fingerprint},
		{"FingerprintSHA1", v.FingerprintSHA1},
		{"FingerprintSHA256", v.FingerprintSHA256},
		{"ThumbprintMD5", v.ThumbprintMD5},
		{"ThumbprintSHA1", v.ThumbprintSHA1},
		{"ThumbprintSHA256", v.ThumbprintSHA256},
		{"PrivateKeyAvailable", fmt.Sprint(v.PrivateKeyAvailable)},
		{"Chain", strings.Join(v.Chain, " | ")},
	}
	for _, l := range lines {
		fmt.Fprintf(w, "%s: %s\n", l.name, l.value)
	}
}

// ---- convert ----

type convertFlags struct {
	loadFlags
	to          string
	outPassword string
	outKey      string
	force       bool
}

func newCertConvertCmd() *cobra.Command {
	var f convertFlags
	cmd := &cobra.Command{
		Use:   "convert IN OUT",
		Short: "Convert a certificate (and its key and chain) between formats",
		Long: `Read IN in any supported format and write OUT as PEM (certificate chain and
PKCS#8 key), PFX (PKCS#12, AES-256) or DER (the certificate alone). The output
format comes from --to, or else from OUT's extension (.pem .crt .cer .key ->
pem, .pfx .p12 -> pfx, .der -> der).`,
		Example: `  tlskit cert convert server.pfx server.pem --password secret
  tlskit cert convert keystore.jks api.pfx --password changeit --subject api --out-password s3cret
  tlskit cert convert cert.pem cert.der --to der
  tlskit cert convert cert.pem bundle.p12 --key key.pem --out-password secret
  tlskit cert convert server.pfx server.pem --password secret --out-key server-key.pem`,
		Args: exactArgs(2, "IN OUT"),
		RunE: func(cmd *cobra.Command, args []string) error { return runCertConvert(cmd, args[0], args[1], &f) },
	}
	f.register(cmd, "input store")
	fl := cmd.Flags()
	fl.StringVar(&f.to, "to", "", "output format: pem, pfx or der (default from OUT's extension)")
	fl.StringVar(&f.outPassword, "out-password", "", "password of the output PFX (default --password)")
	fl.StringVar(&f.outKey, "out-key", "", "write the private key to this file instead of OUT (pem, der)")
	fl.BoolVar(&f.force, "force", false, "overwrite existing files")
	return cmd
}

func outputFormat(to, out string) (string, error) {
	if to != "" {
		switch to = strings.ToLower(to); to {
		case "pem", "pfx", "der":
			return to, nil
		case "p12", "pkcs12":
			return "pfx", nil
		}
		return "", fmt.Errorf("--to %q: use pem, pfx or der", to)
	}
	switch strings.ToLower(filepath.Ext(out)) {
	case ".pem", ".crt", ".cer", ".key":
		return "pem", nil
	case ".pfx", ".p12":
		return "pfx", nil
	case ".der":
		return "der", nil
	}
	return "", fmt.Errorf("cannot tell the format of %s from its extension: pass --to pem, pfx or der", out)
}

func runCertConvert(cmd *cobra.Command, in, out string, f *convertFlags) error {
	format, err := outputFormat(f.to, out)
	if err != nil {
		return err
	}
	switch {
	case sameFile(in, out):
		return errors.New("IN and OUT are the same file")
	case f.outPassword != "" && format != "pfx":
		return errors.New("--out-password only applies to --to pfx (PEM and DER are written unencrypted)")
	case f.outKey != "" && format == "pfx":
		return errors.New("--out-key does not apply to --to pfx: the key goes inside the PFX")
	case f.outKey != "" && sameFile(f.outKey, out):
		return errors.New("--out-key and OUT are the same file")
	}
	if !f.force {
		for _, p := range []string{out, f.outKey} {
			if _, err := os.Stat(p); p != "" && err == nil {
				return fmt.Errorf("%s already exists: remove it, choose another name, or pass --force", p)
			}
		}
	}
	c, err := f.load(in)
	if err != nil {
		return err
	}
	var data, keyData []byte
	mode := os.FileMode(0o644)
	switch format {
	case "pem":
		certPEM, keyPEM, err := c.EncodePEM()
		if err != nil {
			return err
		}
		data, keyData = certPEM, keyPEM
		if f.outKey == "" && keyPEM != nil {
			data, keyData, mode = append(certPEM, keyPEM...), nil, 0o600
		}
	case "der":
		data = c.EncodeDER()
		if c.PrivateKey != nil && f.outKey != "" {
			if keyData, err = x509.MarshalPKCS8PrivateKey(c.PrivateKey); err != nil {
				return err
			}
		}
	case "pfx":
		pw := f.outPassword
		if pw == "" {
			pw = f.password
		}
		if data, err = c.EncodePFX(pw); err != nil {
			return err
		}
		mode = 0o600
	}
	if keyData != nil {
		if err := writeFile(f.outKey, keyData, 0o600); err != nil {
			return err
		}
	}
	if err := writeFile(out, data, mode); err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	parts := []string{fmt.Sprintf("%d certificate(s)", 1+len(c.Chain))}
	if format == "der" {
		parts[0] = "1 certificate"
	}
	if c.PrivateKey != nil && (format == "pfx" || (format == "pem" && f.outKey == "")) {
		parts = append(parts, "private key")
	}
	fmt.Fprintf(w, "Wrote %s (%s: %s)\n", out, format, strings.Join(parts, ", "))
	if keyData != nil {
		fmt.Fprintf(w, "Wrote %s (private key)\n", f.outKey)
	}
	if format == "der" && c.PrivateKey != nil && f.outKey == "" {
		fmt.Fprintln(w, "Note: the private key was not written; DER holds one object: pass --out-key to write it")
	}
	if format == "der" && len(c.Chain) > 0 {
		fmt.Fprintf(w, "Note: %d chain certificate(s) were not written; DER holds one certificate: use --to pem or pfx\n", len(c.Chain))
	}
	if format == "pfx" && f.outPassword == "" && f.password == "" {
		fmt.Fprintln(w, "Note: the PFX has an empty password: pass --out-password to protect it")
	}
	return nil
}

func sameFile(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// exactArgs rejects a wrong number of arguments with a message naming them.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return fmt.Errorf("%s needs %s (got %d argument(s)); see --help for examples", cmd.CommandPath(), names, len(args))
		}
		return nil
	}
}
