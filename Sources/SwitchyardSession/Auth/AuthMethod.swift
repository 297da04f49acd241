// AuthMethod: the password methods a PostgreSQL server can ask a client to use.

/// A password method a PostgreSQL server may request (protocol "Authentication" messages).
package enum AuthMethod: Hashable, Sendable {
    /// AuthenticationCleartextPassword: the password itself.
    case cleartextPassword
    /// AuthenticationMD5Password: `"md5" + md5hex(md5hex(password + user) + salt)`.
    case md5Password
    /// AuthenticationSASL offering SCRAM-SHA-256.
    case scramSHA256
}

extension AuthMethod: CustomStringConvertible {
    package var description: String {
        switch self {
        case .cleartextPassword: "cleartext password"
        case .md5Password: "md5 password"
        case .scramSHA256: "SCRAM-SHA-256"
        }
    }
}
