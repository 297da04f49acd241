// Decoding: one-message decode and encode shortcuts over whole frames, for table-driven tests.
import SwitchyardWire

/// The frame limit the tests use; PostgreSQL's own default for most messages is 1 GB, ours is
/// configurable, and nothing here needs more than a megabyte.
let testFrameLimit = 1 << 20

/// Frames and decodes exactly one regular frontend message; the bytes must hold nothing else.
func decodeFrontend(_ frame: [UInt8]) throws -> DecodedFrontendMessage {
    try withSingleFrame(frame) { header, body in
        try DecodedFrontendMessage.decode(header: header, body: body)
    }
}

/// Frames and decodes exactly one backend message; the bytes must hold nothing else.
func decodeBackend(_ frame: [UInt8]) throws -> DecodedBackendMessage {
    try withSingleFrame(frame) { header, body in
        try DecodedBackendMessage.decode(header: header, body: body)
    }
}

/// Frames and decodes exactly one startup-phase packet.
func decodeStartup(_ packet: [UInt8]) throws -> StartupPacket {
    try packet.withUnsafeBytes { raw -> StartupPacket in
        guard let header = try StartupHeader.parse(raw, at: 0) else { throw WireDecodingError.truncated(field: "startup header") }
        guard header.length == raw.count else { throw WireDecodingError.trailingBytes(raw.count - header.length) }
        return try StartupPacket.decode(header: header, body: UnsafeRawBufferPointer(rebasing: raw[8...]))
    }
}

/// Runs `decode` on the header and body of the single frame `frame` holds.
func withSingleFrame<T>(
    _ frame: [UInt8],
    _ decode: (FrameHeader, UnsafeRawBufferPointer) throws -> T
) throws -> T {
    try frame.withUnsafeBytes { raw -> T in
        guard let header = try FrameHeader.parse(raw, at: 0, limit: testFrameLimit) else {
            throw WireDecodingError.truncated(field: "header")
        }
        guard header.frameSize == raw.count else { throw WireDecodingError.trailingBytes(raw.count - header.frameSize) }
        return try decode(header, UnsafeRawBufferPointer(rebasing: raw[FrameHeader.size...]))
    }
}

/// Decodes a raw body with one of the per-message decoders, which must consume it all.
func decodeBody<T>(_ body: [UInt8], _ decode: (inout WireReader) throws(WireDecodingError) -> T) throws(WireDecodingError) -> T {
    try WireReader.decode(body, decode)
}

/// What `body` writes.
func encoded(_ body: (inout WireWriter) -> Void) -> [UInt8] {
    var writer = WireWriter()
    body(&writer)
    return writer.bytes
}

/// The body of a frame: everything after the 5-byte header.
func body(of frame: [UInt8]) -> [UInt8] { Array(frame.dropFirst(FrameHeader.size)) }

/// A regular frame with type `id` around `body`, its length spelled out by hand (big-endian,
/// counting itself): the way the protocol documentation defines it, independent of WireWriter.
func frame(_ id: UInt8, _ body: [UInt8]) -> [UInt8] {
    let length = UInt32(body.count + 4)
    return [id, UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + body
}

extension UInt8 {
    /// The byte of an ASCII character literal: `.ascii("Q")`.
    static func ascii(_ character: Unicode.Scalar) -> UInt8 { UInt8(character.value) }
}

/// UTF-8 bytes of `text` followed by a zero byte.
func cString(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }

/// Big-endian Int16.
func int16(_ value: Int16) -> [UInt8] { [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)] }

/// Big-endian Int32.
func int32(_ value: Int32) -> [UInt8] {
    [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
     UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
}
