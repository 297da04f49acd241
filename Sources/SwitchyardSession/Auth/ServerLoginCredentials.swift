// ServerLoginCredentials: what the proxy can answer when a PostgreSQL server asks it to authenticate.

/// The credentials the proxy presents to a server as one user, and the answer to each method.
///
/// Which requests can be answered depends on the secret held:
///
/// | secret held            | cleartext | md5                  | SCRAM-SHA-256                  |
/// | ---------------------- | --------- | -------------------- | ------------------------------ |
/// | plaintext password     | yes       | yes                  | yes                            |
/// | md5 secret             | no        | yes (hash of secret) | no                             |
/// | SCRAM secret           | no        | no                   | only with a recovered ClientKey |
///
/// A SCRAM secret holds StoredKey = H(ClientKey), and a SCRAM proof needs ClientKey itself,
/// which cannot be computed from it. The proxy learns ClientKey only when a client logs into
/// the proxy with SCRAM against that same secret (`ScramServerExchange.clientKey`); it then
/// answers servers whose secret has the same salt and iteration count (the secret was copied
/// from them). Without it, a cluster whose servers ask for SCRAM needs its own plaintext
/// `password` in the configuration. Servers using `trust` ask nothing, so any credentials do.
package struct ServerLoginCredentials: Hashable, Sendable {
    /// The role to log in as (also hashed into md5 responses).
    package var user: String
    /// The configured password; `nil` when none is known.
    package var secret: StoredSecret?
    /// A ClientKey recovered from this user's SCRAM login to the proxy, if any.
    package var recoveredClientKey: [UInt8]?

    package init(user: String, secret: StoredSecret?, recoveredClientKey: [UInt8]? = nil) {
        self.user = user
        self.secret = secret
        self.recoveredClientKey = recoveredClientKey
    }

    /// The PasswordMessage for AuthenticationCleartextPassword.
    package func cleartextResponse() -> Result<String, AuthFailure> {
        switch self.secret {
        case .plaintext(let password): .success(password)
        case .md5, .scramSHA256, nil: .failure(.missingCredential(.cleartextPassword))
        }
    }

    /// The PasswordMessage for AuthenticationMD5Password with `salt`.
    package func md5Response(salt: [UInt8]) -> Result<String, AuthFailure> {
        switch self.secret {
        case .plaintext(let password): .success(MD5Password.clientResponse(user: self.user, password: password, salt: salt))
        case .md5(let secret): .success(MD5Password.clientResponse(md5Secret: secret, salt: salt))
        case .scramSHA256, nil: .failure(.missingCredential(.md5Password))
        }
    }

    /// A SCRAM-SHA-256 exchange for AuthenticationSASL.
    /// - Parameter nonce: the client nonce, from fresh random bytes.
    package func makeScramExchange(nonce: ScramNonce) -> Result<ScramClientExchange, AuthFailure> {
        switch self.secret {
        case .plaintext(let password):
            return .success(ScramClientExchange(credential: .password(password), nonce: nonce))
        case .scramSHA256(let secret):
            guard let clientKey = self.recoveredClientKey else { return .failure(.missingCredential(.scramSHA256)) }
            return .success(ScramClientExchange(credential: .clientKey(clientKey, secret: secret), nonce: nonce))
        case .md5, nil:
            return .failure(.missingCredential(.scramSHA256))
        }
    }
}

extension ServerLoginCredentials: CustomStringConvertible, CustomDebugStringConvertible {
    package var description: String {
        let secret = self.secret.map(String.init(describing:)) ?? "no password"
        return "ServerLoginCredentials(user: \(self.user), \(secret), recovered client key: \(self.recoveredClientKey != nil))"
    }

    package var debugDescription: String { self.description }
}
