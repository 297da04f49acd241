// ConfigLimits: the accepted ranges of numeric settings, each with the reason for its bounds.

/// Accepted ranges of numeric settings.
enum ConfigLimits {
    /// Durations and counts with no natural bound stop at PostgreSQL's limit for integer
    /// settings (INT_MAX), so values mean the same as in postgresql.conf and never overflow
    /// when converted to nanoseconds.
    static let int32Max = Int(Int32.max)

    /// Every `*_ms` setting that allows 0.
    static let milliseconds = 0...int32Max

    /// TCP ports.
    static let port = 1...65535

    /// Event-loop threads: more than this is a typo, not a machine.
    static let maxWorkers = 1024

    /// PostgreSQL's MAX_BACKENDS (2^18 - 1): no server accepts more connections than this.
    static let poolSize = 1...262_143

    /// From PostgreSQL's MAX_STARTUP_PACKET_LENGTH (10000 bytes: a limit below it could refuse
    /// an ordinary startup packet) to its MaxAllocSize (0x3fffffff: no server accepts a larger
    /// message).
    static let messageBytes = 10_000...0x3fff_ffff
}

extension TableReader {
    /// A `*_ms` duration: integer milliseconds, 0...INT_MAX.
    func milliseconds(_ key: String, default defaultValue: Int) -> Int {
        self.integer(key, default: defaultValue, in: ConfigLimits.milliseconds)
    }
}
