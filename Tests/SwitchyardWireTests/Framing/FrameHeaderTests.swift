// FrameHeaderTests: regular and startup headers: complete, incomplete and impossible lengths.
import SwitchyardWire
import Testing

@Suite struct FrameHeaderTests {
    static let limit = 8192

    private func parse(_ bytes: [UInt8], limit: Int = Self.limit) throws -> FrameHeader? {
        try bytes.withUnsafeBytes { raw in try FrameHeader.parse(raw, at: 0, limit: limit) }
    }

    private func parseStartup(_ bytes: [UInt8]) throws -> StartupHeader? {
        try bytes.withUnsafeBytes { raw in try StartupHeader.parse(raw, at: 0) }
    }

    @Test func readsTypeAndLength() throws {
        let header = try parse([0x51, 0x00, 0x00, 0x00, 0x33])
        #expect(header == FrameHeader(id: 0x51, length: 51))
        #expect(header?.frameSize == 52)
        #expect(header?.bodySize == 47)
    }

    @Test(arguments: 0...4)
    func fewerThanFiveBytesNeedMore(count: Int) throws {
        #expect(try parse(Array([0x51, 0, 0, 0, 0x33].prefix(count))) == nil)
    }

    @Test func readsAtAnOffsetInsideALargerBuffer() throws {
        let bytes: [UInt8] = [0xFF, 0xFF, 0x5A, 0, 0, 0, 5, 0x49]
        let header = try bytes.withUnsafeBytes { raw in try FrameHeader.parse(raw, at: 2, limit: 100) }
        #expect(header == FrameHeader(id: 0x5A, length: 5))
        let past = try bytes.withUnsafeBytes { raw in try FrameHeader.parse(raw, at: 9, limit: 100) }
        #expect(past == nil)
    }

    @Test(arguments: 0...3)
    func lengthsBelowFourAreMalformed(length: Int) {
        #expect(throws: WireDecodingError.lengthTooSmall(length)) { try parse([0x51, 0, 0, 0, UInt8(length)]) }
    }

    @Test func lengthAtTheLimitIsAcceptedAndJustAboveIsNot() throws {
        #expect(try parse([0x51] + int32(Int32(Self.limit))) == FrameHeader(id: 0x51, length: Self.limit))
        #expect(throws: WireDecodingError.messageTooLarge(length: Self.limit + 1, limit: Self.limit)) {
            try parse([0x51] + int32(Int32(Self.limit + 1)))
        }
    }

    /// The length is a signed Int32 on the wire: the top bit makes it negative, never huge.
    @Test(arguments: [(UInt32(0x8000_0000), -2_147_483_648), (0xFFFF_FFFF, -1), (0xFFFF_FFFC, -4)])
    func lengthsWithTheTopBitSetAreNegative(wire: UInt32, value: Int) {
        #expect(throws: WireDecodingError.lengthTooSmall(value)) { try parse([0x44] + int32(Int32(bitPattern: wire))) }
    }

    @Test func negativeLengthIsRejectedEvenUnderAHugeLimit() {
        #expect(throws: WireDecodingError.lengthTooSmall(-1)) { try parse([0x44, 0xFF, 0xFF, 0xFF, 0xFF], limit: Int.max) }
    }

    @Test func largestPositiveLengthIsTooLarge() {
        #expect(throws: WireDecodingError.messageTooLarge(length: 0x7FFF_FFFF, limit: Self.limit)) {
            try parse([0x44, 0x7F, 0xFF, 0xFF, 0xFF])
        }
    }

    // MARK: - Startup headers

    @Test func startupHeaderReadsLengthAndCode() throws {
        #expect(try parseStartup(try Fixture.bytes("frontend-ssl-request")) == StartupHeader(length: 8, code: 80_877_103))
        let startup = try parseStartup(try Fixture.bytes("frontend-startup-message"))
        #expect(startup == StartupHeader(length: 114, code: 196_608))
    }

    @Test(arguments: 0...7)
    func startupHeaderWithFewerThanEightBytesNeedsMore(count: Int) throws {
        let sslRequest = try Fixture.bytes("frontend-ssl-request")
        #expect(try parseStartup(Array(sslRequest.prefix(count))) == nil)
    }

    @Test(arguments: 0...7)
    func startupLengthsBelowEightAreMalformed(length: Int) {
        // Four bytes are enough to know.
        #expect(throws: WireDecodingError.lengthTooSmall(length)) { try parseStartup(int32(Int32(length))) }
        #expect(throws: WireDecodingError.lengthTooSmall(length)) { try parseStartup(int32(Int32(length)) + int32(196_608)) }
    }

    @Test func startupLengthAboveTenThousandIsTooLarge() throws {
        #expect(try parseStartup(int32(10_000) + int32(196_608)) == StartupHeader(length: 10_000, code: 196_608))
        #expect(throws: WireDecodingError.messageTooLarge(length: 10_001, limit: 10_000)) { try parseStartup(int32(10_001)) }
        #expect(throws: WireDecodingError.messageTooLarge(length: 0x7FFF_FFFF, limit: 10_000)) {
            try parseStartup(int32(0x7FFF_FFFF) + int32(196_608))
        }
    }

    @Test(arguments: [(UInt32(0x8000_0000), -2_147_483_648), (0xFFFF_FFFF, -1)])
    func startupLengthsWithTheTopBitSetAreNegative(wire: UInt32, value: Int) {
        #expect(throws: WireDecodingError.lengthTooSmall(value)) { try parseStartup(int32(Int32(bitPattern: wire))) }
        #expect(throws: WireDecodingError.lengthTooSmall(value)) {
            try parseStartup(int32(Int32(bitPattern: wire)) + int32(196_608))
        }
    }
}
