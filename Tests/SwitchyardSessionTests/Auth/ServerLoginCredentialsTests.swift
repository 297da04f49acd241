// ServerLoginCredentialsTests: which server requests the proxy can answer with which stored secret.
import SwitchyardCrypto
import SwitchyardSession
import Testing

@Suite struct ServerLoginCredentialsTests {
    static let salt: [UInt8] = [0x01, 0x02, 0x03, 0x04]

    @Test func plaintextPasswordAnswersEveryMethod() {
        let credentials = ServerLoginCredentials(user: "m", secret: .plaintext("pw"))
        #expect(credentials.cleartextResponse() == .success("pw"))
        #expect(credentials.md5Response(salt: Self.salt) == .success(PostgresFixture.md5ResponseSalt01020304))
        #expect((try? credentials.makeScramExchange(nonce: ScramNonce("n")!).get()) != nil)
    }

    @Test func md5SecretAnswersOnlyMD5() {
        let credentials = ServerLoginCredentials(user: "m", secret: .md5(PostgresFixture.md5Secret))
        #expect(credentials.md5Response(salt: Self.salt) == .success(PostgresFixture.md5ResponseSalt01020304))
        #expect(credentials.cleartextResponse() == .failure(.missingCredential(.cleartextPassword)))
        #expect(failure(credentials.makeScramExchange(nonce: ScramNonce("n")!)) == .missingCredential(.scramSHA256))
    }

    @Test func scramSecretAnswersSCRAMOnlyWithARecoveredClientKey() {
        let secret = PostgresFixture.parsedScramSecret()
        let withoutKey = ServerLoginCredentials(user: "u", secret: .scramSHA256(secret))
        #expect(withoutKey.cleartextResponse() == .failure(.missingCredential(.cleartextPassword)))
        #expect(withoutKey.md5Response(salt: Self.salt) == .failure(.missingCredential(.md5Password)))
        #expect(failure(withoutKey.makeScramExchange(nonce: ScramNonce("n")!)) == .missingCredential(.scramSHA256))

        let withKey = ServerLoginCredentials(user: "u", secret: .scramSHA256(secret), recoveredClientKey: [UInt8](repeating: 1, count: 32))
        #expect((try? withKey.makeScramExchange(nonce: ScramNonce("n")!).get()) != nil)
    }

    @Test func noPasswordAnswersNothing() {
        let credentials = ServerLoginCredentials(user: "u", secret: nil)
        #expect(credentials.cleartextResponse() == .failure(.missingCredential(.cleartextPassword)))
        #expect(credentials.md5Response(salt: Self.salt) == .failure(.missingCredential(.md5Password)))
        #expect(failure(credentials.makeScramExchange(nonce: ScramNonce("n")!)) == .missingCredential(.scramSHA256))
    }

    private func failure(_ result: Result<ScramClientExchange, AuthFailure>) -> AuthFailure? {
        if case .failure(let failure) = result { return failure }
        return nil
    }
}
