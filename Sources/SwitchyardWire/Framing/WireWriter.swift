// WireWriter: appends PostgreSQL v3 messages to a byte array; length prefixes are never counted by hand.

/// Builds wire bytes. Reuse one writer (`removeAll(keepingCapacity:)`) to avoid allocations.
package struct WireWriter: Sendable {
    /// The encoded bytes so far.
    package private(set) var bytes: [UInt8]

    package init(capacity: Int = 256) {
        self.bytes = []
        self.bytes.reserveCapacity(capacity)
    }

    package var count: Int { self.bytes.count }

    package mutating func removeAll() { self.bytes.removeAll(keepingCapacity: true) }

    package mutating func writeUInt8(_ value: UInt8) { self.bytes.append(value) }

    package mutating func writeInt16(_ value: Int16) {
        let bits = UInt16(bitPattern: value)
        self.bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
        self.bytes.append(UInt8(truncatingIfNeeded: bits))
    }

    package mutating func writeInt32(_ value: Int32) {
        let bits = UInt32(bitPattern: value)
        self.bytes.append(UInt8(truncatingIfNeeded: bits >> 24))
        self.bytes.append(UInt8(truncatingIfNeeded: bits >> 16))
        self.bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
        self.bytes.append(UInt8(truncatingIfNeeded: bits))
    }

    /// Writes `value` followed by a zero byte.
    package mutating func writeCString(_ value: String) {
        self.bytes.append(contentsOf: value.utf8)
        self.bytes.append(0)
    }

    package mutating func writeCString<C: Collection>(bytes value: C) where C.Element == UInt8 {
        self.bytes.append(contentsOf: value)
        self.bytes.append(0)
    }

    package mutating func writeBytes<C: Collection>(_ value: C) where C.Element == UInt8 {
        self.bytes.append(contentsOf: value)
    }

    /// Writes a regular message: the type byte, an Int32 length that counts itself, then `body`.
    package mutating func writeMessage(_ id: UInt8, _ body: (inout WireWriter) -> Void) {
        self.bytes.append(id)
        self.writeLengthPrefixed(body)
    }

    /// Writes an Int32 length (counting itself) followed by what `body` writes.
    package mutating func writeLengthPrefixed(_ body: (inout WireWriter) -> Void) {
        let lengthAt = self.bytes.count
        self.writeInt32(0)
        body(&self)
        let length = UInt32(self.bytes.count - lengthAt)
        self.bytes[lengthAt] = UInt8(truncatingIfNeeded: length >> 24)
        self.bytes[lengthAt + 1] = UInt8(truncatingIfNeeded: length >> 16)
        self.bytes[lengthAt + 2] = UInt8(truncatingIfNeeded: length >> 8)
        self.bytes[lengthAt + 3] = UInt8(truncatingIfNeeded: length)
    }
}
