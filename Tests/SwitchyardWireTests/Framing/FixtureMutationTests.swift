// FixtureMutationTests: every captured message, cut short or given an extra byte, is rejected.
import SwitchyardWire
import Testing

@Suite struct FixtureMutationTests {
    /// Messages whose last field is "the rest of the body": any cut or extra byte is still valid.
    static let openEnded: Set<String> = [
        "frontend-copy-data", "frontend-password-cleartext", "frontend-password-md5", "frontend-sasl-initial-response",
        "frontend-sasl-response", "backend-copy-data", "backend-authentication-sasl-continue",
        "backend-authentication-sasl-final", "backend-authentication-gss-continue",
    ]

    static let frontend = FrontendGoldenTests.cases.map(\.0) + [
        "frontend-password-md5", "frontend-sasl-initial-response", "frontend-sasl-response",
    ]
    static let backend = BackendGoldenTests.cases.map(\.0) + AuthenticationGoldenTests.cases.map(\.0)
    static let startup = StartupPacketGoldenTests.cases.map(\.0)

    @Test(arguments: frontend + backend)
    func everyShorterBodyIsTruncated(fixture: String) throws {
        let full = try Fixture.bytes(fixture)
        let body = body(of: full)
        for cut in 0..<body.count {
            let truncated = frame(full[0], Array(body.prefix(cut)))
            let decode = { () throws in
                if fixture.hasPrefix("frontend") { _ = try decodeFrontend(truncated) } else { _ = try decodeBackend(truncated) }
            }
            do {
                try decode()
                #expect(Self.openEnded.contains(fixture), "\(fixture) cut to \(cut) bytes decoded")
            } catch {
                #expect((error as? WireDecodingError)?.isTruncation == true, "\(fixture) cut to \(cut) bytes: \(error)")
            }
        }
    }

    @Test(arguments: frontend + backend)
    func anExtraByteIsTrailing(fixture: String) throws {
        let full = try Fixture.bytes(fixture)
        for extra: UInt8 in [0x00, 0x41] {
            let longer = frame(full[0], body(of: full) + [extra])
            let decode = { () throws in
                if fixture.hasPrefix("frontend") { _ = try decodeFrontend(longer) } else { _ = try decodeBackend(longer) }
            }
            if Self.openEnded.contains(fixture) {
                #expect(throws: Never.self) { try decode() }
            } else {
                #expect(throws: WireDecodingError.trailingBytes(1), "\(fixture) + \(extra)") { try decode() }
            }
        }
    }

    @Test(arguments: startup)
    func everyShorterStartupPacketIsTruncated(fixture: String) throws {
        let full = try Fixture.bytes(fixture)
        for cut in 8..<full.count {
            let packet = int32(Int32(cut)) + full[4..<cut]
            do {
                _ = try decodeStartup(packet)
                Issue.record("\(fixture) cut to \(cut) bytes decoded")
            } catch {
                #expect((error as? WireDecodingError)?.isTruncation == true, "\(fixture) cut to \(cut) bytes: \(error)")
            }
        }
    }

    @Test(arguments: startup)
    func anExtraByteAfterAStartupPacketIsTrailing(fixture: String) throws {
        let full = try Fixture.bytes(fixture)
        let packet = int32(Int32(full.count + 1)) + full.dropFirst(4) + [0]
        #expect(throws: WireDecodingError.trailingBytes(1)) { try decodeStartup(packet) }
    }
}

extension WireDecodingError {
    /// The errors a body that ends too early can produce.
    var isTruncation: Bool {
        switch self {
        case .truncated, .unterminatedString: return true
        case .lengthTooSmall, .messageTooLarge, .unknownMessageType, .unknownStartupCode, .trailingBytes, .invalidUTF8,
            .invalidValue:
            return false
        }
    }
}
