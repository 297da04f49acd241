// StoredSecret: a configured user's password in one of PostgreSQL's three stored forms.
import SwitchyardCrypto

/// A user's password as configured: plaintext, an md5 secret or a SCRAM-SHA-256 secret.
///
/// The forms are told apart as PostgreSQL's `get_password_type` does: exactly "md5" followed by
/// 32 lower-case hex digits is an md5 secret; `SCRAM-SHA-256$...` is a SCRAM secret; anything
/// else is a plaintext password.
package enum StoredSecret: Hashable, Sendable {
    /// The password itself.
    case plaintext(String)
    /// `"md5" + md5hex(password + user)`: bound to the user name it was made with.
    case md5(String)
    /// A SCRAM-SHA-256 verifier.
    case scramSHA256(ScramSecret)

    /// Parses a configured password; `nil` if the text starts with `SCRAM-SHA-256$` but is not a
    /// valid secret. PostgreSQL would take such text as a plaintext password; here it is almost
    /// certainly a secret pasted wrong, so the config layer reports it.
    package init?(parsing text: String) {
        if text.hasPrefix("SCRAM-SHA-256$") {
            guard let secret = ScramSecret(parsing: text) else { return nil }
            self = .scramSHA256(secret)
        } else if text.hasPrefix("md5"), Hex.isLowercaseHex(text.utf8.dropFirst(3), count: 32) {
            self = .md5(text)
        } else {
            self = .plaintext(text)
        }
    }

    /// How the proxy challenges a client logging in as this user.
    ///
    /// md5 secret → md5 (SCRAM cannot be verified from it); SCRAM secret → SCRAM; plaintext →
    /// SCRAM against a secret derived with `derivationSalt` (16 fresh random bytes) and 4096
    /// iterations. The derivation costs a PBKDF2 run: call this once per user when the
    /// configuration is loaded and keep the result, not per login.
    package func clientAuthMethod(derivationSalt: [UInt8]) -> ClientAuthMethod {
        switch self {
        case .plaintext(let password):
            .scramSHA256(ScramSecret.derive(password: password, salt: derivationSalt))
        case .md5(let secret):
            .md5(md5Secret: secret)
        case .scramSHA256(let secret):
            .scramSHA256(secret)
        }
    }
}

extension StoredSecret: CustomStringConvertible, CustomDebugStringConvertible {
    /// Names the form only: every form is a password equivalent for some method.
    package var description: String {
        switch self {
        case .plaintext: "plaintext password"
        case .md5: "md5 secret"
        case .scramSHA256(let secret): "SCRAM-SHA-256 secret (\(secret.iterations) iterations)"
        }
    }

    package var debugDescription: String { self.description }
}
