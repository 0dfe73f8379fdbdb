// Package certs loads, selects, inspects, converts and generates X.509
// certificates for tlskit's TLS servers and clients.
//
// # Loading
//
// [Load] and [Parse] open a certificate store and select one certificate;
// [LoadStore] and [ParseStore] return the whole [Store]; [LoadPair] joins a
// certificate file with a separate key file. The format is detected from
// the data unless [Options].StoreType names one:
//
//   - PEM: certificates; PKCS#1, PKCS#8 and SEC 1 keys; password-encrypted
//     PKCS#8 (PBES2: PBKDF2 with AES-CBC or DES-EDE3-CBC; the older PKCS#12
//     PBE with 3DES, `openssl pkcs8 -v1 PBE-SHA1-3DES`, and PBES1 with
//     DES; not their RC2 and RC4 variants); OpenSSL's legacy
//     "Proc-Type: 4,ENCRYPTED" keys; PKCS#7 blocks
//   - DER certificates and keys (plain or encrypted PKCS#8)
//   - PKCS#12 (.pfx, .p12): modern AES/PBES2 and legacy 3DES/RC2
//   - PKCS#7 bundles (.p7b), PEM or DER
//   - Java KeyStore (JKS): key entries with chains, trusted certificates
//   - JSON Web Key or key set, with "x5c" certificates and private keys
//
// Any of these may also be Base64 encoded, as IPWorks's "Blob" store types
// allow. [StoreType] numbers the formats as IPWorks's CertStoreType does;
// the Windows stores, PKCS#11, SSH, PPK, XML and BCFKS fail with
// [ErrUnsupportedStore].
//
// # Selection and pairing
//
// Every private key of a store is paired with the certificate holding its
// public key, and the store's other certificates that chain a certificate
// become its Chain, sent during the handshake. [Store.Select] picks by
// subject (exact, then substring; "" or "*" for the first), preferring a
// certificate with a private key, or by "Thumbprint=<hex>".
//
// # Inspection, conversion, generation
//
// [Certificate] holds the parsed *x509.Certificate with its key and chain,
// and the fields of IPWorks's Certificate type as strings and numbers
// (dates, subject, issuer, serial, SANs, MD5/SHA-1/SHA-256 fingerprints, key
// and signature algorithms, usage text and flags, extended key usages,
// version). [Certificate.TLSCertificate] gives a tls.Certificate; EncodePEM,
// EncodeDER and EncodePFX convert. [Generate] makes self-signed or CA-signed
// certificates.
//
// # Renewal
//
// [Watch] keeps a certificate loaded from files and loads it again when
// the files change; its [Watcher.GetCertificate] goes into a server's
// tls.Config, so new handshakes use the renewed certificate while open
// connections keep theirs. A server can also be handed a new certificate
// directly (server.Server.SetCertificate).
//
// # Errors
//
// Errors about a store or a certificate are an *[Error] whose chain holds
// one of the sentinel values; match conditions with errors.Is. Their
// IPWorks numbers (server.Code gives them, for code ported from IPWorks):
// 271 cannot open the store (wrong password, unknown format, unsupported
// store, missing file), 272 certificate not found, 273 no usable private
// key, 280 certificate not valid now.
package certs
