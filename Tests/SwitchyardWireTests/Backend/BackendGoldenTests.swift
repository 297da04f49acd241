// BackendGoldenTests: captured server messages decode to the expected values and encode back.
import SwitchyardWire
import Testing

@Suite struct BackendGoldenTests {
    typealias Column = BackendMessage.RowDescription.Column

    /// Values written out from the captures (see each fixture's header for the source).
    static let cases: [(String, DecodedBackendMessage)] = [
        ("backend-parameter-status", .parameterStatus(.init(name: "server_version", value: "15.18 (Debian 15.18-0+deb12u1)"))),
        ("backend-key-data", .backendKeyData(.init(processID: 0x4959, secretKey: 0x5057_0EC3))),
        ("backend-ready-for-query-idle", .readyForQuery(.init(status: .idle))),
        ("backend-ready-for-query-in-transaction", .readyForQuery(.init(status: .inTransaction))),
        ("backend-ready-for-query-failed", .readyForQuery(.init(status: .failed))),
        // items (OID 16389): id int4, name text, price numeric (OID 1700, no typmod).
        ("backend-row-description", .rowDescription(.init(columns: [
            Column(name: "id", tableOID: 16389, columnNumber: 1, typeOID: 23, typeSize: 4),
            Column(name: "name", tableOID: 16389, columnNumber: 2, typeOID: 25, typeSize: -1),
            Column(name: "price", tableOID: 16389, columnNumber: 3, typeOID: 1700, typeSize: -1),
        ]))),
        ("backend-row-description-binary", .rowDescription(.init(columns: [
            Column(name: "n", typeOID: 23, typeSize: 4, format: 1),
            Column(name: "t", typeOID: 25, typeSize: -1, format: 1),
            Column(name: "z", typeOID: 23, typeSize: 4, format: 1),
        ]))),
        ("backend-data-row", .dataRow(.init(texts: ["2", "pear", nil]))),
        ("backend-data-row-binary", .dataRow(.init(values: [[0, 0, 0, 42], Array("hi".utf8), nil]))),
        ("backend-command-complete", .commandComplete(.init(tag: "SELECT 2"))),
        ("backend-command-complete-insert", .commandComplete(.init(tag: "INSERT 0 1"))),
        ("backend-error-response", .errorResponse(fields([
            ("S", "ERROR"), ("V", "ERROR"), ("C", "22012"), ("M", "division by zero"),
            ("F", "int.c"), ("L", "869"), ("R", "int4div"),
        ]))),
        ("backend-error-response-fatal", .errorResponse(fields([
            ("S", "FATAL"), ("V", "FATAL"), ("C", "28P01"), ("M", "password authentication failed for user \"md5_user\""),
            ("F", "auth.c"), ("L", "334"), ("R", "auth_failed"),
        ]))),
        ("backend-notice-response", .noticeResponse(fields([
            ("S", "NOTICE"), ("V", "NOTICE"), ("C", "00000"), ("M", "x"),
            ("W", "PL/pgSQL function inline_code_block line 1 at RAISE"), ("F", "pl_exec.c"), ("L", "3891"),
            ("R", "exec_stmt_raise"),
        ]))),
        ("backend-notification-response", .notificationResponse(.init(processID: 0x4483, channel: "wire_channel", payload: "hello"))),
        // PostgreSQL sends its whole latest version, 3 << 16 | 0, in this field.
        ("backend-negotiate-protocol-version", .negotiateProtocolVersion(.init(newestMinorVersion: 196_608, unrecognizedOptions: []))),
        ("backend-negotiate-protocol-version-option", .negotiateProtocolVersion(.init(
            newestMinorVersion: 196_608, unrecognizedOptions: ["_pq_.switchyard_probe"]))),
        ("backend-parameter-description", .parameterDescription(.init(parameterTypes: [23]))),
        ("backend-parameter-description-empty", .parameterDescription(.init(parameterTypes: []))),
        ("backend-function-call-response", .functionCallResponse(.init(value: [0, 0, 0, 18]))),
        ("backend-function-call-response-null", .functionCallResponse(.init(value: nil))),
        ("backend-copy-in-response", .copyResponse(.init(direction: .copyIn, overallFormat: 0, columnFormats: [0, 0]))),
        ("backend-copy-out-response", .copyResponse(.init(direction: .copyOut, overallFormat: 0, columnFormats: [0, 0]))),
        ("backend-copy-out-response-binary", .copyResponse(.init(direction: .copyOut, overallFormat: 1, columnFormats: [1, 1]))),
        ("backend-copy-both-response", .copyResponse(.init(direction: .copyBoth, overallFormat: 0, columnFormats: []))),
        ("backend-copy-data", .copyData(CopyData(data: Array("1\tone\n".utf8)))),
        ("backend-copy-done", .copyDone),
        ("backend-parse-complete", .parseComplete),
        ("backend-bind-complete", .bindComplete),
        ("backend-close-complete", .closeComplete),
        ("backend-no-data", .noData),
        ("backend-empty-query-response", .emptyQueryResponse),
        ("backend-portal-suspended", .portalSuspended),
    ]

    @Test(arguments: cases)
    func decodesToTheCapturedValue(fixture: String, expected: DecodedBackendMessage) throws {
        #expect(try decodeBackend(try Fixture.bytes(fixture)) == expected)
    }

    @Test(arguments: cases)
    func encodesToTheCapturedBytes(fixture: String, message: DecodedBackendMessage) throws {
        #expect(encoded { message.encode(into: &$0) } == (try Fixture.bytes(fixture)))
    }

    @Test func errorFieldsExposeTheirParts() throws {
        guard case .errorResponse(let fields) = try decodeBackend(try Fixture.bytes("backend-error-response-fatal")) else {
            Issue.record("not an ErrorResponse")
            return
        }
        #expect(fields.sqlState == .invalidPassword)
        #expect(fields.severityText == "FATAL")
        #expect(fields.message == "password authentication failed for user \"md5_user\"")
        #expect(fields[BackendMessage.ErrorFields.hint] == nil)
    }

    @Test func typeBytesAreThoseOfTheProtocolDocumentation() {
        // https://www.postgresql.org/docs/15/protocol-message-formats.html
        let expected: [BackendMessageID: Character] = [
            .authentication: "R", .backendKeyData: "K", .bindComplete: "2", .closeComplete: "3", .commandComplete: "C",
            .copyBothResponse: "W", .copyData: "d", .copyDone: "c", .copyInResponse: "G", .copyOutResponse: "H",
            .dataRow: "D", .emptyQueryResponse: "I", .errorResponse: "E", .functionCallResponse: "V",
            .negotiateProtocolVersion: "v", .noData: "n", .noticeResponse: "N", .notificationResponse: "A",
            .parameterDescription: "t", .parameterStatus: "S", .parseComplete: "1", .portalSuspended: "s",
            .readyForQuery: "Z", .rowDescription: "T",
        ]
        #expect(expected.count == BackendMessageID.allCases.count)
        for (id, character) in expected {
            #expect(id.rawValue == character.asciiValue)
        }
    }
}

/// ErrorResponse/NoticeResponse fields from (ASCII field code, value) pairs.
func fields(_ pairs: [(Unicode.Scalar, String)]) -> BackendMessage.ErrorFields {
    BackendMessage.ErrorFields(fields: pairs.map { (UInt8.ascii($0.0), $0.1) })
}
