// ProtocolCountTests: Int16 counts are unsigned on the wire, as PostgreSQL and libpq read them.
import SwitchyardWire
import Testing

/// libpq accepts up to 65535 parameters and PostgreSQL reads every Int16 count with
/// `pq_getmsgint(msg, 2)`, an unsigned read. A count of 32768 is therefore valid, not negative.
///
/// The capture scenario `psycopg-many-parameters` sent such a Bind through libpq and PostgreSQL 15
/// executed it (backend-many-parameters-reply.hex). Its 163,855-byte Bind and 131,079-byte
/// ParameterDescription are too large to keep as hex; capture/extract.py checks that the captured
/// bytes are exactly the patterns rebuilt below.
@Suite struct ProtocolCountTests {
    static let count = 32768

    /// Bind: portal "", statement "", no parameter formats, 0x8000 parameters of length 1 holding
    /// "1", one result format 0. Length = 4 + 1 + 1 + 2 + 2 + 32768 * 5 + 2 + 2.
    static let capturedBind: [UInt8] = {
        var bytes: [UInt8] = [.ascii("B")] + int32(Int32(4 + 2 + 2 + 2 + count * 5 + 4)) + [0, 0] + int16(0) + [0x80, 0x00]
        for _ in 0..<count { bytes += int32(1) + [0x31] }
        return bytes + int16(1) + int16(0)
    }()

    /// ParameterDescription: 0x8000 parameters, all int4 (OID 23).
    static let capturedParameterDescription: [UInt8] = {
        var bytes: [UInt8] = [.ascii("t")] + int32(Int32(4 + 2 + count * 4)) + [0x80, 0x00]
        for _ in 0..<count { bytes += int32(23) }
        return bytes
    }()

    @Test func bindWith32768ParametersDecodesAndEncodesBack() throws {
        let expected = FrontendMessage.Bind(
            portal: "", statement: "", parameters: Array(repeating: [0x31], count: Self.count), resultFormats: [0])
        #expect(try decodeFrontend(Self.capturedBind) == .bind(expected))
        #expect(encoded { expected.encode(into: &$0) } == Self.capturedBind)
    }

    @Test func parameterDescriptionWith32768TypesDecodesAndEncodesBack() throws {
        let expected = BackendMessage.ParameterDescription(parameterTypes: Array(repeating: 23, count: Self.count))
        #expect(try decodeBackend(Self.capturedParameterDescription) == .parameterDescription(expected))
        #expect(encoded { expected.encode(into: &$0) } == Self.capturedParameterDescription)
    }

    @Test func parseWith65535TypesIsTheMaximum() throws {
        // Derived from the documentation with the unsigned reading: Int16 0xFFFF, then 65535 Int32 OIDs.
        var body: [UInt8] = cString("") + cString("SELECT 1") + [0xFF, 0xFF]
        for _ in 0..<65535 { body += int32(0) }
        let parse = try decodeFrontend(frame(.ascii("P"), body))
        #expect(parse == .parse(.init(name: "", query: "SELECT 1", parameterTypes: Array(repeating: 0, count: 65535))))
    }

    @Test func serverAcceptedTheBind() throws {
        let messages = try verifyFramer(try Fixture.bytes("backend-many-parameters-reply"), direction: .backend)
        #expect(messages.map(\.value) == [
            .backend(.parseComplete), .backend(.bindComplete),
            .backend(.rowDescription(.init(columns: [.init(name: "cardinality", typeOID: 23, typeSize: 4)]))),
            .backend(.dataRow(.init(texts: ["32768"]))),
            .backend(.commandComplete(.init(tag: "SELECT 1"))),
            .backend(.readyForQuery(.init(status: .idle))),
        ])
    }
}
