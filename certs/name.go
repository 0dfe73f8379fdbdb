package certs

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"strings"
)

// dnNames are the attribute names of IPWorks's DN format ("CN=www.server.com,
// OU=test, C=US, E=support@nsoftware.com"). Other attributes print as their
// dotted OID.
var dnNames = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.4":                    "SN",
	"2.5.4.5":                    "SERIALNUMBER",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "S",
	"2.5.4.9":                    "STREET",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"2.5.4.12":                   "T",
	"2.5.4.42":                   "G",
	"2.5.4.17":                   "PostalCode",
	"1.2.840.113549.1.9.1":       "E",
	"0.9.2342.19200300.100.1.25": "DC",
	"0.9.2342.19200300.100.1.1":  "UID",
}

// formatDN renders a DER Name in IPWorks's format: most specific attribute
// first (the RFC 2253 order), ", " between attributes, " + " inside a
// multi-valued RDN, and values holding a comma, plus, equals sign, quote or
// surrounding space wrapped in double quotes (inner quotes doubled).
func formatDN(raw []byte) string {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(raw, &seq); err != nil || len(rest) != 0 {
		return ""
	}
	parts := make([]string, 0, len(seq))
	for i := len(seq) - 1; i >= 0; i-- {
		attrs := make([]string, 0, len(seq[i]))
		for _, atv := range seq[i] {
			name, ok := dnNames[atv.Type.String()]
			if !ok {
				name = atv.Type.String()
			}
			attrs = append(attrs, name+"="+quoteDNValue(fmt.Sprint(atv.Value)))
		}
		parts = append(parts, strings.Join(attrs, " + "))
	}
	return strings.Join(parts, ", ")
}

func quoteDNValue(v string) string {
	if strings.ContainsAny(v, ",+=\";<>") || strings.HasPrefix(v, "#") || strings.TrimSpace(v) != v {
		return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
	}
	return v
}
