// PostgresInteger: bigint text input exactly as PostgreSQL 15's int8 input function accepts it.

/// Parses the text form of a bigint as `pg_strtoint64` does in PostgreSQL 15
/// (https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/utils/adt/numutils.c):
/// optional leading and trailing whitespace, an optional sign, at least one decimal digit,
/// nothing else, and no overflow.
package enum PostgresInteger {
    package static func parseInt64(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { Self.parseInt64($0) }
    }

    package static func parseInt64(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = 0
        let count = bytes.count
        while index < count, Self.isSpace(bytes[index]) { index += 1 }
        var isNegative = false
        if index < count, bytes[index] == UInt8(ascii: "-") {
            isNegative = true
            index += 1
        } else if index < count, bytes[index] == UInt8(ascii: "+") {
            index += 1
        }
        guard index < count, bytes[index] &- UInt8(ascii: "0") < 10 else { return nil }
        // Accumulate negatively so that Int64.min parses without overflow, as PostgreSQL does.
        var value: Int64 = 0
        while index < count, bytes[index] &- UInt8(ascii: "0") < 10 {
            let digit = Int64(bytes[index] - UInt8(ascii: "0"))
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = times10.subtractingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { return nil }
            value = next
            index += 1
        }
        while index < count, Self.isSpace(bytes[index]) { index += 1 }
        guard index == count else { return nil }
        if isNegative { return value }
        return value == .min ? nil : -value
    }

    /// C `isspace` in the C locale.
    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }
}
