// CheckResult+Parsing: reads the health query's DataRow; anything malformed is a failed check.

/// Why a health check's row is not an answer to `CheckResult.query`. The prober treats every one
/// of these as a failed check.
package enum CheckRowError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The row does not have exactly three columns.
    case columnCount(Int)
    /// The first column is NULL or not a boolean's text form (`t` or `f`).
    case recoveryFlag
    /// The second column is not a `pg_lsn` (`X/Y`).
    case walPosition
    /// The third column is not a positive 32-bit integer.
    case timeline
    /// A server not in recovery answered NULL for its WAL position.
    case missingWalPosition
    /// A server not in recovery answered NULL for its timeline.
    case missingTimeline

    package var description: String {
        switch self {
        case .columnCount(let count): "health check row has \(count) columns, expected 3"
        case .recoveryFlag: "health check row: pg_is_in_recovery() is not t or f"
        case .walPosition: "health check row: WAL position is not a pg_lsn"
        case .timeline: "health check row: timeline is not a positive integer"
        case .missingWalPosition: "health check row: WAL position is NULL on a server not in recovery"
        case .missingTimeline: "health check row: timeline is NULL on a server not in recovery"
        }
    }
}

extension CheckResult {
    /// Reads the one DataRow of `CheckResult.query` (text format; nil is NULL).
    ///
    /// A standby may report a NULL replay position (PostgreSQL returns NULL before anything was
    /// replayed). A standby's row may also carry a timeline: the query evaluates
    /// `pg_is_in_recovery()` three times, and a promotion between the first and the last gives
    /// `t`, the new current position and the new timeline. Such a row is read as in recovery and
    /// its timeline dropped; the next check sees the promotion. The opposite order cannot happen
    /// (a server never returns to recovery without a restart), so a server not in recovery must
    /// report both a position and a timeline.
    /// - Throws: `CheckRowError` for anything else.
    package init(columns: [[UInt8]?]) throws(CheckRowError) {
        guard columns.count == 3 else { throw .columnCount(columns.count) }
        let isInRecovery: Bool
        switch columns[0] {
        case [UInt8(ascii: "t")]?: isInRecovery = true
        case [UInt8(ascii: "f")]?: isInRecovery = false
        default: throw .recoveryFlag
        }
        var position: UInt64?
        if let text = columns[1] {
            guard let parsed = LSN.parse(utf8: text) else { throw .walPosition }
            position = parsed
        }
        var timeline: Int?
        if let text = columns[2] {
            guard let parsed = Self.parseTimeline(text) else { throw .timeline }
            timeline = parsed
        }
        if isInRecovery {
            self = .inRecovery(replayPosition: position)
        } else {
            guard let position else { throw .missingWalPosition }
            guard let timeline else { throw .missingTimeline }
            self = .notInRecovery(walPosition: position, timeline: timeline)
        }
    }

    /// Reads a row given as text values; see `init(columns:)`.
    package init(texts: [String?]) throws(CheckRowError) {
        try self.init(columns: texts.map { $0.map { Array($0.utf8) } })
    }

    /// An `int4` in PostgreSQL's text output, accepted only as a timeline can be: 1...Int32.max,
    /// plain decimal digits.
    private static func parseTimeline(_ text: [UInt8]) -> Int? {
        guard !text.isEmpty, text.count <= 10 else { return nil }
        var value = 0
        for byte in text {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        guard value >= 1, value <= Int(Int32.max) else { return nil }
        return value
    }
}
