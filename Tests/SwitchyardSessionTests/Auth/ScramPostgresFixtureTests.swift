// ScramPostgresFixtureTests: our SCRAM code against secrets made by a real PostgreSQL 15.
import SwitchyardCrypto
import SwitchyardSession
import Testing

@Suite struct ScramPostgresFixtureTests {
    @Test func parsesPostgresSecretAndWritesItBackUnchanged() throws {
        let secret = PostgresFixture.parsedScramSecret()
        #expect(secret.iterations == 4096)
        #expect(secret.salt.count == 16)
        #expect(secret.text == PostgresFixture.scramSecret)
    }

    @Test(arguments: [
        (PostgresFixture.scramUserPassword, PostgresFixture.scramSecret),
        (PostgresFixture.nonASCIIPassword, PostgresFixture.nonASCIISecret),
    ])
    func derivationWithPostgresSaltGivesPostgresSecret(password: String, pgSecret: String) throws {
        let parsed = try #require(ScramSecret(parsing: pgSecret))
        let derived = ScramSecret.derive(password: password, salt: parsed.salt, iterations: parsed.iterations)
        #expect(derived.text == pgSecret)
    }

    @Test func serverExchangeWithPostgresSecretAcceptsClientKnowingThePassword() throws {
        var client = ScramClientExchange(
            credential: .password(PostgresFixture.scramUserPassword),
            nonce: ScramNonce(randomBytes: randomBytes(count: ScramNonce.randomByteCount))
        )
        var server = ScramServerExchange(
            secret: PostgresFixture.parsedScramSecret(),
            nonce: ScramNonce(randomBytes: randomBytes(count: ScramNonce.randomByteCount))
        )
        let (serverFinal, clientResult) = runExchange(client: &client, server: &server)
        #expect(serverFinal.map { $0.starts(with: bytes("v=")) } == .success(true))
        #expect(clientResult == .success(true))
        #expect(client.isSucceeded)
        // The proof the client computed from the server's salt and iteration count carries a
        // ClientKey whose hash is PostgreSQL's StoredKey.
        let clientKey = try #require(server.clientKey)
        #expect(sha256(clientKey) == PostgresFixture.parsedScramSecret().storedKey)
    }

    @Test func serverExchangeWithPostgresSecretRejectsAWrongPassword() {
        var client = ScramClientExchange(credential: .password("pw2"), nonce: ScramNonce("clientnonce")!)
        var server = ScramServerExchange(secret: PostgresFixture.parsedScramSecret(), nonce: ScramNonce("servernonce")!)
        let (serverFinal, clientResult) = runExchange(client: &client, server: &server)
        #expect(serverFinal == .failure(.badPassword))
        #expect(clientResult == nil)
        #expect(server.clientKey == nil)
    }

    @Test func recoveredClientKeyLogsIntoAServerWithTheSameSecret() throws {
        let secret = PostgresFixture.parsedScramSecret()
        // A client logs into the proxy...
        var client = ScramClientExchange(credential: .password("pw"), nonce: ScramNonce("c1")!)
        var proxyServer = ScramServerExchange(secret: secret, nonce: ScramNonce("s1")!)
        _ = runExchange(client: &client, server: &proxyServer)
        let clientKey = try #require(proxyServer.clientKey)

        // ...and the proxy logs into a server holding that secret without the password.
        var proxyClient = ScramClientExchange(credential: .clientKey(clientKey, secret: secret), nonce: ScramNonce("c2")!)
        var server = ScramServerExchange(secret: secret, nonce: ScramNonce("s2")!)
        let (serverFinal, clientResult) = runExchange(client: &proxyClient, server: &server)
        #expect(serverFinal.map { _ in true } == .success(true))
        #expect(clientResult == .success(true))
    }

    @Test func recoveredClientKeyCannotAnswerAServerWithAnotherSalt() throws {
        let secret = PostgresFixture.parsedScramSecret()
        var client = ScramClientExchange(credential: .password("pw"), nonce: ScramNonce("c1")!)
        var proxyServer = ScramServerExchange(secret: secret, nonce: ScramNonce("s1")!)
        _ = runExchange(client: &client, server: &proxyServer)
        let clientKey = try #require(proxyServer.clientKey)

        var proxyClient = ScramClientExchange(credential: .clientKey(clientKey, secret: secret), nonce: ScramNonce("c2")!)
        // Same password, but the server's secret was made with another salt.
        let otherSalt = "r=c2s2,s=\(Base64.encode([UInt8](repeating: 7, count: 16))),i=4096"
        #expect(proxyClient.receiveServerFirst(bytes(otherSalt)) == .failure(.missingCredential(.scramSHA256)))
        #expect(proxyClient.state == .failed)
    }

    @Test func plaintextUserIsVerifiedAgainstItsDerivedSecret() {
        let method = StoredSecret.plaintext("hunter2").clientAuthMethod(derivationSalt: randomBytes(count: 16))
        guard case .scramSHA256(let secret) = method else {
            Issue.record("a plaintext password must be verified with SCRAM, got \(method)")
            return
        }
        #expect(secret.iterations == 4096 && secret.salt.count == 16)
        var good = ScramClientExchange(credential: .password("hunter2"), nonce: ScramNonce("a")!)
        var server = ScramServerExchange(secret: secret, nonce: ScramNonce("b")!)
        #expect(runExchange(client: &good, server: &server).clientResult == .success(true))
        var bad = ScramClientExchange(credential: .password("hunter3"), nonce: ScramNonce("a")!)
        server = ScramServerExchange(secret: secret, nonce: ScramNonce("b")!)
        #expect(runExchange(client: &bad, server: &server).serverFinal == .failure(.badPassword))
    }
}
