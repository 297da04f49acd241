// BackendFrameLimitsTests: the header check of server messages passes everything a real server
// sent, and refuses unknown types and lengths libpq or the protocol rule out.
import Foundation
import SwitchyardWire
import Testing

@Suite struct BackendFrameLimitsTests {
    private func check(_ id: UInt8, length: Int) throws {
        try FrameHeader(id: id, length: length).checkBackend()
    }

    /// Every backend fixture: one message per file, or a whole captured session.
    static var backendFixtures: [String] {
        guard let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil),
            let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        else { return [] }
        return names.filter { ($0.hasPrefix("backend-") || $0.hasSuffix(".backend.hex")) && $0.hasSuffix(".hex") }
            .map { String($0.dropLast(4)) }.sorted()
    }

    @Test func fixturesAreFound() {
        // 45 single-message captures and derivations, 7 captured sessions.
        #expect(Self.backendFixtures.count == 52)
    }

    @Test(arguments: backendFixtures)
    func everyMessageAServerSentPasses(fixture: String) throws {
        var framer = StreamFramer(.backend)
        let messages = try framer.feed(try Fixture.bytes(fixture)[...])
        #expect(!messages.isEmpty)
        for message in messages {
            let header = try #require(try message.bytes.withUnsafeBytes { try FrameHeader.parse($0, at: 0, limit: Int(Int32.max)) })
            #expect(throws: Never.self, "\(fixture): type \(header.id), length \(header.length)") { try header.checkBackend() }
        }
    }

    /// Bytes no backend message starts with: frontend-only types ('Q', 'p', 'F', 'X') and garbage.
    @Test(arguments: [UInt8(0), 0x01, 0x51, 0x70, 0x46, 0x58, 0x79, 0xFF])
    func unknownTypesAreRefused(id: UInt8) {
        #expect(throws: WireDecodingError.unknownMessageType(id)) { try check(id, length: 4) }
    }

    /// Messages without a body (ParseComplete '1', BindComplete '2', CloseComplete '3', NoData 'n',
    /// EmptyQueryResponse 'I', PortalSuspended 's', CopyDone 'c') have length 4, ReadyForQuery 5.
    @Test(arguments: [(UInt8(0x31), 4), (0x32, 4), (0x33, 4), (0x6E, 4), (0x49, 4), (0x73, 4), (0x63, 4), (0x5A, 5)])
    func fixedLengthsAreExact(id: UInt8, length: Int) {
        #expect(throws: Never.self) { try check(id, length: length) }
        #expect(throws: WireDecodingError.messageTooLarge(length: length + 1, limit: length)) { try check(id, length: length + 1) }
    }

    @Test func readyForQueryWithoutItsStatusIsTooSmall() {
        #expect(throws: WireDecodingError.lengthTooSmall(4)) { try check(0x5A, length: 4) }
    }

    /// libpq gives up on a message longer than 30,000 bytes unless it is T, D, d, V, E, N or A
    /// (fe-protocol3.c: `msgLength > 30000 && !VALID_LONG_MESSAGE_TYPE(id)`).
    @Test(arguments: [UInt8(0x43), 0x53, 0x52, 0x47, 0x48, 0x57, 0x76])
    func shortMessagesStopAtLibpqsLimit(id: UInt8) {
        #expect(throws: Never.self) { try check(id, length: 30_000) }
        #expect(throws: WireDecodingError.messageTooLarge(length: 30_001, limit: 30_000)) { try check(id, length: 30_001) }
    }

    @Test(arguments: [UInt8(0x54), 0x44, 0x64, 0x56, 0x45, 0x4E, 0x41])
    func longMessagesMayAnnounceAnyPositiveInt32(id: UInt8) {
        #expect(throws: Never.self) { try check(id, length: Int(Int32.max)) }
    }

    /// ParameterDescription of PostgreSQL's most parameters, 65,535: length field 4, Int16 count
    /// 2, and 4 bytes of OID each.
    @Test func parameterDescriptionAllowsSixtyFiveThousandParameters() {
        let length = 4 + 2 + 4 * 65_535
        #expect(throws: Never.self) { try check(0x74, length: length) }
        #expect(throws: WireDecodingError.messageTooLarge(length: length + 1, limit: length)) { try check(0x74, length: length + 1) }
    }

    /// Below each body's fixed part: CommandComplete's empty tag needs 1 byte, DataRow's column
    /// count 2, FunctionCallResponse's value length 4, BackendKeyData's process ID and key 8.
    @Test(arguments: [(UInt8(0x43), 4), (0x44, 5), (0x56, 7), (0x4B, 11), (0x45, 4)])
    func bodiesShorterThanTheirFixedPartAreRefused(id: UInt8, length: Int) {
        #expect(throws: WireDecodingError.lengthTooSmall(length)) { try check(id, length: length) }
    }
}
