// DripFeed: frames a captured stream however it is chunked, and checks every chunking agrees.
import SwitchyardWire
import Testing

/// Which peer wrote a stream.
enum StreamDirection: Sendable {
    /// A client: untyped startup-phase packets, then regular messages.
    case frontend
    /// A server: regular messages only.
    case backend
}

/// One message cut out of a stream, with its bytes and its decoded value.
struct FramedMessage: Equatable, Sendable {
    enum Value: Equatable, Sendable {
        case startup(StartupPacket)
        case frontend(DecodedFrontendMessage)
        case backend(DecodedBackendMessage)
    }

    var bytes: [UInt8]
    var value: Value
}

/// An incremental framer as a connection would run it: bytes arrive in chunks, every complete
/// message is cut out and decoded, a partial one waits for more (`parse` returned `nil`).
struct StreamFramer {
    let direction: StreamDirection
    let limit: Int
    private(set) var buffered: [UInt8] = []
    private var isStartupPhase: Bool

    init(_ direction: StreamDirection, limit: Int = testFrameLimit) {
        self.direction = direction
        self.limit = limit
        self.isStartupPhase = direction == .frontend
    }

    /// Appends `chunk` and returns every message now complete.
    mutating func feed(_ chunk: ArraySlice<UInt8>) throws -> [FramedMessage] {
        self.buffered.append(contentsOf: chunk)
        var messages: [FramedMessage] = []
        var consumed = 0
        while let message = try self.next(at: consumed) {
            consumed += message.bytes.count
            messages.append(message)
        }
        self.buffered.removeFirst(consumed)
        return messages
    }

    private mutating func next(at offset: Int) throws -> FramedMessage? {
        let startup = self.isStartupPhase
        let direction = self.direction
        let limit = self.limit
        let message = try self.buffered.withUnsafeBytes { raw -> FramedMessage? in
            if startup {
                guard let header = try StartupHeader.parse(raw, at: offset), raw.count - offset >= header.length else {
                    return nil
                }
                let body = UnsafeRawBufferPointer(rebasing: raw[(offset + 8)..<(offset + header.length)])
                let packet = try StartupPacket.decode(header: header, body: body)
                return FramedMessage(bytes: Array(raw[offset..<(offset + header.length)]), value: .startup(packet))
            }
            guard let header = try FrameHeader.parse(raw, at: offset, limit: limit), raw.count - offset >= header.frameSize else {
                return nil
            }
            let body = UnsafeRawBufferPointer(rebasing: raw[(offset + FrameHeader.size)..<(offset + header.frameSize)])
            let bytes = Array(raw[offset..<(offset + header.frameSize)])
            switch direction {
            case .frontend: return FramedMessage(bytes: bytes, value: .frontend(try DecodedFrontendMessage.decode(header: header, body: body)))
            case .backend: return FramedMessage(bytes: bytes, value: .backend(try DecodedBackendMessage.decode(header: header, body: body)))
            }
        }
        if case .startup(let packet) = message?.value {
            switch packet {
            case .startup, .cancel: self.isStartupPhase = false
            case .sslRequest, .gssEncRequest: break
            }
        }
        return message
    }
}

/// How a stream is cut into chunks before it reaches the framer.
enum Chunking: CustomStringConvertible {
    case allAtOnce
    case oneByteAtATime
    case splitAt(Int)
    case randomSizes(seed: UInt64)

    func chunks(of stream: [UInt8]) -> [ArraySlice<UInt8>] {
        switch self {
        case .allAtOnce:
            return [stream[...]]
        case .oneByteAtATime:
            return stream.indices.map { stream[$0..<($0 + 1)] }
        case .splitAt(let offset):
            return [stream[..<offset], stream[offset...]]
        case .randomSizes(let seed):
            var generator = SplitMix64(seed: seed)
            var chunks: [ArraySlice<UInt8>] = []
            var start = 0
            while start < stream.count {
                let end = min(stream.count, start + Int(generator.next() % 64) + 1)
                chunks.append(stream[start..<end])
                start = end
            }
            return chunks
        }
    }

    var description: String {
        switch self {
        case .allAtOnce: return "all at once"
        case .oneByteAtATime: return "one byte at a time"
        case .splitAt(let offset): return "split at \(offset)"
        case .randomSizes(let seed): return "random chunk sizes (seed \(seed))"
        }
    }
}

/// Frames `stream` all at once, one byte at a time, split in two at every offset and in random
/// chunk sizes, and expects every run to yield the same messages with nothing left over.
///
/// - Returns: the messages of the all-at-once run, for further checks.
@discardableResult
func verifyFramer(
    _ stream: [UInt8],
    direction: StreamDirection,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> [FramedMessage] {
    let reference = try frame(stream, direction: direction, chunking: .allAtOnce)
    #expect(reference.flatMap(\.bytes) == stream, "frames do not add up to the stream", sourceLocation: sourceLocation)
    var chunkings: [Chunking] = [.oneByteAtATime] + (0...stream.count).map { .splitAt($0) }
    chunkings += (1...8).map { .randomSizes(seed: $0) }
    for chunking in chunkings {
        let messages = try frame(stream, direction: direction, chunking: chunking)
        guard messages == reference else {
            Issue.record("\(chunking) framed differently from all at once", sourceLocation: sourceLocation)
            return reference
        }
    }
    return reference
}

private func frame(_ stream: [UInt8], direction: StreamDirection, chunking: Chunking) throws -> [FramedMessage] {
    var framer = StreamFramer(direction)
    var messages: [FramedMessage] = []
    for chunk in chunking.chunks(of: stream) {
        messages += try framer.feed(chunk)
    }
    if !framer.buffered.isEmpty {
        Issue.record("\(chunking): \(framer.buffered.count) bytes left unframed")
    }
    return messages
}

/// A small deterministic generator (SplitMix64), so random tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { self.state = seed }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
