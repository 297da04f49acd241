// StartupPacketGoldenTests: captured startup-phase packets decode to the expected values and encode back.
import SwitchyardWire
import Testing

@Suite struct StartupPacketGoldenTests {
    static let cases: [(String, StartupPacket)] = [
        // psql with PGOPTIONS and two conninfo settings.
        ("frontend-startup-message", .startup(StartupMessage(protocolVersion: 196_608, parameters: [
            ("user", "postgres"), ("database", "wire"), ("options", "-c search_path=public"),
            ("application_name", "fixtures"), ("client_encoding", "UTF8"),
        ]))),
        // libpq 18 with max_protocol_version=3.2: 3 << 16 | 2.
        ("frontend-startup-message-protocol-3.2", .startup(StartupMessage(protocolVersion: 196_610, parameters: [
            ("user", "postgres"), ("database", "wire"),
        ]))),
        ("frontend-startup-message-pq-option", .startup(StartupMessage(protocolVersion: 196_610, parameters: [
            ("user", "postgres"), ("database", "wire"), ("_pq_.switchyard_probe", "on"),
        ]))),
        ("frontend-ssl-request", .sslRequest),
        ("frontend-gssenc-request", .gssEncRequest),
        // The key BackendKeyData gave the same session (backend-key-data.hex): 00 00 49 59, 50 57 0e c3.
        ("frontend-cancel-request", .cancel(CancelRequest(processID: 0x4959, secretKey: 0x5057_0EC3))),
    ]

    @Test(arguments: cases)
    func decodesToTheCapturedValue(fixture: String, expected: StartupPacket) throws {
        #expect(try decodeStartup(try Fixture.bytes(fixture)) == expected)
    }

    @Test(arguments: cases)
    func encodesToTheCapturedBytes(fixture: String, packet: StartupPacket) throws {
        #expect(encoded { packet.encode(into: &$0) } == (try Fixture.bytes(fixture)))
    }

    @Test func cancelRequestCarriesTheKeyTheServerHandedOut() throws {
        let key = try decodeBackend(try Fixture.bytes("backend-key-data"))
        guard case .backendKeyData(let data) = key,
            case .cancel(let request) = try decodeStartup(try Fixture.bytes("frontend-cancel-request"))
        else {
            Issue.record("fixtures did not decode to BackendKeyData and CancelRequest")
            return
        }
        #expect(request.processID == data.processID)
        #expect(request.secretKey == data.secretKey)
    }

    @Test func lastOccurrenceOfAParameterWins() {
        let message = StartupMessage(parameters: [("user", "a"), ("database", "d"), ("user", "b")])
        #expect(message.value(of: "user") == "b")
        #expect(message.value(of: "options") == nil)
    }
}
