// Framing: splits a byte stream into PostgreSQL v3 messages by reading headers only.

/// The header of one regular message: its type byte and the length of the whole frame.
package struct FrameHeader: Hashable, Sendable {
    /// The message type byte.
    package var id: UInt8
    /// The Int32 length field: counts itself and the body, not the type byte.
    package var length: Int

    /// Bytes of the whole frame on the wire, type byte included.
    @inline(__always) package var frameSize: Int { self.length + 1 }
    /// Bytes of the body alone.
    @inline(__always) package var bodySize: Int { self.length - 4 }

    package init(id: UInt8, length: Int) {
        self.id = id
        self.length = length
    }

    /// The bytes a regular header occupies.
    package static let size = 5

    /// Reads a regular header at `offset`.
    ///
    /// - Returns: `nil` when fewer than five bytes are available.
    /// - Throws: `lengthTooSmall` below 4 (negative lengths included), `messageTooLarge` above `limit`.
    @inline(__always)
    package static func parse(
        _ bytes: UnsafeRawBufferPointer,
        at offset: Int,
        limit: Int
    ) throws(WireDecodingError) -> FrameHeader? {
        guard bytes.count - offset >= 5 else { return nil }
        let id = bytes[offset]
        // The length is a signed Int32, as PostgreSQL reads it: with the top bit set it is
        // negative, whatever `limit` allows.
        let length = readInt32(bytes, offset + 1)
        guard length >= 4 else { throw .lengthTooSmall(length) }
        guard length <= limit else { throw .messageTooLarge(length: length, limit: limit) }
        return FrameHeader(id: id, length: length)
    }
}

/// The header of an untyped startup-phase packet: StartupMessage, SSLRequest, GSSENCRequest,
/// CancelRequest. An Int32 length (counting itself) followed by an Int32 code.
package struct StartupHeader: Hashable, Sendable {
    /// The Int32 length field of the packet, counting itself.
    package var length: Int
    /// The protocol version (196608 for 3.0) or a request code.
    package var code: UInt32

    package init(length: Int, code: UInt32) {
        self.length = length
        self.code = code
    }

    /// Startup packets are small; PostgreSQL itself caps them at 10,000 bytes (MAX_STARTUP_PACKET_LENGTH).
    package static let maximumLength = 10_000

    /// Reads a startup header at `offset`; `nil` when fewer than eight bytes are available.
    package static func parse(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(WireDecodingError) -> StartupHeader? {
        guard bytes.count - offset >= 8 else {
            // Four bytes already say whether the length is impossible; fail early on garbage.
            if bytes.count - offset >= 4 {
                let length = readInt32(bytes, offset)
                if length < 8 { throw .lengthTooSmall(length) }
                if length > Self.maximumLength { throw .messageTooLarge(length: length, limit: Self.maximumLength) }
            }
            return nil
        }
        let length = readInt32(bytes, offset)
        guard length >= 8 else { throw .lengthTooSmall(length) }
        guard length <= Self.maximumLength else {
            throw .messageTooLarge(length: length, limit: Self.maximumLength)
        }
        var code: UInt32 = 0
        for index in 4..<8 { code = code << 8 | UInt32(bytes[offset + index]) }
        return StartupHeader(length: length, code: code)
    }
}

/// The signed big-endian Int32 at `offset`; the caller has checked four bytes are there.
@inline(__always)
private func readInt32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> Int {
    let bits = UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
        | UInt32(bytes[offset + 3])
    return Int(Int32(bitPattern: bits))
}
