// AuthenticationGoldenTests: every Authentication* request, captured or derived from the documentation.
import SwitchyardWire
import Testing

@Suite struct AuthenticationGoldenTests {
    typealias Authentication = BackendMessage.Authentication

    static let cases: [(String, Authentication)] = [
        ("backend-authentication-ok", .ok),
        ("backend-authentication-kerberos-v5", .kerberosV5),
        ("backend-authentication-cleartext-password", .cleartextPassword),
        ("backend-authentication-md5-password", .md5Password(salt: [0xD7, 0x1D, 0xBF, 0x15])),
        ("backend-authentication-scm-credential", .scmCredential),
        ("backend-authentication-gss", .gss),
        ("backend-authentication-gss-continue", .gssContinue(data: [0xA1, 0xB2, 0xC3, 0xD4])),
        ("backend-authentication-sspi", .sspi),
        ("backend-authentication-sasl", .sasl(mechanisms: ["SCRAM-SHA-256"])),
        // server-first-message: the combined nonce, the salt and the iteration count.
        ("backend-authentication-sasl-continue", .saslContinue(data: Array(
            "r=SFPOTOA6EwOqi8E5h+niLJu9CHzZMuaFCeUu9YNcL2HftW4m,s=BBIMGACikvlnJQM7+Bx6OQ==,i=4096".utf8))),
        ("backend-authentication-sasl-final", .saslFinal(data: Array("v=j4WgWuTBkUS0B5U7XwvsMNCHM7913tcw6gt6JOecJ/s=".utf8))),
    ]

    @Test(arguments: cases)
    func decodesToTheExpectedRequest(fixture: String, expected: Authentication) throws {
        #expect(try decodeBackend(try Fixture.bytes(fixture)) == .authentication(expected))
    }

    @Test(arguments: cases)
    func encodesToTheFixtureBytes(fixture: String, request: Authentication) throws {
        #expect(encoded { request.encode(into: &$0) } == (try Fixture.bytes(fixture)))
    }

    @Test func saslOfferWithTwoMechanismsKeepsTheServersOrder() throws {
        // Derived from the documentation: Int32(10), then one String per mechanism, then a zero byte.
        // PostgreSQL offers SCRAM-SHA-256-PLUS first when the connection is over TLS.
        let bytes = frame(.ascii("R"), int32(10) + cString("SCRAM-SHA-256-PLUS") + cString("SCRAM-SHA-256") + [0])
        #expect(try decodeBackend(bytes) == .authentication(.sasl(mechanisms: ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"])))
    }

    @Test func unknownAuthenticationCodeIsRejected() {
        #expect(throws: WireDecodingError.invalidValue(field: "authentication code", value: 4)) {
            try decodeBackend(frame(.ascii("R"), int32(4)))
        }
    }
}
