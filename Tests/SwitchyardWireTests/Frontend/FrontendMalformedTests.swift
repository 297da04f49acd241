// FrontendMalformedTests: broken client messages throw the matching WireDecodingError, never trap.
import SwitchyardWire
import Testing

@Suite struct FrontendMalformedTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var frame: [UInt8]
        var error: WireDecodingError
        var testDescription: String { self.name }

        init(_ name: String, _ id: Unicode.Scalar, _ body: [UInt8], _ error: WireDecodingError) {
            self.name = name
            self.frame = SwitchyardWireTests.frame(.ascii(id), body)
            self.error = error
        }
    }

    static let cases: [Case] = [
        Case("query without terminator", "Q", Array("SELECT 1".utf8), .unterminatedString(field: "query string")),
        Case("query with an empty body", "Q", [], .unterminatedString(field: "query string")),
        Case("query with invalid UTF-8", "Q", [0x53, 0xC3, 0x28, 0x00], .invalidUTF8(field: "query string")),
        Case("query with a lone continuation byte", "Q", [0x80, 0x00], .invalidUTF8(field: "query string")),
        Case("query with a byte after the terminator", "Q", cString("SELECT 1") + [0x78], .trailingBytes(1)),
        Case("parse with an unterminated name", "P", Array("stmt".utf8), .unterminatedString(field: "statement name")),
        Case("parse without the type count", "P", cString("") + cString("SELECT 1"), .truncated(field: "parameter type count")),
        Case("parse with fewer types than counted", "P", cString("") + cString("SELECT $1, $2") + int16(2) + int32(23),
             .truncated(field: "parameter type")),
        // Counts are unsigned 16-bit: 0xFFFF announces 65535 types, and none follow.
        Case("parse with count 0xFFFF", "P", cString("") + cString("SELECT 1") + [0xFF, 0xFF], .truncated(field: "parameter type")),
        Case("bind with parameter length -2", "B", cString("") + cString("") + int16(0) + int16(1) + int32(-2) + int16(0),
             .invalidValue(field: "parameter value", value: -2)),
        Case("bind with a parameter longer than the body", "B",
             cString("") + cString("") + int16(0) + int16(1) + int32(100) + [0x31, 0x32, 0x33],
             .truncated(field: "parameter value")),
        Case("bind with format count 0xFFFF", "B", cString("") + cString("") + [0xFF, 0xFF] + int16(0),
             .truncated(field: "parameter format")),
        Case("bind with parameter count 0x8000", "B", cString("") + cString("") + int16(0) + [0x80, 0x00] + int32(-1),
             .truncated(field: "parameter length")),
        Case("bind without the result format count", "B", cString("") + cString("") + int16(0) + int16(0),
             .truncated(field: "result format count")),
        Case("bind with an unterminated statement name", "B", cString("") + Array("P_0".utf8), .unterminatedString(field: "statement name")),
        Case("describe with an empty body", "D", [], .truncated(field: "target kind")),
        Case("describe of an unknown kind", "D", [.ascii("X")] + cString("s"), .invalidValue(field: "target kind", value: 0x58)),
        Case("describe with an unterminated name", "D", [.ascii("S")] + Array("s".utf8), .unterminatedString(field: "name")),
        Case("close with an unknown kind", "C", [0x00, 0x00], .invalidValue(field: "target kind", value: 0)),
        Case("close with a byte after the name", "C", [.ascii("P")] + cString("") + [0x00], .trailingBytes(1)),
        Case("execute without the row limit", "E", cString("") + [0, 0], .truncated(field: "maximum rows")),
        Case("execute with an unterminated portal", "E", Array("portal".utf8), .unterminatedString(field: "portal name")),
        Case("copy fail without terminator", "f", Array("stop".utf8), .unterminatedString(field: "error message")),
        Case("function call with argument length -2", "F", int32(955) + int16(0) + int16(1) + int32(-2) + int16(0),
             .invalidValue(field: "argument value", value: -2)),
        Case("function call without the result format", "F", int32(955) + int16(0) + int16(0), .truncated(field: "result format")),
        Case("function call with a short OID", "F", [0, 0, 3], .truncated(field: "function OID")),
        Case("sync with a body", "S", [0x00], .trailingBytes(1)),
        Case("flush with a body", "H", [0x00, 0x00], .trailingBytes(2)),
        Case("terminate with a body", "X", [0x00], .trailingBytes(1)),
        Case("copy done with a body", "c", [0x00], .trailingBytes(1)),
    ]

    @Test(arguments: cases)
    func malformedMessageThrows(_ test: Case) {
        #expect(throws: test.error) { try decodeFrontend(test.frame) }
    }

    static let unknownTypeBytes = (0...255).map(UInt8.init).filter { FrontendMessageID(rawValue: $0) == nil }

    @Test func everyUnknownTypeByteIsRejected() {
        #expect(Self.unknownTypeBytes.count == 256 - 14)
        for byte in Self.unknownTypeBytes {
            #expect(throws: WireDecodingError.unknownMessageType(byte)) { try decodeFrontend(frame(byte, [])) }
            #expect(throws: WireDecodingError.unknownMessageType(byte)) { try FrontendMessageID(validating: byte) }
        }
    }

    @Test func backendOnlyTypeBytesAreUnknownFromAClient() {
        // 'Z' (ReadyForQuery), 'R' (Authentication), 'T' (RowDescription) are server messages.
        for byte in [UInt8.ascii("Z"), .ascii("R"), .ascii("T"), .ascii("1")] {
            #expect(throws: WireDecodingError.unknownMessageType(byte)) { try decodeFrontend(frame(byte, [0])) }
        }
    }

    @Test func bodyMustMatchTheHeader() {
        let header = FrameHeader(id: .ascii("Q"), length: 13)
        let short: [UInt8] = cString("SELECT")
        let long: [UInt8] = cString("SELECT 1") + [0, 0, 0, 0]
        #expect(throws: WireDecodingError.truncated(field: "message body")) {
            try short.withUnsafeBytes { raw in try DecodedFrontendMessage.decode(header: header, body: raw) }
        }
        #expect(throws: WireDecodingError.trailingBytes(4)) {
            try long.withUnsafeBytes { raw in try DecodedFrontendMessage.decode(header: header, body: raw) }
        }
    }

    // MARK: - 'p' bodies, once the authentication state names them

    @Test func passwordWithoutTerminator() {
        #expect(throws: WireDecodingError.unterminatedString(field: "password")) {
            try decodeBody(Array("secret".utf8)) { reader throws(WireDecodingError) in try FrontendMessage.PasswordMessage.decode(from: &reader) }
        }
    }

    static let saslInitialResponses: [([UInt8], WireDecodingError)] = [
        (cString("SCRAM-SHA-256") + int32(-2), .invalidValue(field: "initial response", value: -2)),
        (cString("SCRAM-SHA-256") + int32(10) + [1, 2], .truncated(field: "initial response")),
        (cString("SCRAM-SHA-256") + [0, 0], .truncated(field: "initial response length")),
        (Array("SCRAM".utf8), .unterminatedString(field: "mechanism")),
        (cString("SCRAM-SHA-256") + int32(1) + [1, 2], .trailingBytes(1)),
    ]

    @Test(arguments: saslInitialResponses)
    func malformedSASLInitialResponse(body: [UInt8], error: WireDecodingError) {
        #expect(throws: error) {
            try decodeBody(body) { reader throws(WireDecodingError) in try FrontendMessage.SASLInitialResponse.decode(from: &reader) }
        }
    }
}
