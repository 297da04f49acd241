// ScramUnknownUserTests: an unknown user's SCRAM exchange looks like a real one and fails like a bad password.
@testable import SwitchyardSession
import SwitchyardCrypto
import Testing

@Suite struct ScramUnknownUserTests {
    static let mockKey = [UInt8](repeating: 0x42, count: 32)

    static func mock(_ user: String, key: [UInt8] = mockKey) -> ScramServerExchange {
        ScramServerExchange(mockFor: user, mockKey: key, nonce: ScramNonce("servernonce")!)
    }

    /// The server-first-message's salt and iteration count, as text.
    static func saltAndIterations(_ exchange: inout ScramServerExchange) -> String? {
        guard case .success(let serverFirst) = exchange.receiveClientFirst(bytes("n,,n=,r=clientnonce")) else { return nil }
        return String(decoding: serverFirst, as: UTF8.self).split(separator: ",").dropFirst().joined(separator: ",")
    }

    @Test func unknownUserFailsExactlyLikeABadPassword() {
        let known = ScramSecret.derive(password: "right", salt: randomBytes(count: 16))
        var real = ScramServerExchange(secret: known, nonce: ScramNonce("servernonce")!)
        var mock = Self.mock("nobody")
        var clientOfReal = ScramClientExchange(credential: .password("wrong"), nonce: ScramNonce("clientnonce")!)
        var clientOfMock = ScramClientExchange(credential: .password("wrong"), nonce: ScramNonce("clientnonce")!)
        #expect(runExchange(client: &clientOfReal, server: &real).serverFinal == .failure(.badPassword))
        #expect(runExchange(client: &clientOfMock, server: &mock).serverFinal == .failure(.badPassword))
    }

    @Test func mockExchangeFailsEvenForTheProofOfItsOwnSecret() {
        // The doomed flag is what guarantees failure, not the improbability of guessing keys.
        let secret = ScramSecret.derive(password: "pw", salt: [1, 2, 3, 4])
        var doomed = ScramServerExchange(secret: secret, nonce: ScramNonce("s")!, channelBinding: .unavailable, isDoomed: true)
        var client = ScramClientExchange(credential: .password("pw"), nonce: ScramNonce("c")!)
        #expect(runExchange(client: &client, server: &doomed).serverFinal == .failure(.badPassword))
        #expect(doomed.clientKey == nil)
    }

    @Test func mockServerFirstHasTheShapeOfADerivedSecret() throws {
        var mock = Self.mock("nobody")
        var real = ScramServerExchange(
            secret: ScramSecret.derive(password: "x", salt: randomBytes(count: ScramSecret.defaultSaltLength)),
            nonce: ScramNonce("servernonce")!
        )
        let mockFields = try #require(Self.saltAndIterations(&mock))
        let realFields = try #require(Self.saltAndIterations(&real))
        // "s=<24 base64 characters>,i=4096" for both.
        #expect(mockFields.utf8.count == realFields.utf8.count)
        #expect(mockFields.hasSuffix(",i=4096") && realFields.hasSuffix(",i=4096"))
        #expect(mockFields.hasPrefix("s=") && realFields.hasPrefix("s="))
    }

    @Test func mockSaltIsStablePerUserAndKey() throws {
        var first = Self.mock("nobody")
        var second = Self.mock("nobody")
        var otherUser = Self.mock("somebody")
        var otherKey = Self.mock("nobody", key: [UInt8](repeating: 0x43, count: 32))
        let salt = try #require(Self.saltAndIterations(&first))
        #expect(Self.saltAndIterations(&second) == salt)
        #expect(Self.saltAndIterations(&otherUser) != salt)
        #expect(Self.saltAndIterations(&otherKey) != salt)
    }

    @Test(arguments: ScramServerExchangeMalformedTests.clientFirstCases)
    func malformedClientFirstFailsTheSameForUnknownUsers(name: String, message: [UInt8], expected: AuthFailure.Malformation) {
        var mock = Self.mock("nobody")
        #expect(mock.receiveClientFirst(message) == .failure(.malformed(expected)), "\(name)")
    }

    @Test func malformedClientFinalFailsTheSameForUnknownUsers() {
        for (name, message, expected) in ScramServerExchangeMalformedTests.clientFinalCases {
            var real = ScramServerExchange(secret: RFC7677.secret, nonce: ScramNonce(RFC7677.serverNonce)!)
            var mock = ScramServerExchange(mockFor: "nobody", mockKey: Self.mockKey, nonce: ScramNonce(RFC7677.serverNonce)!)
            _ = real.receiveClientFirst(bytes(RFC7677.clientFirst))
            _ = mock.receiveClientFirst(bytes(RFC7677.clientFirst))
            #expect(real.receiveClientFinal(message) == .failure(expected), "\(name)")
            #expect(mock.receiveClientFinal(message) == .failure(expected), "\(name)")
        }
    }
}
