// Purpose: the frame walk the frontend and backend targets share: frames read as the proxy reads
// them, and each decoded message checked to round-trip to its exact bytes.

/// A decoded protocol message as both directions' decoders produce it.
protocol RoundTripMessage: Equatable {
    static func decode(header: FrameHeader, body: UnsafeRawBufferPointer) throws(WireDecodingError) -> Self
    func encode(into writer: inout WireWriter)
    /// The message's type byte.
    var typeByte: UInt8 { get }
}

extension DecodedFrontendMessage: RoundTripMessage {
    var typeByte: UInt8 { self.id.rawValue }
}

extension DecodedBackendMessage: RoundTripMessage {
    var typeByte: UInt8 { self.id.rawValue }
}

extension FuzzStream {
    /// Reads the frames of `bytes` from `start` and hands each one that decodes to `handle`, after
    /// checking that it re-encodes to exactly its bytes and re-decodes to an equal value. Frames
    /// that do not decode are skipped (the proxy forwards what it need not understand); the walk
    /// ends at a header that does not parse, a frame cut short, or when `handle` returns false.
    static func forEachMessage<Message: RoundTripMessage>(
        _ type: Message.Type, in bytes: UnsafeRawBufferPointer, from start: Int, _ handle: (Message) -> Bool
    ) {
        var offset = start
        while true {
            let header: FrameHeader
            do {
                guard let parsed = try FrameHeader.parse(bytes, at: offset, limit: frameLimit) else { return }
                header = parsed
            } catch {
                return
            }
            require((4...frameLimit).contains(header.length), "frame length \(header.length) out of range")
            guard offset + header.frameSize <= bytes.count else { return }
            let frameRange = offset..<(offset + header.frameSize)
            let body = UnsafeRawBufferPointer(rebasing: bytes[(offset + FrameHeader.size)..<frameRange.upperBound])
            offset = frameRange.upperBound
            guard let message = try? Message.decode(header: header, body: body) else { continue }
            require(message.typeByte == header.id, "decoded a message of another type from type byte \(header.id)")
            var writer = WireWriter()
            message.encode(into: &writer)
            require(writer.bytes == array(bytes, frameRange), "a message of type \(header.id) re-encodes differently")
            let again = writer.bytes.withUnsafeBytes { raw in
                try? Message.decode(header: header, body: UnsafeRawBufferPointer(rebasing: raw[FrameHeader.size...]))
            }
            require(again == message, "a message of type \(header.id) does not re-decode to the same value")
            guard handle(message) else { return }
        }
    }
}
