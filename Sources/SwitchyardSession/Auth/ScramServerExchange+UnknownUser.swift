// ScramServerExchange+UnknownUser: a SCRAM exchange for a user that does not exist, failing like a bad password.
import SwitchyardCrypto

extension ScramServerExchange {
    /// An exchange for a user name the proxy does not know, indistinguishable from a real one
    /// until it fails with `.badPassword`.
    ///
    /// The client sees the same messages as for a real user: a 16-byte salt and 4096 iterations
    /// (what PostgreSQL and `ScramSecret.derive` produce), the same malformation checks, and at
    /// the end the same proof computation and constant-time comparison, whose result is then
    /// ignored. The salt must not change between attempts, or two logins would tell a probe that
    /// the user is not real: it is derived from the user name under `mockKey`, as PostgreSQL does
    /// with its own per-cluster mock nonce.
    /// - Parameters:
    ///   - username: the user name from the startup message.
    ///   - mockKey: a secret of at least 32 random bytes, drawn once when the daemon starts and
    ///     shared by all its loops; never sent anywhere.
    ///   - nonce: the server's part of the nonce, from fresh random bytes.
    ///   - channelBinding: the connection's binding, as a real user's exchange would get it, so
    ///     that the mechanisms offered do not tell unknown users apart either.
    package init(
        mockFor username: String,
        mockKey: [UInt8],
        nonce: ScramNonce,
        channelBinding: ScramChannelBinding = .unavailable
    ) {
        precondition(mockKey.count >= 32, "the unknown-user key needs at least 32 random bytes")
        func derive(_ purpose: String) -> [UInt8] {
            hmacSHA256(key: mockKey, data: Array(purpose.utf8) + [0] + Array(username.utf8))
        }
        let secret = ScramSecret(
            iterations: ScramSecret.defaultIterations,
            salt: Array(derive("salt").prefix(ScramSecret.defaultSaltLength)),
            storedKey: derive("stored key"),
            serverKey: derive("server key")
        )
        self.init(secret: secret, nonce: nonce, channelBinding: channelBinding, isDoomed: true)
    }
}
