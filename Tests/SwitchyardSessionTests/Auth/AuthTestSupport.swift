// AuthTestSupport: fixtures and helpers shared by the authentication tests.
import SwitchyardCrypto
import SwitchyardSession

/// The bytes of `text` as UTF-8.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A message result as text, for readable expectations.
func text(_ result: Result<[UInt8], AuthFailure>) -> Result<String, AuthFailure> {
    result.map { String(decoding: $0, as: UTF8.self) }
}

/// A `Result<Void, _>` made comparable: `.success(true)` when it succeeded.
func completed(_ result: Result<Void, AuthFailure>) -> Result<Bool, AuthFailure> {
    result.map { true }
}

/// Secrets produced by a real PostgreSQL 15.18 (Debian 15.18-0+deb12u1), with
///
///     SET password_encryption = 'scram-sha-256';
///     CREATE ROLE u LOGIN PASSWORD 'pw';
///     CREATE ROLE nonascii LOGIN PASSWORD 'pässwörd';      -- NFC, as typed
///     SET password_encryption = 'md5';
///     CREATE ROLE m LOGIN PASSWORD 'pw';
///     SELECT rolname, rolpassword FROM pg_authid WHERE rolname IN ('u', 'nonascii', 'm');
enum PostgresFixture {
    static let scramUserPassword = "pw"
    static let scramSecret =
        "SCRAM-SHA-256$4096:5euz4sLR6aibMN2KY8hsTw==$v+KadGrcZOvs8xk9jhnsJKlzOgfjCc7guW5MtIrfrNg=:ecUt+fj3OvumX0vYqRVuigxEkly2DSu0YuqQxyCY2fw="

    static let nonASCIIPassword = "p\u{E4}ssw\u{F6}rd"
    static let nonASCIISecret =
        "SCRAM-SHA-256$4096:zeZzZ2xjRi7ovhUWBgz5WA==$hLd8paiGsu1/4dBUw4/+glop0jaQsti2/KW6pc0uAlA=:I0Hn5bn64kTrEbV0kM3hE+YWrQDPXcFWyy+BxPeh0cY="

    static let md5User = "m"
    static let md5Password = "pw"
    static let md5Secret = "md57764e463c73a54e4bb79b9b9e419e145"

    /// md5 responses computed by the same server's own md5() function:
    ///
    ///     SELECT 'md5' || md5(convert_to(md5('pwm'), 'UTF8') || '\x01020304'::bytea);
    ///     SELECT 'md5' || md5(convert_to(substr(rolpassword, 4), 'UTF8') || '\xdeadbeef'::bytea)
    ///       FROM pg_authid WHERE rolname = 'm';
    static let md5ResponseSalt01020304 = "md5ee117002b937220287fb2760a970c0b6"
    static let md5ResponseSaltDEADBEEF = "md5ffbe00703d6c3cc76b350273ea57b63f"

    static func parsedScramSecret() -> ScramSecret {
        guard case .scramSHA256(let secret)? = StoredSecret(parsing: scramSecret) else {
            preconditionFailure("the PostgreSQL fixture must parse")
        }
        return secret
    }
}

/// RFC 7677 §3's example exchange: user "user", password "pencil".
enum RFC7677 {
    static let password = "pencil"
    static let clientNonce = "rOprNGfwEbeRWgbNEkqO"
    static let serverNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    static let salt = "W22ZaJ0SNY7soEsUEjb6gQ=="
    static let clientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
    static let serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
    static let combinedNonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    static let proof = "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
    static let clientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
    static let serverFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

    /// The verifier for "pencil" with the RFC's salt. Deriving it here is not circular: the
    /// RFC's messages only verify if the derivation is right.
    static let secret = ScramSecret.derive(password: password, salt: Base64.decode(salt)!, iterations: 4096)

    static func serverExchange() -> ScramServerExchange {
        ScramServerExchange(secret: secret, nonce: ScramNonce(serverNonce)!)
    }

    static func clientExchange() -> ScramClientExchange {
        ScramClientExchange(credential: .password(password), nonce: ScramNonce(clientNonce)!, username: "user")
    }
}

/// Runs a complete exchange between our client and our server; returns where each ended.
func runExchange(
    client: inout ScramClientExchange,
    server: inout ScramServerExchange
) -> (serverFinal: Result<[UInt8], AuthFailure>, clientResult: Result<Bool, AuthFailure>?) {
    guard case .success(let serverFirst) = server.receiveClientFirst(client.clientFirstMessage) else {
        return (.failure(.malformed(.unexpectedMessage)), nil)
    }
    guard case .success(let clientFinal) = client.receiveServerFirst(serverFirst) else {
        return (.failure(.malformed(.unexpectedMessage)), nil)
    }
    let serverFinal = server.receiveClientFinal(clientFinal)
    guard case .success(let finalMessage) = serverFinal else { return (serverFinal, nil) }
    return (serverFinal, completed(client.receiveServerFinal(finalMessage)))
}
