// ScramIterationCount: strict parsing of SCRAM's `posit-number` iteration counts.

/// Parses an iteration count: RFC 5802's `posit-number = %x31-39 *DIGIT`, within a bound.
enum ScramIterationCount {
    /// The most iterations the proxy computes when a server asks it to log in. A hostile or
    /// misconfigured server must not make the proxy spend seconds of CPU per connection;
    /// PostgreSQL's default is 4096.
    static let clientMaximum = 1_000_000

    /// The value of `digits`, or `nil` if it is empty, has a sign, a leading zero, any other
    /// character, or exceeds `maximum`.
    static func parse(_ digits: some Collection<UInt8>, maximum: Int) -> Int? {
        guard let first = digits.first, (0x31...0x39).contains(first) else { return nil }
        var value = 0
        for digit in digits {
            guard (0x30...0x39).contains(digit) else { return nil }
            value = value * 10 + Int(digit - 0x30)
            // Checked per digit, so a long run of digits stops early and never overflows.
            guard value <= maximum else { return nil }
        }
        return value
    }
}
