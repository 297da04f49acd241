// BackendMalformedTests: broken server messages throw the matching WireDecodingError, never trap.
import SwitchyardWire
import Testing

@Suite struct BackendMalformedTests {
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
        Case("authentication without a code", "R", [0, 0], .truncated(field: "authentication code")),
        Case("md5 request with a short salt", "R", int32(5) + [1, 2, 3], .truncated(field: "salt")),
        Case("md5 request with a long salt", "R", int32(5) + [1, 2, 3, 4, 5], .trailingBytes(1)),
        Case("ok with a byte after the code", "R", int32(0) + [0], .trailingBytes(1)),
        Case("SASL list without its terminator", "R", int32(10) + cString("SCRAM-SHA-256"), .unterminatedString(field: "mechanism")),
        Case("SASL list with an unterminated name", "R", int32(10) + Array("SCRAM".utf8), .unterminatedString(field: "mechanism")),
        Case("negative authentication code", "R", int32(-1), .invalidValue(field: "authentication code", value: -1)),
        Case("key data without the secret", "K", int32(42), .truncated(field: "secret key")),
        Case("key data with extra bytes", "K", int32(42) + int32(7) + [0], .trailingBytes(1)),
        Case("parameter status without a value", "S", cString("TimeZone"), .unterminatedString(field: "parameter value")),
        Case("parameter status with invalid UTF-8", "S", cString("TimeZone") + [0xE2, 0x82, 0x00], .invalidUTF8(field: "parameter value")),
        Case("ready for query with an unknown status", "Z", [.ascii("X")], .invalidValue(field: "transaction status", value: 0x58)),
        Case("ready for query without a status", "Z", [], .truncated(field: "transaction status")),
        Case("command complete without terminator", "C", Array("SELECT 1".utf8), .unterminatedString(field: "command tag")),
        Case("notification without a payload", "A", int32(1) + cString("ch"), .unterminatedString(field: "payload")),
        Case("notification with a short process ID", "A", [0, 1], .truncated(field: "process ID")),
        Case("negotiation with a negative option count", "v", int32(196_608) + int32(-1), .invalidValue(field: "option count", value: -1)),
        Case("negotiation with fewer options than counted", "v", int32(196_608) + int32(2) + cString("_pq_.a"),
             .unterminatedString(field: "option name")),
        Case("negotiation with a huge option count", "v", int32(196_608) + int32(Int32.max), .unterminatedString(field: "option name")),
        Case("parameter description with count 0xFFFF", "t", [0xFF, 0xFF] + int32(23), .truncated(field: "parameter type")),
        Case("function result with length -2", "V", int32(-2), .invalidValue(field: "result value", value: -2)),
        Case("function result longer than the body", "V", int32(10) + [1, 2], .truncated(field: "result value")),
        Case("error response without its terminator", "E", [.ascii("S")] + cString("ERROR"), .truncated(field: "field type")),
        Case("error response with an unterminated value", "E", [.ascii("S")] + Array("ERR".utf8), .unterminatedString(field: "field value")),
        Case("error response with an empty body", "E", [], .truncated(field: "field type")),
        Case("notice with bytes after the terminator", "N", [.ascii("S")] + cString("NOTICE") + [0, 0], .trailingBytes(1)),
        Case("row description cut inside a column", "T", int16(1) + cString("id") + int32(0) + int16(0), .truncated(field: "type OID")),
        Case("row description with count 0xFFFF", "T", [0xFF, 0xFF], .unterminatedString(field: "column name")),
        Case("data row with count 0xFFFF", "D", [0xFF, 0xFF] + int32(-1), .truncated(field: "value length")),
        Case("data row with value length -2", "D", int16(1) + int32(-2), .invalidValue(field: "value", value: -2)),
        Case("data row with a value longer than the body", "D", int16(1) + int32(5) + [0x31], .truncated(field: "value")),
        Case("copy response without the column count", "G", [0], .truncated(field: "column count")),
        Case("copy response with fewer formats than counted", "H", [0] + int16(3) + int16(0), .truncated(field: "column format")),
        Case("copy both with a trailing byte", "W", [0] + int16(0) + [0], .trailingBytes(1)),
        Case("parse complete with a body", "1", [0], .trailingBytes(1)),
        Case("bind complete with a body", "2", [0], .trailingBytes(1)),
        Case("close complete with a body", "3", [0], .trailingBytes(1)),
        Case("no data with a body", "n", [0], .trailingBytes(1)),
        Case("empty query response with a body", "I", [0], .trailingBytes(1)),
        Case("portal suspended with a body", "s", [0], .trailingBytes(1)),
        Case("copy done with a body", "c", [0], .trailingBytes(1)),
    ]

    @Test(arguments: cases)
    func malformedMessageThrows(_ test: Case) {
        #expect(throws: test.error) { try decodeBackend(test.frame) }
    }

    @Test func everyUnknownTypeByteIsRejected() {
        let unknown = (0...255).map(UInt8.init).filter { BackendMessageID(rawValue: $0) == nil }
        #expect(unknown.count == 256 - 24)
        for byte in unknown {
            #expect(throws: WireDecodingError.unknownMessageType(byte)) { try decodeBackend(frame(byte, [])) }
            #expect(throws: WireDecodingError.unknownMessageType(byte)) { try BackendMessageID(validating: byte) }
        }
    }

    @Test func bodyMustMatchTheHeader() {
        let header = FrameHeader(id: .ascii("Z"), length: 5)
        #expect(throws: WireDecodingError.truncated(field: "message body")) {
            try [UInt8]().withUnsafeBytes { raw in try DecodedBackendMessage.decode(header: header, body: raw) }
        }
        #expect(throws: WireDecodingError.trailingBytes(1)) {
            try [UInt8]([0x49, 0x49]).withUnsafeBytes { raw in
                try DecodedBackendMessage.decode(header: header, body: raw)
            }
        }
    }
}
