// TOMLNode: a parsed TOML document as a plain value tree, independent of the TOML library.

/// One TOML value. The document is converted to this tree once, right after parsing, so that
/// decoding and validation work on plain values and only one file touches the TOML library.
indirect enum TOMLNode: Equatable, Sendable {
    /// A table (`[header]`, inline `{ ... }` or dotted keys). Key order is not kept: the TOML
    /// library stores tables sorted, and the line locator gives declaration order where needed.
    case table([String: TOMLNode])
    /// An array, or an array of tables (`[[header]]`).
    case array([TOMLNode])
    /// A string, escapes resolved.
    case string(String)
    /// A 64-bit integer.
    case integer(Int)
    /// A float; no Switchyard key takes one, so it appears only in type errors.
    case float(Double)
    case boolean(Bool)
    /// A date, time or date-time; no Switchyard key takes one, so only its kind is kept.
    case dateTime(TOMLDateTimeKind)

    /// Which of TOML's date and time types a value is.
    enum TOMLDateTimeKind: Equatable, Sendable {
        case date, time, dateTime
    }

    /// The value's kind with its article, as used in `expected an integer, found a string`.
    var kindDescription: String {
        switch self {
        case .table: return "a table"
        case .array: return "an array"
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .boolean: return "a boolean"
        case .dateTime(.date): return "a date"
        case .dateTime(.time): return "a time"
        case .dateTime(.dateTime): return "a date-time"
        }
    }
}
