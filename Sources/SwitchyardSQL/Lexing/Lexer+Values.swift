// Lexer+Values: turns identifier and string-constant tokens into the values PostgreSQL sees.

extension Lexer {
    /// PostgreSQL truncates identifiers to NAMEDATALEN - 1 = 63 bytes (`truncate_identifier` in
    /// `src/backend/parser/scansup.c`), never splitting a multibyte character.
    static let maximumIdentifierLength = 63

    /// The name an identifier token denotes: unquoted names folded to ASCII lower case (as
    /// `downcase_identifier` does for UTF-8), quoted ones exact with `""` unescaped, both
    /// truncated to 63 bytes. `nil` for an unterminated or invalid quoted identifier.
    package func name(of token: Token) -> String? {
        var bytes: [UInt8] = []
        switch token.kind {
        case .identifier:
            bytes.reserveCapacity(token.end - token.start)
            for index in token.range { bytes.append(CharacterClass.asciiLowercased(self.text[index])) }
        case .quotedIdentifier:
            guard !token.isUnterminated else { return nil }
            bytes = self.unescapedQuotedBody(from: token.start + 1, to: token.end - 1, quote: UInt8(ascii: "\""))
        case .unicodeIdentifier:
            guard !token.isUnterminated else { return nil }
            let raw = self.unescapedQuotedBody(from: token.start + 3, to: token.end - 1, quote: UInt8(ascii: "\""))
            guard let decoded = UnicodeEscapes.decode(raw, escape: UInt8(ascii: "\\")) else { return nil }
            bytes = decoded
        default:
            return nil
        }
        guard !bytes.isEmpty else { return nil }
        Self.truncateIdentifier(&bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func truncateIdentifier(_ bytes: inout [UInt8]) {
        guard bytes.count > Self.maximumIdentifierLength else { return }
        var length = Self.maximumIdentifierLength
        // Back off to the start of a UTF-8 character (continuation bytes are 10xxxxxx).
        while length > 0, bytes[length] & 0xC0 == 0x80 { length -= 1 }
        bytes.removeSubrange(length...)
    }

    /// Whether a plain identifier token spells `word` (ASCII, lower case) ignoring case.
    func spells(_ token: Token, _ word: StaticString) -> Bool {
        guard token.kind == .identifier, token.end - token.start == word.utf8CodeUnitCount else { return false }
        return word.withUTF8Buffer { expected in
            for offset in 0..<expected.count
            where CharacterClass.asciiLowercased(self.text[token.start + offset]) != expected[offset] {
                return false
            }
            return true
        }
    }

    /// The value of a string constant, or `nil` when it is not a valid character string
    /// (unterminated, a bit string, bad escapes or invalid UTF-8).
    /// - Parameter unicodeEscape: the escape character of a `U&'...'` constant (`UESCAPE`).
    package func stringValue(of token: Token, unicodeEscape: UInt8 = UInt8(ascii: "\\")) -> String? {
        guard !token.isUnterminated else { return nil }
        let bytes: [UInt8]
        switch token.kind {
        case .string:
            let bodyStart = self.text[token.start] == UInt8(ascii: "'") ? token.start + 1 : token.start + 2
            if self.standardConformingStrings {
                bytes = self.unescapedQuotedBody(from: bodyStart, to: token.end - 1, quote: UInt8(ascii: "'"))
            } else {
                guard let decoded = self.escapeStringBody(from: bodyStart, to: token.end - 1) else { return nil }
                bytes = decoded
            }
        case .escapeString:
            guard let decoded = self.escapeStringBody(from: token.start + 2, to: token.end - 1) else { return nil }
            bytes = decoded
        case .unicodeString:
            let raw = self.unescapedQuotedBody(from: token.start + 3, to: token.end - 1, quote: UInt8(ascii: "'"))
            guard let decoded = UnicodeEscapes.decode(raw, escape: unicodeEscape) else { return nil }
            bytes = decoded
        case .dollarString:
            var tagEnd = token.start + 1
            while tagEnd < token.end, self.text[tagEnd] != UInt8(ascii: "$") { tagEnd += 1 }
            let delimiterLength = tagEnd + 1 - token.start
            guard token.end - token.start >= 2 * delimiterLength else { return nil }
            bytes = Array(self.text[(token.start + delimiterLength)..<(token.end - delimiterLength)])
        default:
            return nil
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The body of a quoted token with doubled quotes collapsed and continuation gaps
    /// (`'a'` newline `'b'`) removed.
    private func unescapedQuotedBody(from start: Int, to end: Int, quote: UInt8) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(max(0, end - start))
        var index = start
        while index < end {
            let current = self.text[index]
            if current == quote {
                if index + 1 < end, self.text[index + 1] == quote {
                    bytes.append(quote)
                    index += 2
                    continue
                }
                index = self.skipContinuationGap(from: index + 1, to: end)
                continue
            }
            bytes.append(current)
            index += 1
        }
        return bytes
    }

    /// Skips from just after a closing quote to just after the quote that continues the
    /// constant. Only called inside a token the lexer built, so the gap is whitespace and
    /// `--` comments.
    private func skipContinuationGap(from index: Int, to end: Int) -> Int {
        var index = index
        while index < end {
            if self.text[index] == UInt8(ascii: "-"), index + 1 < end, self.text[index + 1] == UInt8(ascii: "-") {
                while index < end, !CharacterClass.isNewline(self.text[index]) { index += 1 }
            } else if self.text[index] == UInt8(ascii: "'") {
                return index + 1
            } else {
                index += 1
            }
        }
        return end
    }

    /// Decodes the backslash escapes of an `E'...'` body (PostgreSQL's `xe` rules).
    private func escapeStringBody(from start: Int, to end: Int) -> [UInt8]? {
        var bytes: [UInt8] = []
        var index = start
        while index < end {
            let current = self.text[index]
            if current == UInt8(ascii: "'") {
                if index + 1 < end, self.text[index + 1] == UInt8(ascii: "'") {
                    bytes.append(current)
                    index += 2
                } else {
                    index = self.skipContinuationGap(from: index + 1, to: end)
                }
                continue
            }
            guard current == UInt8(ascii: "\\"), index + 1 < end else {
                bytes.append(current)
                index += 1
                continue
            }
            let escaped = self.text[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = UInt32(escaped - UInt8(ascii: "0"))
                var digits = 1
                while digits < 3, index < end, self.text[index] &- UInt8(ascii: "0") < 8 {
                    value = value * 8 + UInt32(self.text[index] - UInt8(ascii: "0"))
                    index += 1
                    digits += 1
                }
                guard value != 0 else { return nil }
                bytes.append(UInt8(truncatingIfNeeded: value))
            case UInt8(ascii: "x"):
                var value: UInt32 = 0
                var digits = 0
                while digits < 2, index < end, let digit = UnicodeEscapes.hexValue(self.text[index]) {
                    value = value * 16 + digit
                    index += 1
                    digits += 1
                }
                if digits == 0 {
                    bytes.append(escaped)
                } else {
                    guard value != 0 else { return nil }
                    bytes.append(UInt8(value))
                }
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                let count = escaped == UInt8(ascii: "u") ? 4 : 8
                guard index + count <= end, let value = UnicodeEscapes.hexNumber(self.text, index, count) else {
                    return nil
                }
                index += count
                if (0xD800...0xDBFF).contains(value) {
                    // A high surrogate must be followed by \uXXXX holding the low one.
                    guard index + 6 <= end, self.text[index] == UInt8(ascii: "\\"),
                        self.text[index + 1] == UInt8(ascii: "u"),
                        let low = UnicodeEscapes.hexNumber(self.text, index + 2, 4), (0xDC00...0xDFFF).contains(low)
                    else { return nil }
                    index += 6
                    guard UnicodeEscapes.appendScalar(0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00), to: &bytes)
                    else { return nil }
                } else {
                    guard UnicodeEscapes.appendScalar(value, to: &bytes) else { return nil }
                }
            default:
                bytes.append(escaped)
            }
        }
        return bytes
    }
}
