// ScramChannelBindingTests: SCRAM-SHA-256-PLUS with tls-server-end-point, and PostgreSQL's rules for which
// GS2 header goes with which mechanism.
import SwitchyardCrypto
import SwitchyardSession
import Testing

/// A SCRAM-SHA-256-PLUS exchange for password "pencil" with RFC 7677's salt, iteration count and
/// nonces, bound to the `tls-server-end-point` data `bindingHex`.
///
/// The messages were computed independently with Python's standard library (RFC 5802 §3):
///
///     binding  = hashlib.sha256(b"switchyard test certificate").digest()
///     c        = base64(b"p=tls-server-end-point,," + binding)
///     auth     = "n=,r=" + cnonce + "," + server_first + "," + "c=" + c + ",r=" + cnonce + snonce
///     salted   = hashlib.pbkdf2_hmac("sha256", b"pencil", salt, 4096)
///     ck       = hmac(salted, "Client Key"); proof = ck XOR hmac(sha256(ck), auth)
///     v        = hmac(hmac(salted, "Server Key"), auth)
private enum PlusFixture {
    static let bindingHex = "7de0a181f6220bddc1a8a7b60ad561c01b6ef7f595acbd8eb53b90f5dfedd9c5"
    static let clientFirst = "p=tls-server-end-point,,n=,r=\(RFC7677.clientNonce)"
    static let serverFirst = "r=\(RFC7677.combinedNonce),s=\(RFC7677.salt),i=4096"
    static let bindingAttribute = "cD10bHMtc2VydmVyLWVuZC1wb2ludCwsfeChgfYiC93BqKe2CtVhwBtu9/WVrL2OtTuQ9d/t2cU="
    static let proof = "cS88FAtYs6qpOfGuQnY2Hu6VLx1gYNnozHXpONDUMpI="
    static let clientFinal = final(bindingAttribute: bindingAttribute)
    static let serverFinal = "v=M/tarPrelIZgrNkJ02d+FH4XIU6pnrPOS19Q3sGBLU8="

    /// The client-final-message with another `c=` value (and the fixture's proof).
    static func final(bindingAttribute: String) -> String {
        "c=\(bindingAttribute),r=\(RFC7677.combinedNonce),p=\(proof)"
    }

    static var binding: ScramChannelBinding { .tlsServerEndPoint(Hex.decode(bindingHex)!) }

    static func serverExchange(binding: ScramChannelBinding = Self.binding) -> ScramServerExchange {
        ScramServerExchange(secret: RFC7677.secret, nonce: ScramNonce(RFC7677.serverNonce)!, channelBinding: binding)
    }
}

@Suite struct ScramChannelBindingTests {
    typealias M = AuthFailure.Malformation

    /// PostgreSQL 15 advertises the channel-binding variant first when TLS is in use
    /// (`scram_get_mechanisms` in src/backend/libpq/auth-scram.c), and only SCRAM-SHA-256 without.
    @Test func tlsConnectionsOfferThePlusMechanismFirst() {
        #expect(PlusFixture.binding.advertisedMechanisms == ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"])
        #expect(ScramChannelBinding.unavailable.advertisedMechanisms == ["SCRAM-SHA-256"])
    }

    @Test func plusExchangeBoundToTheCertificateHashSucceeds() throws {
        var server = PlusFixture.serverExchange()
        let first = server.receiveClientFirst(bytes(PlusFixture.clientFirst), mechanism: "SCRAM-SHA-256-PLUS")
        #expect(text(first) == .success(PlusFixture.serverFirst))
        let final = server.receiveClientFinal(bytes(PlusFixture.clientFinal))
        #expect(text(final) == .success(PlusFixture.serverFinal))
        let clientKey = try #require(server.clientKey)
        #expect(sha256(clientKey) == RFC7677.secret.storedKey)
    }

    /// A man in the middle terminates TLS with its own certificate: the client binds to that
    /// certificate's hash, which is not ours, and the exchange fails before the proof counts.
    @Test func bindingToAnotherCertificateFails() {
        var server = PlusFixture.serverExchange()
        _ = server.receiveClientFirst(bytes(PlusFixture.clientFirst), mechanism: "SCRAM-SHA-256-PLUS")
        let otherHash = sha256(bytes("the certificate of someone in the middle"))
        let otherBinding = Base64.encode(bytes("p=tls-server-end-point,,") + otherHash)
        let final = PlusFixture.final(bindingAttribute: otherBinding)
        #expect(server.receiveClientFinal(bytes(final)) == .failure(.malformed(.channelBindingMismatch)))
        #expect(server.clientKey == nil)
    }

    /// `c=` must carry the binding data too, not only the GS2 header.
    @Test func headerWithoutBindingDataFails() {
        var server = PlusFixture.serverExchange()
        _ = server.receiveClientFirst(bytes(PlusFixture.clientFirst), mechanism: "SCRAM-SHA-256-PLUS")
        let headerOnly = Base64.encode(bytes("p=tls-server-end-point,,"))
        let final = PlusFixture.final(bindingAttribute: headerOnly)
        #expect(server.receiveClientFinal(bytes(final)) == .failure(.malformed(.channelBindingMismatch)))
    }

    /// Over TLS a client may still choose SCRAM-SHA-256 with `n,,`: RFC 7677's own messages pass.
    @Test func plainScramStillWorksOverTLS() {
        var server = PlusFixture.serverExchange()
        #expect(text(server.receiveClientFirst(bytes(RFC7677.clientFirst), mechanism: "SCRAM-SHA-256")) == .success(RFC7677.serverFirst))
        #expect(text(server.receiveClientFinal(bytes(RFC7677.clientFinal))) == .success(RFC7677.serverFinal))
    }

    /// Which GS2 header goes with which mechanism, as PostgreSQL 15's `read_client_first_message`
    /// decides (src/backend/libpq/auth-scram.c):
    /// - PLUS selected, header `n` or `y`: "The client selected SCRAM-SHA-256-PLUS, but the SCRAM
    ///   message does not include channel binding data." (08P01)
    /// - SCRAM-SHA-256 selected, header `p=`: "... but the SCRAM message includes channel binding
    ///   data." (08P01)
    /// - SCRAM-SHA-256 selected, header `y`, over TLS: "SCRAM channel binding negotiation error"
    ///   (28000): the client could have bound, so someone may have hidden the PLUS mechanism.
    /// - `p=` with a type other than tls-server-end-point: "unsupported SCRAM channel-binding type".
    static let headerCases: [(String, ScramChannelBinding, String, String, M?)] = [
        ("TLS, PLUS, p=tls-server-end-point", PlusFixture.binding, "SCRAM-SHA-256-PLUS", "p=tls-server-end-point,,", nil),
        ("TLS, PLUS, n", PlusFixture.binding, "SCRAM-SHA-256-PLUS", "n,,", .channelBindingMissing),
        ("TLS, PLUS, y", PlusFixture.binding, "SCRAM-SHA-256-PLUS", "y,,", .channelBindingMissing),
        ("TLS, PLUS, p=tls-unique", PlusFixture.binding, "SCRAM-SHA-256-PLUS", "p=tls-unique,,", .unsupportedChannelBindingType("tls-unique")),
        ("TLS, plain, n", PlusFixture.binding, "SCRAM-SHA-256", "n,,", nil),
        ("TLS, plain, y", PlusFixture.binding, "SCRAM-SHA-256", "y,,", .channelBindingDowngrade),
        ("TLS, plain, p=tls-server-end-point", PlusFixture.binding, "SCRAM-SHA-256", "p=tls-server-end-point,,", .channelBindingUnexpected),
        ("no TLS, plain, n", .unavailable, "SCRAM-SHA-256", "n,,", nil),
        ("no TLS, plain, y", .unavailable, "SCRAM-SHA-256", "y,,", nil),
        ("no TLS, plain, p=tls-server-end-point", .unavailable, "SCRAM-SHA-256", "p=tls-server-end-point,,", .channelBindingNotSupported),
        ("no TLS, PLUS, n", .unavailable, "SCRAM-SHA-256-PLUS", "n,,", .channelBindingNotSupported),
    ]

    @Test(arguments: headerCases)
    func headerMustMatchTheMechanism(
        name: String, binding: ScramChannelBinding, mechanism: String, header: String, expected: M?
    ) {
        var server = PlusFixture.serverExchange(binding: binding)
        let result = server.receiveClientFirst(bytes(header + "n=,r=abc"), mechanism: mechanism)
        if let expected {
            #expect(result == .failure(.malformed(expected)), "\(name)")
        } else {
            #expect(text(result).map { $0.hasPrefix("r=abc") } == .success(true), "\(name)")
        }
    }

    /// An unknown user over TLS is offered the same mechanisms and runs the PLUS exchange to
    /// the end, failing only as a wrong password would.
    @Test func unknownUserOverTLSFailsLikeABadPassword() {
        var server = ScramServerExchange(
            mockFor: "nobody", mockKey: [UInt8](repeating: 9, count: 32), nonce: ScramNonce(RFC7677.serverNonce)!,
            channelBinding: PlusFixture.binding)
        #expect(server.channelBinding.advertisedMechanisms == PlusFixture.binding.advertisedMechanisms)
        guard case .success = server.receiveClientFirst(bytes(PlusFixture.clientFirst), mechanism: "SCRAM-SHA-256-PLUS") else {
            Issue.record("the client-first-message must be accepted")
            return
        }
        #expect(server.receiveClientFinal(bytes(PlusFixture.clientFinal)) == .failure(.badPassword))
    }
}
