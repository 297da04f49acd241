// WireReader: a bounds-checked cursor over one message body, for decoding typed messages.

/// Reads big-endian integers and C strings from a message body without trapping on short input.
///
/// ```
/// +-------------------+------------------+
/// | already read      | readable bytes   |
/// +-------------------+------------------+
/// 0             readerIndex          bytes.count
/// ```
/// Every `read*` either returns a value and advances, or throws `truncated`/`unterminatedString`
/// and leaves the index where it was. The reader borrows its bytes; use it only inside the
/// `withUnsafeBytes` scope that produced them.
package struct WireReader {
    /// The body being decoded.
    package let bytes: UnsafeRawBufferPointer
    /// The offset of the next unread byte.
    package private(set) var readerIndex: Int

    package init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.readerIndex = 0
    }

    /// How many bytes are left to read.
    package var readableBytes: Int { self.bytes.count - self.readerIndex }

    package mutating func readUInt8(_ field: String) throws(WireDecodingError) -> UInt8 {
        guard self.readableBytes >= 1 else { throw .truncated(field: field) }
        defer { self.readerIndex += 1 }
        return self.bytes[self.readerIndex]
    }

    package mutating func readInt16(_ field: String) throws(WireDecodingError) -> Int16 {
        guard self.readableBytes >= 2 else { throw .truncated(field: field) }
        let value = UInt16(self.bytes[self.readerIndex]) << 8 | UInt16(self.bytes[self.readerIndex + 1])
        self.readerIndex += 2
        return Int16(bitPattern: value)
    }

    package mutating func readInt32(_ field: String) throws(WireDecodingError) -> Int32 {
        guard self.readableBytes >= 4 else { throw .truncated(field: field) }
        var value: UInt32 = 0
        for offset in 0..<4 { value = value << 8 | UInt32(self.bytes[self.readerIndex + offset]) }
        self.readerIndex += 4
        return Int32(bitPattern: value)
    }

    /// A count field: an Int16 on the wire that PostgreSQL and libpq read as unsigned
    /// (`pq_getmsgint(msg, 2)`), so 0...65535. libpq sends Bind with up to 65535 parameters.
    package mutating func readCount(_ field: String) throws(WireDecodingError) -> Int {
        Int(UInt16(bitPattern: try self.readInt16(field)))
    }

    /// How many of `count` elements, each at least `minimumSize` bytes, the rest of the body can
    /// hold: the capacity to reserve, so a hostile count cannot make a tiny message allocate much.
    package func capacity(for count: Int, elementSize minimumSize: Int) -> Int {
        min(count, self.readableBytes / minimumSize)
    }

    /// The byte range of a zero-terminated string, excluding the terminator, which is consumed.
    package mutating func readCStringRange(_ field: String) throws(WireDecodingError) -> Range<Int> {
        let start = self.readerIndex
        var end = start
        while end < self.bytes.count {
            if self.bytes[end] == 0 {
                self.readerIndex = end + 1
                return start..<end
            }
            end += 1
        }
        throw .unterminatedString(field: field)
    }

    /// A zero-terminated UTF-8 string.
    package mutating func readCString(_ field: String) throws(WireDecodingError) -> String {
        let range = try self.readCStringRange(field)
        return try self.string(in: range, field: field)
    }

    /// `count` raw bytes.
    package mutating func readBytes(_ count: Int, _ field: String) throws(WireDecodingError) -> [UInt8] {
        guard count >= 0 else { throw .invalidValue(field: field, value: count) }
        guard self.readableBytes >= count else { throw .truncated(field: field) }
        defer { self.readerIndex += count }
        return Array(self.bytes[self.readerIndex..<(self.readerIndex + count)])
    }

    /// Skips `count` bytes.
    package mutating func skip(_ count: Int, _ field: String) throws(WireDecodingError) {
        guard count >= 0 else { throw .invalidValue(field: field, value: count) }
        guard self.readableBytes >= count else { throw .truncated(field: field) }
        self.readerIndex += count
    }

    /// The rest of the body.
    package mutating func readRemainingBytes() -> [UInt8] {
        defer { self.readerIndex = self.bytes.count }
        return Array(self.bytes[self.readerIndex...])
    }

    /// Throws unless every byte has been read: a body with leftovers is malformed.
    package func expectEnd() throws(WireDecodingError) {
        guard self.readableBytes == 0 else { throw .trailingBytes(self.readableBytes) }
    }

    /// Decodes the bytes in `range` as UTF-8.
    package func string(in range: Range<Int>, field: String) throws(WireDecodingError) -> String {
        let slice = UnsafeRawBufferPointer(rebasing: self.bytes[range])
        guard let text = String(validating: slice.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw .invalidUTF8(field: field)
        }
        return text
    }
}

extension WireReader {
    /// Runs `body` over a reader on `bytes`, requiring it to consume everything.
    package static func decode<T>(
        _ bytes: [UInt8],
        _ body: (inout WireReader) throws(WireDecodingError) -> T
    ) throws(WireDecodingError) -> T {
        do {
            return try bytes.withUnsafeBytes { raw in
                var reader = WireReader(raw)
                let value = try body(&reader)
                try reader.expectEnd()
                return value
            }
        } catch let error as WireDecodingError {
            throw error
        } catch {
            preconditionFailure("only WireDecodingError is thrown here")
        }
    }
}
