// MD5Password: PostgreSQL's md5 password method, for checking clients and answering servers.
import SwitchyardCrypto

/// PostgreSQL's `md5` password method (protocol docs, AuthenticationMD5Password):
///
///     secret   = "md5" + md5hex(password + user)       -- what pg_authid stores
///     response = "md5" + md5hex(md5hex(password + user) + salt)
///
/// where `salt` is the 4 random bytes of AuthenticationMD5Password and `md5hex` is lower-case
/// hex. The response needs only the secret's hex digits, so an md5 secret answers an md5
/// challenge as well as the password does. MD5 is weak; SCRAM is preferred wherever the
/// stored secret allows.
package enum MD5Password {
    /// The salt length of AuthenticationMD5Password.
    package static let saltLength = 4

    /// The md5 secret PostgreSQL stores for `user` with `password` ("md5" + 32 hex digits).
    package static func secret(user: String, password: String) -> String {
        "md5" + md5Hex(Array(password.utf8) + Array(user.utf8))
    }

    // MARK: - Verifying a client

    /// The PasswordMessage a client must send for the md5 secret `md5Secret` and `salt`.
    package static func serverExpectedResponse(md5Secret: String, salt: [UInt8]) -> String {
        Self.response(md5Secret: md5Secret, salt: salt)
    }

    /// Checks a client's PasswordMessage against the md5 secret; anything but the exact expected
    /// response (including an empty or non-md5 answer) is `.badPassword`.
    package static func verify(response: String, md5Secret: String, salt: [UInt8]) -> Result<Void, AuthFailure> {
        let expected = Self.serverExpectedResponse(md5Secret: md5Secret, salt: salt)
        return constantTimeEquals(Array(response.utf8), Array(expected.utf8)) ? .success(()) : .failure(.badPassword)
    }

    // MARK: - Answering a server

    /// The PasswordMessage answering an md5 challenge when the proxy knows the password.
    package static func clientResponse(user: String, password: String, salt: [UInt8]) -> String {
        Self.response(md5Secret: Self.secret(user: user, password: password), salt: salt)
    }

    /// The PasswordMessage answering an md5 challenge with only the md5 secret.
    package static func clientResponse(md5Secret: String, salt: [UInt8]) -> String {
        Self.response(md5Secret: md5Secret, salt: salt)
    }

    private static func response(md5Secret: String, salt: [UInt8]) -> String {
        // PostgreSQL hashes the 32 hex digits after "md5", followed by the raw salt bytes.
        "md5" + md5Hex(Array(md5Secret.utf8.dropFirst(3)) + salt)
    }
}
