// ScramSecret: a SCRAM-SHA-256 verifier in PostgreSQL's pg_authid form, parsed and derived.
import SwitchyardCrypto

/// The salt, iteration count, StoredKey and ServerKey that verify SCRAM-SHA-256 logins.
///
/// PostgreSQL stores it in `pg_authid.rolpassword` as
/// `SCRAM-SHA-256$<iterations>:<salt base64>$<StoredKey base64>:<ServerKey base64>`
/// (PostgreSQL docs, "Password Authentication"; RFC 5803 describes the same fields). It lets a
/// server check a client's proof without knowing the password, but not compute a proof itself:
/// that needs the ClientKey, of which StoredKey is only the hash.
package struct ScramSecret: Hashable, Sendable {
    /// PostgreSQL's default iteration count (`scram_iterations`), used for secrets we derive.
    package static let defaultIterations = 4096
    /// PostgreSQL's salt length for the secrets it builds, used for secrets we derive.
    package static let defaultSaltLength = 16
    /// The largest iteration count a stored secret may carry (PostgreSQL's `scram_iterations` is an int).
    package static let maximumStoredIterations = Int(Int32.max)

    package var iterations: Int
    package var salt: [UInt8]
    /// H(ClientKey), 32 bytes.
    package var storedKey: [UInt8]
    /// HMAC(SaltedPassword, "Server Key"), 32 bytes.
    package var serverKey: [UInt8]

    /// - Precondition: `iterations >= 1`, `salt` is not empty, both keys have 32 bytes.
    package init(iterations: Int, salt: [UInt8], storedKey: [UInt8], serverKey: [UInt8]) {
        precondition(iterations >= 1 && !salt.isEmpty, "SCRAM secret needs a salt and a positive iteration count")
        precondition(storedKey.count == ScramKeys.length && serverKey.count == ScramKeys.length, "SCRAM keys have 32 bytes")
        self.iterations = iterations
        self.salt = salt
        self.storedKey = storedKey
        self.serverKey = serverKey
    }

    /// Derives the secret for `password`, as PostgreSQL's `CREATE ROLE ... PASSWORD` does.
    ///
    /// The password's UTF-8 bytes are used as they are. PostgreSQL first applies SASLprep
    /// (RFC 4013) to passwords that are valid UTF-8; that is the identity for ASCII passwords
    /// without control characters, but a non-ASCII password that is not in NFKC form (or holds
    /// non-ASCII spaces or soft hyphens) derives a different secret here than in PostgreSQL.
    /// Costs one PBKDF2 run of `iterations`: derive once per user and keep the result.
    package static func derive(password: String, salt: [UInt8], iterations: Int = defaultIterations) -> ScramSecret {
        let saltedPassword = ScramKeys.saltedPassword(Array(password.utf8), salt: salt, iterations: iterations)
        return ScramSecret(
            iterations: iterations,
            salt: salt,
            storedKey: sha256(ScramKeys.clientKey(saltedPassword)),
            serverKey: ScramKeys.serverKey(saltedPassword)
        )
    }

    /// Parses PostgreSQL's text form; `nil` unless every field is present and valid.
    ///
    /// Stricter than PostgreSQL: the iteration count must be a plain positive decimal number
    /// and the base64 fields canonical.
    package init?(parsing text: String) {
        let prefix = "SCRAM-SHA-256$"
        guard text.hasPrefix(prefix) else { return nil }
        let parts = text.utf8.dropFirst(prefix.utf8.count).split(separator: UInt8(ascii: "$"), omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let parameters = parts[0].split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        let keys = parts[1].split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard parameters.count == 2, keys.count == 2,
            let iterations = ScramIterationCount.parse(Array(parameters[0]), maximum: Self.maximumStoredIterations),
            let salt = Base64.decode(Array(parameters[1])), !salt.isEmpty,
            let storedKey = Base64.decode(Array(keys[0])), storedKey.count == ScramKeys.length,
            let serverKey = Base64.decode(Array(keys[1])), serverKey.count == ScramKeys.length
        else { return nil }
        self.init(iterations: iterations, salt: salt, storedKey: storedKey, serverKey: serverKey)
    }

    /// The secret in PostgreSQL's `pg_authid` text form.
    package var text: String {
        "SCRAM-SHA-256$\(self.iterations):\(Base64.encode(self.salt))$\(Base64.encode(self.storedKey)):\(Base64.encode(self.serverKey))"
    }
}

extension ScramSecret: CustomStringConvertible, CustomDebugStringConvertible {
    /// Shows the parameters only: the keys are password equivalents for SCRAM verification.
    package var description: String { "ScramSecret(iterations: \(self.iterations), salt: \(self.salt.count) bytes)" }
    package var debugDescription: String { self.description }
}
