// TLSCertificateInfo: facts read from an X.509 certificate: the tls-server-end-point channel-binding
// hash (RFC 5929) and a subject/serial summary for logs.
import COpenSSL

/// A borrowed view of an OpenSSL `X509`; valid only while its owner (context or session) lives.
struct TLSCertificateInfo {
    let certificate: OpaquePointer

    init(_ certificate: OpaquePointer) {
        self.certificate = certificate
    }

    /// The `tls-server-end-point` channel-binding data: the certificate's DER encoding hashed
    /// with the hash function of its signature algorithm, except that MD5 and SHA-1 are replaced
    /// by SHA-256 (RFC 5929 §4.1). `nil` when the signature algorithm names no single hash
    /// (Ed25519, RSA-PSS), as PostgreSQL then offers no binding either.
    var tlsServerEndPointHash: [UInt8]? {
        var digestNID: Int32 = 0
        var keyNID: Int32 = 0
        guard OBJ_find_sigid_algs(X509_get_signature_nid(self.certificate), &digestNID, &keyNID) == 1 else {
            return nil
        }
        let digest: OpaquePointer?
        switch digestNID {
        case NID_md5, NID_sha1:
            digest = EVP_sha256()
        case NID_undef:
            return nil
        default:
            digest = OBJ_nid2sn(digestNID).flatMap { EVP_get_digestbyname($0) }
        }
        guard let digest else { return nil }
        var hash = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(self.certificate, digest, &hash, &length) == 1 else { return nil }
        return Array(hash.prefix(Int(length)))
    }

    /// `subject=/CN=..., serial=0A1B...` in OpenSSL's one-line forms.
    var summary: String {
        var subject = [CChar](repeating: 0, count: 512)
        X509_NAME_oneline(X509_get_subject_name(self.certificate), &subject, Int32(subject.count))
        var serial = "?"
        if let number = ASN1_INTEGER_to_BN(X509_get_serialNumber(self.certificate), nil) {
            if let hex = BN_bn2hex(number) {
                serial = String(cString: hex)
                CRYPTO_free(hex, nil, 0)
            }
            BN_free(number)
        }
        let subjectText = String(decoding: subject.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "subject=\(subjectText), serial=\(serial)"
    }
}
