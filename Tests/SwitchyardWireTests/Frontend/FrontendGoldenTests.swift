// FrontendGoldenTests: captured client messages decode to the expected values and encode back.
import SwitchyardWire
import Testing

@Suite struct FrontendGoldenTests {
    typealias Bind = FrontendMessage.Bind

    /// Values written out from the captures (see each fixture's header for the client).
    static let cases: [(String, DecodedFrontendMessage)] = [
        ("frontend-query", .query(.init(sql: "SELECT id, name, price FROM items ORDER BY id;"))),
        ("frontend-query-empty", .query(.init(sql: ""))),
        ("frontend-parse", .parse(.init(name: "", query: "SELECT abalance FROM pgbench_accounts WHERE aid = $1;"))),
        ("frontend-parse-named", .parse(.init(name: "stmt1", query: "SELECT name FROM items WHERE id = $1", parameterTypes: [23]))),
        // psycopg declared int2 (21), text (25) and left the NULL's type open (0).
        ("frontend-parse-three-types", .parse(.init(
            name: "", query: "SELECT $1::int4 + 1 AS n, $2::text AS t, $3::int4 AS z", parameterTypes: [21, 25, 0]))),
        ("frontend-bind", .bind(Bind(portal: "", statement: "", parameters: [Array("47346".utf8)], resultFormats: [0]))),
        ("frontend-bind-named-statement", .bind(Bind(
            portal: "", statement: "P_0", parameters: [Array("15599".utf8)], resultFormats: [0]))),
        // 41 as a binary int2, "hi" as binary text, NULL as text (length -1); results in binary.
        ("frontend-bind-binary-null", .bind(Bind(
            portal: "", statement: "", parameterFormats: [1, 1, 0],
            parameters: [[0x00, 0x29], Array("hi".utf8), nil], resultFormats: [1]))),
        ("frontend-describe-portal", .describe(.init(kind: .portal, name: ""))),
        ("frontend-describe-statement", .describe(.init(kind: .statement, name: "stmt1"))),
        ("frontend-execute", .execute(.init(portal: "", maxRows: 0))),
        ("frontend-execute-max-rows", .execute(.init(portal: "", maxRows: 2))),
        ("frontend-close-statement", .close(.init(kind: .statement, name: "stmt1"))),
        ("frontend-close-portal", .close(.init(kind: .portal, name: ""))),
        ("frontend-sync", .sync),
        ("frontend-flush", .flush),
        ("frontend-terminate", .terminate),
        // psql sends the data with its end-of-data line.
        ("frontend-copy-data", .copyData(CopyData(data: Array("1\tone\n2\t\\N\n\\.\n".utf8)))),
        ("frontend-copy-done", .copyDone),
        ("frontend-copy-fail", .copyFail(.init(message: "error from Python: RuntimeError - abandoned by client"))),
        // lowrite (OID 955) on descriptor 0, both arguments and the result binary.
        ("frontend-function-call", .functionCall(.init(
            functionOID: 955, argumentFormats: [1],
            arguments: [[0, 0, 0, 0], Array("large object body\n".utf8)], resultFormat: 1))),
        ("frontend-password-cleartext", .passwordFamily(Array("clear-secret".utf8) + [0])),
    ]

    @Test(arguments: cases)
    func decodesToTheCapturedValue(fixture: String, expected: DecodedFrontendMessage) throws {
        #expect(try decodeFrontend(try Fixture.bytes(fixture)) == expected)
    }

    @Test(arguments: cases)
    func encodesToTheCapturedBytes(fixture: String, message: DecodedFrontendMessage) throws {
        #expect(encoded { message.encode(into: &$0) } == (try Fixture.bytes(fixture)))
    }

    @Test func bindAppliesTheProtocolsFormatRule() {
        let none = Bind(portal: "", statement: "", parameterFormats: [], parameters: [nil, nil])
        let one = Bind(portal: "", statement: "", parameterFormats: [1], parameters: [nil, nil])
        let each = Bind(portal: "", statement: "", parameterFormats: [1, 0], parameters: [nil, nil])
        #expect([none.format(ofParameter: 1), one.format(ofParameter: 1), each.format(ofParameter: 0), each.format(ofParameter: 1)] == [0, 1, 1, 0])
    }

    @Test func typeBytesAreThoseOfTheProtocolDocumentation() {
        // https://www.postgresql.org/docs/15/protocol-message-formats.html
        let expected: [FrontendMessageID: Character] = [
            .bind: "B", .close: "C", .copyData: "d", .copyDone: "c", .copyFail: "f", .describe: "D", .execute: "E",
            .flush: "H", .functionCall: "F", .parse: "P", .password: "p", .query: "Q", .sync: "S", .terminate: "X",
        ]
        #expect(expected.count == FrontendMessageID.allCases.count)
        for (id, character) in expected {
            #expect(id.rawValue == character.asciiValue)
        }
    }
}

/// 'p' messages: opaque to the framer, typed once the authentication exchange says which one.
@Suite struct PasswordFamilyGoldenTests {
    @Test func cleartextPasswordMessage() throws {
        let fixture = try Fixture.bytes("frontend-password-cleartext")
        let message = try decodeBody(body(of: fixture)) { reader throws(WireDecodingError) in
            try FrontendMessage.PasswordMessage.decode(from: &reader)
        }
        #expect(message == .init(password: "clear-secret"))
        #expect(encoded { message.encode(into: &$0) } == fixture)
    }

    @Test func md5PasswordMessage() throws {
        let fixture = try Fixture.bytes("frontend-password-md5")
        guard case .passwordFamily(let body) = try decodeFrontend(fixture) else {
            Issue.record("'p' did not stay opaque")
            return
        }
        let message = try decodeBody(body) { reader throws(WireDecodingError) in try FrontendMessage.PasswordMessage.decode(from: &reader) }
        #expect(message == .init(password: "md5353b36f264cb2231561667097c9c3c7f"))
        #expect(encoded { message.encode(into: &$0) } == fixture)
    }

    @Test func saslInitialResponse() throws {
        let fixture = try Fixture.bytes("frontend-sasl-initial-response")
        let message = try decodeBody(body(of: fixture)) { reader throws(WireDecodingError) in
            try FrontendMessage.SASLInitialResponse.decode(from: &reader)
        }
        // client-first-message: no channel binding ("n,,"), empty user name, then the client nonce.
        #expect(message == .init(mechanism: "SCRAM-SHA-256", data: Array("n,,n=,r=SFPOTOA6EwOqi8E5h+niLJu9".utf8)))
        #expect(encoded { message.encode(into: &$0) } == fixture)
    }

    @Test func saslInitialResponseWithoutData() throws {
        // Derived from the documentation: String("SCRAM-SHA-256"), Int32(-1) for "no initial response".
        let bytes = frame(.ascii("p"), cString("SCRAM-SHA-256") + int32(-1))
        let message = try decodeBody(body(of: bytes)) { reader throws(WireDecodingError) in
            try FrontendMessage.SASLInitialResponse.decode(from: &reader)
        }
        #expect(message == .init(mechanism: "SCRAM-SHA-256", data: nil))
        #expect(encoded { message.encode(into: &$0) } == bytes)
    }

    @Test func saslResponse() throws {
        let fixture = try Fixture.bytes("frontend-sasl-response")
        let message = try decodeBody(body(of: fixture)) { reader throws(WireDecodingError) in
            FrontendMessage.SASLResponse.decode(from: &reader)
        }
        let expected = "c=biws,r=SFPOTOA6EwOqi8E5h+niLJu9CHzZMuaFCeUu9YNcL2HftW4m,p=fxe5uLGnRuQdwjVBPFsiLZaZJJaTi03uZA/EOL/mtJY="
        #expect(message == .init(data: Array(expected.utf8)))
        #expect(encoded { message.encode(into: &$0) } == fixture)
    }
}
