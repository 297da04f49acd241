// StartupMalformedTests: broken startup-phase packets throw the matching WireDecodingError, never trap.
import SwitchyardWire
import Testing

@Suite struct StartupMalformedTests {
    /// A startup-phase packet: Int32 length counting itself, Int32 code, body.
    static func packet(code: UInt32, _ body: [UInt8]) -> [UInt8] {
        int32(Int32(body.count + 8)) + int32(Int32(bitPattern: code)) + body
    }

    static let version3: UInt32 = 196_608

    @Test(arguments: [
        // 1234 << 16 | 5681: one past GSSENCRequest; protocol 2.0; protocol 4.0.
        UInt32(80_877_105), 131_072, 262_144, 0,
    ])
    func unknownCodesAreRejected(code: UInt32) {
        #expect(throws: WireDecodingError.unknownStartupCode(code)) {
            try decodeStartup(Self.packet(code: code, cString("user") + cString("x") + [0]))
        }
    }

    @Test(arguments: [
        ("SSLRequest with a body", packet(code: 80_877_103, int32(0)), WireDecodingError.trailingBytes(4)),
        ("GSSENCRequest with a body", packet(code: 80_877_104, [0]), .trailingBytes(1)),
        ("CancelRequest without the key", packet(code: 80_877_102, int32(7)), .truncated(field: "secret key")),
        ("CancelRequest with extra bytes", packet(code: 80_877_102, int32(7) + int32(8) + [0]), .trailingBytes(1)),
        ("startup without the final terminator", packet(code: version3, cString("user") + cString("postgres")),
         .unterminatedString(field: "parameter name")),
        ("startup with a name and no value", packet(code: version3, cString("user")), .unterminatedString(field: "parameter value")),
        ("startup with an unterminated value", packet(code: version3, cString("user") + Array("post".utf8)),
         .unterminatedString(field: "parameter value")),
        ("startup with an empty body", packet(code: version3, []), .unterminatedString(field: "parameter name")),
        ("startup with invalid UTF-8 in a name", packet(code: version3, [0x75, 0xFF, 0x00] + cString("x") + [0]),
         .invalidUTF8(field: "parameter name")),
        ("startup with invalid UTF-8 in a value", packet(code: version3, cString("user") + [0xC3, 0x28, 0x00, 0x00]),
         .invalidUTF8(field: "parameter value")),
        ("startup with an overlong encoding of '/'", packet(code: version3, cString("database") + [0xC0, 0xAF, 0x00, 0x00]),
         .invalidUTF8(field: "parameter value")),
        ("startup with bytes after the terminator", packet(code: version3, cString("user") + cString("u") + [0, 0x41]),
         .trailingBytes(1)),
    ])
    func malformedPacketThrows(name: String, packet: [UInt8], error: WireDecodingError) {
        #expect(throws: error, "\(name)") { try decodeStartup(packet) }
    }

    @Test func thousandsOfParametersWithinTheSizeLimitAreRejected() throws {
        // 3000 parameters of a one-letter name and an empty value: 9001 bytes of body, under the
        // 10,000-byte packet limit, so only the parameter-count bound stops them.
        let body: [UInt8] = Array(Array(repeating: [0x61, 0x00, 0x00], count: 3000).joined()) + [0]
        let packet = Self.packet(code: Self.version3, body)
        #expect(packet.count <= StartupHeader.maximumLength)
        #expect(throws: WireDecodingError.invalidValue(field: "parameter count", value: StartupMessage.maximumParameterCount + 1)) {
            try decodeStartup(packet)
        }
    }

    @Test func thousandsOfParametersBeyondTheSizeLimitStopAtTheHeader() {
        let body: [UInt8] = Array(Array(repeating: cString("p") + cString("v"), count: 5000).joined()) + [0]
        let packet = Self.packet(code: Self.version3, body)
        #expect(throws: WireDecodingError.messageTooLarge(length: packet.count, limit: 10_000)) {
            try packet.withUnsafeBytes { raw in try StartupHeader.parse(raw, at: 0) }
        }
    }

    @Test func aThousandParametersAreStillAccepted() throws {
        let parameters = (0..<StartupMessage.maximumParameterCount).map { ("p\($0)", "") }
        let body: [UInt8] = parameters.flatMap { (name, value) -> [UInt8] in cString(name) + cString(value) } + [0]
        let packet = try decodeStartup(Self.packet(code: Self.version3, body))
        #expect(packet == .startup(StartupMessage(parameters: parameters)))
    }
}
