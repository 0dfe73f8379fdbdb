// Package tlsconf turns tlskit's TLS security settings into a standard
// *tls.Config, and reports what a handshake negotiated. The settings can
// also be given by the names and values of IPWorks's configuration settings
// (SSLEnabledProtocols ...), Xojo's ConnectionType and ECMA-419's TLS
// options, for code ported from those products.
//
// # Settings
//
// [Settings] is a plain struct whose zero value is safe: TLS 1.2 and 1.3,
// crypto/tls's secure cipher suites, groups and certificate signature
// algorithms, the system roots for servers' certificates and exactly
// [Settings.ClientCAs] for clients'. [Settings.ServerConfig] and
// [Settings.ClientConfig] build configs; [Settings.Set] and [Settings.Get]
// read and write the settings by their IPWorks names (SSLEnabledProtocols,
// SSLEnabledCipherSuites, TLS13SupportedGroups, ...), returning
// [ErrUnknownSetting] for names of other layers so that servers and
// sockets can fall through to their own.
//
// # Protocol versions
//
// [Protocols] is IPWorks's SSLEnabledProtocols bitmask (TLS1.3 12288,
// TLS1.2 3072, TLS1.1 768, TLS1 192, SSL3 48, SSL2 12). crypto/tls speaks
// TLS 1.0 to 1.3 and accepts one contiguous range, so SSL2, SSL3 and sets
// with a hole (TLS1|TLS1.3) are errors ([ErrUnsupportedProtocol]) rather
// than silently changed. [ConnectionType] maps Xojo's constants and
// [ParseVersion]/[FormatVersion] ECMA-419's version strings.
//
// # Cipher suites and strength
//
// SSLEnabledCipherSuites takes IANA names; "*" means every secure suite.
// crypto/tls applies Config.CipherSuites to TLS 1.0–1.2 only and always
// offers all three TLS 1.3 suites, choosing among them itself. tlskit
// therefore accepts TLS 1.3 suite names only when they cannot mislead:
// with TLS 1.3 enabled, naming all three (or none) is accepted and naming
// some but not all is an error ([ErrNoCipherSuites]); likewise an
// SSLCipherStrength above 128 is an error unless TLS 1.3 is disabled,
// because TLS_AES_128_GCM_SHA256 cannot be removed. With TLS 1.3 disabled,
// TLS 1.3 names have no effect. SSLCipherStrength removes TLS 1.0–1.2
// suites whose bulk cipher is weaker than the minimum ([CipherStrength]).
//
// # Key-exchange groups
//
// TLS12SupportedGroups and TLS13SupportedGroups take IPWorks's names
// (ecdhe_x25519, ecdhe_secp256r1, ecdhe_secp384r1, ecdhe_secp521r1) and the
// IANA names, including the post-quantum hybrids X25519MLKEM768,
// SecP256r1MLKEM768 and SecP384r1MLKEM1024 (TLS 1.3 only). x448 and the
// ffdhe groups are not implemented by crypto/tls and are errors
// ([ErrUnsupportedGroup]) that list the supported names. Each list is a set:
// crypto/tls ignores the order of Config.CurvePreferences (since Go 1.24)
// and picks groups by its own preference. crypto/tls has a single group
// list, so the config offers the union of the enabled versions' sets and
// the handshake is aborted ([ErrGroupRejected], code 276) if the peer
// chooses a group outside the set of the negotiated version.
//
// # Signature algorithms
//
// TLS12SignatureAlgorithms and TLS13SignatureAlgorithms are allow lists for
// the signatures on the peer's certificate chain, enforced from
// VerifyConnection on both sides (server certificates on clients, client
// certificates on servers). What is checked: the signature algorithm
// recorded in every certificate the peer sent (and for ECDSA, the curve of
// the issuer's key when the issuer is known), except a self-signed root
// sent after the leaf, whose self-signature path validation does not use.
// What is not checked: the handshake signature made with the leaf's key
// (CertificateVerify, ServerKeyExchange), which crypto/tls does not report,
// and roots taken from the local trust store. A violation aborts the
// handshake with [ErrSignatureAlgorithm], code 280. SSLAcceptAnyServerCert
// turns the check off on clients along with all other verification.
//
// # Key log
//
// SSLKeyLogFile appends the connections' secrets in the NSS key log format
// to a file created with mode 0600; see [KeyLog]. A config holding the file
// is released with [Close].
//
// # Negotiated details
//
// [Negotiated] turns a tls.ConnectionState into an [Info], which [Info.Get]
// also serves by IPWorks's SSLNegotiated* names.
//
// # Errors
//
// Every error that rejects a setting or aborts a handshake is an [*Error]
// that unwraps to a sentinel (errors.Is) and carries IPWorks's error number
// where one exists (276, 280).
package tlsconf
