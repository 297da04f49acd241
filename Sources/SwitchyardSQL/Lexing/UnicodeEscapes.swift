// UnicodeEscapes: decodes the `\XXXX` / `\+XXXXXX` escapes of `U&'...'` and `U&"..."`.

/// Unicode escape decoding as PostgreSQL documents it for `U&` constants and identifiers
/// (https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-STRINGS-UESCAPE).
enum UnicodeEscapes {
    /// Decodes `raw` (the body, quotes already collapsed). Two escape characters stand for one;
    /// surrogate pairs combine. `nil` on a malformed escape or an invalid code point.
    static func decode(_ raw: [UInt8], escape: UInt8) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var index = 0
        var pendingHighSurrogate: UInt32?
        while index < raw.count {
            let current = raw[index]
            guard current == escape else {
                guard pendingHighSurrogate == nil else { return nil }
                bytes.append(current)
                index += 1
                continue
            }
            if index + 1 < raw.count, raw[index + 1] == escape {
                guard pendingHighSurrogate == nil else { return nil }
                bytes.append(escape)
                index += 2
                continue
            }
            let value: UInt32
            if index + 1 < raw.count, raw[index + 1] == UInt8(ascii: "+") {
                guard let number = Self.hexNumber(raw, index + 2, 6) else { return nil }
                value = number
                index += 8
            } else {
                guard let number = Self.hexNumber(raw, index + 1, 4) else { return nil }
                value = number
                index += 5
            }
            if let high = pendingHighSurrogate {
                guard (0xDC00...0xDFFF).contains(value) else { return nil }
                pendingHighSurrogate = nil
                guard Self.appendScalar(0x10000 + ((high - 0xD800) << 10) + (value - 0xDC00), to: &bytes) else {
                    return nil
                }
            } else if (0xD800...0xDBFF).contains(value) {
                pendingHighSurrogate = value
            } else {
                guard Self.appendScalar(value, to: &bytes) else { return nil }
            }
        }
        return pendingHighSurrogate == nil ? bytes : nil
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// Exactly `count` hex digits at `start`, or `nil`.
    static func hexNumber<Bytes: RandomAccessCollection>(_ bytes: Bytes, _ start: Int, _ count: Int) -> UInt32?
    where Bytes.Element == UInt8, Bytes.Index == Int {
        guard start >= bytes.startIndex, start + count <= bytes.endIndex else { return nil }
        var value: UInt32 = 0
        for index in start..<(start + count) {
            guard let digit = Self.hexValue(bytes[index]) else { return nil }
            value = value << 4 | digit
        }
        return value
    }

    /// Appends the UTF-8 encoding of a scalar; `false` for NUL, surrogates and out-of-range values.
    static func appendScalar(_ value: UInt32, to bytes: inout [UInt8]) -> Bool {
        guard value != 0, let scalar = Unicode.Scalar(value) else { return false }
        bytes.append(contentsOf: scalar.utf8)
        return true
    }
}
