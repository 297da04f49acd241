// SortValue: one non-NULL column value decoded once, in a form that compares in PostgreSQL's order.

/// A column value ready for comparison, read from its text or binary form by `ColumnType`.
enum SortValue: Sendable {
    /// Integers, booleans (0/1), dates (days), times and timestamps (microseconds).
    case integer(Int64)
    case float(Double)
    case numeric(PostgresNumeric)
    /// Text, bpchar without trailing spaces, uuid, bytea (raw, or its hex text without `\x`).
    case bytes(ArraySlice<UInt8>)

    /// Decodes `bytes` (a value, not NULL) of `type` in text (`isBinary == false`) or binary
    /// format; `nil` when the bytes are not such a value.
    init?(_ bytes: ArraySlice<UInt8>, type: ColumnType, isBinary: Bool) {
        switch (type, isBinary) {
        case (.int2, false), (.int4, false), (.int8, false), (.oid, false):
            guard let value = Self.integer(text: bytes) else { return nil }
            self = .integer(value)
        case (.int2, true), (.int4, true), (.int8, true):
            guard [2, 4, 8].contains(bytes.count) else { return nil }
            self = .integer(Self.signedBigEndian(bytes))
        case (.oid, true):
            guard bytes.count == 4 else { return nil }
            self = .integer(Int64(Self.unsignedBigEndian(bytes)))
        case (.numeric, false):
            guard let value = PostgresNumeric(text: bytes) else { return nil }
            self = .numeric(value)
        case (.numeric, true):
            guard let value = PostgresNumeric(binary: bytes) else { return nil }
            self = .numeric(value)
        case (.float4, false), (.float8, false):
            guard let value = FloatText.parse(bytes) else { return nil }
            self = .float(value)
        case (.float4, true):
            guard bytes.count == 4 else { return nil }
            self = .float(Double(Float(bitPattern: UInt32(Self.unsignedBigEndian(bytes)))))
        case (.float8, true):
            guard bytes.count == 8 else { return nil }
            self = .float(Double(bitPattern: Self.unsignedBigEndian(bytes)))
        case (.bool, false):
            guard bytes.count == 1, bytes.first == UInt8(ascii: "t") || bytes.first == UInt8(ascii: "f") else {
                return nil
            }
            self = .integer(bytes.first == UInt8(ascii: "t") ? 1 : 0)
        case (.bool, true):
            guard bytes.count == 1 else { return nil }
            self = .integer(bytes.first == 0 ? 0 : 1)
        case (.text, _), (.uuid, _), (.bytea, true):
            self = .bytes(bytes)
        case (.bpchar, _):
            var end = bytes.endIndex
            while end > bytes.startIndex, bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
            self = .bytes(bytes[bytes.startIndex..<end])
        case (.bytea, false):
            // The hex format (`bytea_output = hex`, the default) sorts like the bytes it spells.
            guard bytes.count >= 2, bytes.first == UInt8(ascii: "\\"),
                bytes[bytes.startIndex + 1] == UInt8(ascii: "x")
            else { return nil }
            self = .bytes(bytes.dropFirst(2))
        case (.date, false):
            guard let days = DateTimeText.date(bytes) else { return nil }
            self = .integer(days)
        case (.time, false):
            guard let micros = DateTimeText.time(bytes) else { return nil }
            self = .integer(micros)
        case (.timestamp, false), (.timestamptz, false):
            guard let micros = DateTimeText.timestamp(bytes, zoned: type == .timestamptz) else { return nil }
            self = .integer(micros)
        case (.date, true):
            guard bytes.count == 4 else { return nil }
            self = .integer(Self.signedBigEndian(bytes))
        case (.time, true), (.timestamp, true), (.timestamptz, true):
            guard bytes.count == 8 else { return nil }
            self = .integer(Self.signedBigEndian(bytes))
        }
    }

    /// -1, 0 or 1. Floats follow `float8_cmp_internal`: NaN equals NaN and sorts above every
    /// other value, `-0` equals `0`. Bytes compare unsigned, a prefix first.
    static func compare(_ a: SortValue, _ b: SortValue) -> Int {
        switch (a, b) {
        case (.integer(let x), .integer(let y)):
            return x < y ? -1 : (x == y ? 0 : 1)
        case (.float(let x), .float(let y)):
            if x.isNaN || y.isNaN { return x.isNaN ? (y.isNaN ? 0 : 1) : -1 }
            return x < y ? -1 : (x == y ? 0 : 1)
        case (.numeric(let x), .numeric(let y)):
            return PostgresNumeric.compare(x, y)
        case (.bytes(let x), .bytes(let y)):
            for (p, q) in zip(x, y) where p != q { return p < q ? -1 : 1 }
            return x.count < y.count ? -1 : (x.count == y.count ? 0 : 1)
        case (.integer, _), (.float, _), (.numeric, _), (.bytes, _):
            preconditionFailure("values of one column decode to one kind of SortValue")
        }
    }

    // MARK: - Integers

    /// `[-]digits` as the integer output functions print it.
    static func integer(text: ArraySlice<UInt8>) -> Int64? {
        var index = text.startIndex
        let isNegative = index < text.endIndex && text[index] == UInt8(ascii: "-")
        if isNegative { index += 1 }
        guard index < text.endIndex else { return nil }
        var value: Int64 = 0
        while index < text.endIndex {
            let digit = text[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            // Accumulate negatively so that Int64.min reads without overflow.
            let (next, overflow2) = times10.subtractingReportingOverflow(Int64(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = next
            index += 1
        }
        if isNegative { return value }
        return value == .min ? nil : -value
    }

    static func signedBigEndian(_ bytes: ArraySlice<UInt8>) -> Int64 {
        let unused = UInt64(64 - 8 * bytes.count)
        return Int64(bitPattern: Self.unsignedBigEndian(bytes) << unused) >> Int64(unused)
    }

    static func unsignedBigEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}
