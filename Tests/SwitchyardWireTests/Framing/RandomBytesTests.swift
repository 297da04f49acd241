// RandomBytesTests: arbitrary bytes fed to every framer and decoder may throw, never trap or hang.
import SwitchyardWire
import Testing

@Suite struct RandomBytesTests {
    static let iterations = 20_000

    /// Random bytes, often shaped like a message (a real type byte, a plausible length, counts
    /// and C strings) so that decoders get past their first field.
    static func randomInput(_ generator: inout SplitMix64) -> [UInt8] {
        let length = Int(generator.next() % 96)
        var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        switch generator.next() % 4 {
        case 0:
            break
        case 1:
            // Sprinkle zero bytes so C strings terminate.
            for index in bytes.indices where generator.next() % 5 == 0 { bytes[index] = 0 }
        case 2:
            // A small count up front, as Int16 counts start most bodies.
            if bytes.count >= 2 { bytes[0] = 0; bytes[1] = UInt8(generator.next() % 4) }
        default:
            // Counts and lengths of 0xFF..: negative if read as signed, huge if unsigned.
            if bytes.count >= 4 { bytes.replaceSubrange(0..<4, with: [0xFF, 0xFF, 0xFF, UInt8(truncatingIfNeeded: generator.next())]) }
        }
        return bytes
    }

    static let startupCodes: [UInt32] = [80_877_102, 80_877_103, 80_877_104, 196_608, 196_610, 131_072]

    @Test(.timeLimit(.minutes(2)))
    func everyDecoderSurvivesRandomBodies() {
        var generator = SplitMix64(seed: 0x5357_4954_4348)
        var decoded = 0
        for _ in 0..<Self.iterations {
            let body = Self.randomInput(&generator)
            body.withUnsafeBytes { raw in
                let header = FrameHeader(id: 0, length: raw.count + 4)
                for id in FrontendMessageID.allCases {
                    if (try? DecodedFrontendMessage.decode(header: FrameHeader(id: id.rawValue, length: header.length), body: raw)) != nil {
                        decoded += 1
                    }
                }
                for id in BackendMessageID.allCases {
                    if (try? DecodedBackendMessage.decode(header: FrameHeader(id: id.rawValue, length: header.length), body: raw)) != nil {
                        decoded += 1
                    }
                }
                let randomID = UInt8(truncatingIfNeeded: generator.next())
                _ = try? DecodedFrontendMessage.decode(header: FrameHeader(id: randomID, length: header.length), body: raw)
                _ = try? DecodedBackendMessage.decode(header: FrameHeader(id: randomID, length: header.length), body: raw)
                for code in Self.startupCodes + [UInt32(truncatingIfNeeded: generator.next())] {
                    _ = try? StartupPacket.decode(header: StartupHeader(length: raw.count + 8, code: code), body: raw)
                }
            }
            _ = try? decodeBody(body) { reader throws(WireDecodingError) in try FrontendMessage.PasswordMessage.decode(from: &reader) }
            _ = try? decodeBody(body) { reader throws(WireDecodingError) in try FrontendMessage.SASLInitialResponse.decode(from: &reader) }
        }
        // The shaped inputs must reach success paths too, or the test explores nothing.
        #expect(decoded > Self.iterations)
    }

    @Test(.timeLimit(.minutes(2)))
    func framersSurviveRandomStreams() {
        var generator = SplitMix64(seed: 0x4652_414D_4552)
        var framedSomething = 0
        for _ in 0..<Self.iterations {
            var stream = Self.randomInput(&generator)
            // Half the streams start with a plausible header so framing gets past the first frame.
            if generator.next() % 2 == 0 {
                let id = BackendMessageID.allCases[Int(generator.next() % UInt64(BackendMessageID.allCases.count))].rawValue
                stream = [id] + int32(Int32(generator.next() % 16 + 4)) + stream
            }
            stream.withUnsafeBytes { raw in
                for offset in 0...raw.count {
                    if (try? FrameHeader.parse(raw, at: offset, limit: 1 << 16)) != nil { framedSomething += 1 }
                    _ = try? StartupHeader.parse(raw, at: offset)
                }
            }
            for direction in [StreamDirection.frontend, .backend] {
                var framer = StreamFramer(direction, limit: 1 << 16)
                let cut = stream.isEmpty ? 0 : Int(generator.next() % UInt64(stream.count))
                if let messages = try? framer.feed(stream[..<cut]) { framedSomething += messages.count }
                if let messages = try? framer.feed(stream[cut...]) { framedSomething += messages.count }
            }
        }
        #expect(framedSomething > 0)
    }

    @Test func generatorIsDeterministic() {
        var first = SplitMix64(seed: 42)
        var second = SplitMix64(seed: 42)
        #expect((0..<8).map { _ in first.next() } == (0..<8).map { _ in second.next() })
    }
}
