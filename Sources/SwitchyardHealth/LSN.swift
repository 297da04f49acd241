// LSN: write-ahead log positions in PostgreSQL's `X/Y` text form, and the lag between two of them.

/// Write-ahead log positions (PostgreSQL's `pg_lsn`): a 64-bit byte offset into the WAL, written
/// as two hexadecimal halves, `X/Y`, the high and the low 32 bits.
///
/// Positions stay plain `UInt64` values everywhere else; this namespace only reads and writes the
/// text form and subtracts.
package enum LSN {
    /// Most hex digits on each side of the slash (`MAXPG_LSNCOMPONENT` in PostgreSQL's
    /// src/backend/utils/adt/pg_lsn.c).
    static let maxDigits = 8

    /// Parses `X/Y` as PostgreSQL's `pg_lsn` input does: 1 to 8 hex digits of either case, a
    /// slash, 1 to 8 hex digits, and nothing else (no sign, prefix or spaces).
    /// - Returns: the position, or nil when the text is not a `pg_lsn`.
    package static func parse(_ text: some StringProtocol) -> UInt64? {
        self.parse(utf8: text.utf8)
    }

    /// Parses the UTF-8 bytes of `X/Y`; see `parse(_:)`.
    package static func parse(utf8 bytes: some Collection<UInt8>) -> UInt64? {
        var high: UInt64 = 0
        var low: UInt64 = 0
        var highDigits = 0
        var lowDigits = 0
        var seenSlash = false
        for byte in bytes {
            if byte == UInt8(ascii: "/") {
                guard !seenSlash, highDigits > 0 else { return nil }
                seenSlash = true
                continue
            }
            guard let digit = Self.hexValue(byte) else { return nil }
            if seenSlash {
                lowDigits += 1
                guard lowDigits <= Self.maxDigits else { return nil }
                low = low << 4 | digit
            } else {
                highDigits += 1
                guard highDigits <= Self.maxDigits else { return nil }
                high = high << 4 | digit
            }
        }
        guard seenSlash, lowDigits > 0 else { return nil }
        return high << 32 | low
    }

    /// Formats a position as PostgreSQL prints a `pg_lsn` (`%X/%X`): upper-case hex, no leading
    /// zeros.
    package static func format(_ position: UInt64) -> String {
        let high = String(position >> 32, radix: 16, uppercase: true)
        let low = String(position & 0xFFFF_FFFF, radix: 16, uppercase: true)
        return high + "/" + low
    }

    /// Bytes a replica has still to replay: `primary - replica`, and 0 when the replica reports a
    /// later position. That happens because the two positions are read by separate checks at
    /// different moments, and it means "caught up", never a negative lag.
    package static func lag(primary: UInt64, replica: UInt64) -> UInt64 {
        primary > replica ? primary - replica : 0
    }

    private static func hexValue(_ byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt64(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt64(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
