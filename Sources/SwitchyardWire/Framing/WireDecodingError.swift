// WireDecodingError: why a byte sequence is not a valid PostgreSQL v3 message.

/// A decoding failure. Peers cause these, so they are values, never traps.
package enum WireDecodingError: Error, Hashable, Sendable {
    /// The length field is below its minimum (4 for regular messages, 8 for startup packets).
    case lengthTooSmall(Int)
    /// The declared length exceeds the configured limit.
    case messageTooLarge(length: Int, limit: Int)
    /// The message type byte is not one this direction allows.
    case unknownMessageType(UInt8)
    /// A startup packet carried an unknown request code or protocol version.
    case unknownStartupCode(UInt32)
    /// The body ended before a field did.
    case truncated(field: String)
    /// Bytes were left over after the last field.
    case trailingBytes(Int)
    /// A string was not terminated by a zero byte.
    case unterminatedString(field: String)
    /// A string field was not valid UTF-8.
    case invalidUTF8(field: String)
    /// A field held a value outside its allowed set (negative count, unknown kind byte...).
    case invalidValue(field: String, value: Int)

    /// A short, lower-case description for ErrorResponse messages and logs.
    package var message: String {
        switch self {
        case .lengthTooSmall(let length): return "invalid message length \(length)"
        case .messageTooLarge(let length, let limit):
            return "message length \(length) exceeds the limit of \(limit) bytes"
        case .unknownMessageType(let byte):
            if byte >= 0x20 && byte < 0x7F {
                return "invalid frontend message type \(byte) (\"\(Character(Unicode.Scalar(byte)))\")"
            }
            return "invalid frontend message type \(byte)"
        case .unknownStartupCode(let code): return "unsupported frontend protocol or request code \(code)"
        case .truncated(let field): return "message truncated in field \(field)"
        case .trailingBytes(let count): return "message has \(count) unexpected trailing bytes"
        case .unterminatedString(let field): return "unterminated string in field \(field)"
        case .invalidUTF8(let field): return "invalid UTF-8 in field \(field)"
        case .invalidValue(let field, let value): return "invalid value \(value) in field \(field)"
        }
    }
}
