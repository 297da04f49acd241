// ClientAuthMethod: how the proxy challenges a client logging in as a configured user.

/// The challenge the proxy puts to a client, chosen from the user's stored secret by
/// `StoredSecret.clientAuthMethod(derivationSalt:)`.
///
/// Unknown users always get SCRAM through `ScramServerExchange(mockFor:mockKey:nonce:)`. Users
/// with an md5 secret are therefore told apart from unknown ones by the method asked for, as in
/// PostgreSQL; configuring SCRAM or plaintext secrets avoids that.
package enum ClientAuthMethod: Hashable, Sendable {
    /// Send AuthenticationMD5Password with 4 fresh random bytes and check the PasswordMessage
    /// with `MD5Password.verify(response:md5Secret:salt:)`.
    case md5(md5Secret: String)
    /// Send AuthenticationSASL (`ScramChannelBinding.advertisedMechanisms`) and run a
    /// `ScramServerExchange` with this secret.
    case scramSHA256(ScramSecret)
}

extension ClientAuthMethod: CustomStringConvertible, CustomDebugStringConvertible {
    package var description: String {
        switch self {
        case .md5: "md5"
        case .scramSHA256: "SCRAM-SHA-256"
        }
    }

    package var debugDescription: String { self.description }
}
