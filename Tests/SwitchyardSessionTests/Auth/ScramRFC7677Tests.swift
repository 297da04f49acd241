// ScramRFC7677Tests: both SCRAM exchanges reproduce RFC 7677's SCRAM-SHA-256 example byte for byte.
import SwitchyardCrypto
import SwitchyardSession
import Testing

// The RFC's client sends its user name ("n=user"); PostgreSQL's clients send "n=" and PostgreSQL
// ignores the field, but it is part of AuthMessage either way. To reproduce the RFC's proof the
// client-first-message here carries "n=user", and the server keeps whatever bytes arrive.
@Suite struct ScramRFC7677Tests {
    @Test func serverExchangeReproducesTheRFCExample() {
        var server = RFC7677.serverExchange()
        #expect(text(server.receiveClientFirst(bytes(RFC7677.clientFirst))) == .success(RFC7677.serverFirst))
        #expect(text(server.receiveClientFinal(bytes(RFC7677.clientFinal))) == .success(RFC7677.serverFinal))
        // The recovered ClientKey hashes to StoredKey: it is the key the RFC client used.
        #expect(server.clientKey.map(sha256) == RFC7677.secret.storedKey)
    }

    @Test func clientExchangeReproducesTheRFCExample() {
        var client = RFC7677.clientExchange()
        #expect(client.clientFirstMessage == bytes(RFC7677.clientFirst))
        #expect(text(client.receiveServerFirst(bytes(RFC7677.serverFirst))) == .success(RFC7677.clientFinal))
        #expect(!client.isSucceeded)
        #expect(completed(client.receiveServerFinal(bytes(RFC7677.serverFinal))) == .success(true))
        #expect(client.isSucceeded)
    }

    @Test func clientRejectsATamperedServerSignature() {
        var client = RFC7677.clientExchange()
        _ = client.receiveServerFirst(bytes(RFC7677.serverFirst))
        // First character changed: a server that does not know ServerKey.
        let forged = "v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
        #expect(completed(client.receiveServerFinal(bytes(forged))) == .failure(.malformed(.serverSignatureMismatch)))
        #expect(client.state == .failed)
    }

    @Test func serverRejectsTheRFCProofForAnotherPassword() {
        let salt = Base64.decode(RFC7677.salt)!
        var server = ScramServerExchange(
            secret: ScramSecret.derive(password: "pencil2", salt: salt),
            nonce: ScramNonce(RFC7677.serverNonce)!
        )
        #expect(text(server.receiveClientFirst(bytes(RFC7677.clientFirst))) == .success(RFC7677.serverFirst))
        #expect(server.receiveClientFinal(bytes(RFC7677.clientFinal)) == .failure(.badPassword))
        #expect(server.clientKey == nil)
    }

    @Test func clientEscapesCommaAndEqualsInTheUserName() {
        let client = ScramClientExchange(credential: .password("x"), nonce: ScramNonce("abc")!, username: "a,b=c")
        #expect(client.clientFirstMessage == bytes("n,,n=a=2Cb=3Dc,r=abc"))
    }

    @Test func postgresDialectClientSendsAnEmptyUserName() {
        let client = ScramClientExchange(credential: .password("x"), nonce: ScramNonce(randomBytes: [1, 2, 3]))
        // base64(01 02 03) = "AQID".
        #expect(client.clientFirstMessage == bytes("n,,n=,r=AQID"))
    }
}
