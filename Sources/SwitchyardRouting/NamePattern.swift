// NamePattern: a table (or function) pattern of the routing rules, with globs and PostgreSQL folding.

/// `table`, `schema.table`, with `*` and `?` globs in either part.
///
/// - A pattern without a dot matches the name in any schema (and unqualified references);
///   `schema.table` matches references qualified with that schema only.
/// - Names compare as PostgreSQL folds them: unquoted parts are lower-cased, double-quoted
///   parts (`"MixedCase"`, `""` for a quote) are exact.
/// - `?` matches one character (one UTF-8 scalar), `*` any run of characters.
package struct NamePattern: Hashable, Sendable, CustomStringConvertible {
    package let schema: Glob?
    package let name: Glob
    /// The pattern as written.
    package let description: String

    /// Parses a pattern; `nil` if it is empty, has more than two parts or an unterminated quote.
    package init?(_ pattern: String) {
        var parts: [Glob] = []
        var current: [UInt8] = []
        var isQuoted = false
        var partHasText = false
        var bytes = Array(pattern.utf8)[...]
        while let byte = bytes.popFirst() {
            if isQuoted {
                if byte == UInt8(ascii: "\"") {
                    if bytes.first == UInt8(ascii: "\"") {
                        current.append(byte)
                        bytes.removeFirst()
                    } else {
                        isQuoted = false
                    }
                } else {
                    current.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                isQuoted = true
                partHasText = true
            case UInt8(ascii: "."):
                guard partHasText else { return nil }
                parts.append(Glob(current))
                current = []
                partHasText = false
            default:
                current.append(byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte)
                partHasText = true
            }
        }
        guard !isQuoted, partHasText else { return nil }
        parts.append(Glob(current))
        // PostgreSQL rejects zero-length quoted identifiers too.
        guard parts.allSatisfy({ !$0.bytes.isEmpty }) else { return nil }
        switch parts.count {
        case 1:
            self.schema = nil
            self.name = parts[0]
        case 2:
            self.schema = parts[0]
            self.name = parts[1]
        default:
            return nil
        }
        self.description = pattern
    }

    /// Whether a (folded) reference matches.
    package func matches(schema: String?, name: String) -> Bool {
        if let schemaGlob = self.schema {
            guard let schema, schemaGlob.matches(schema) else { return false }
        }
        return self.name.matches(name)
    }

    /// One part of a pattern, folded.
    package struct Glob: Hashable, Sendable {
        package let bytes: [UInt8]
        private let literal: String?

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
            let hasWildcards = bytes.contains(UInt8(ascii: "*")) || bytes.contains(UInt8(ascii: "?"))
            self.literal = hasWildcards ? nil : String(decoding: bytes, as: UTF8.self)
        }

        package func matches(_ text: String) -> Bool {
            if let literal = self.literal { return literal == text }
            var text = text
            return text.withUTF8 { Self.globMatch(pattern: self.bytes, text: $0) }
        }

        /// Iterative glob matching with single-star backtracking (linear in practice).
        private static func globMatch(pattern: [UInt8], text: UnsafeBufferPointer<UInt8>) -> Bool {
            var p = 0
            var t = 0
            var starPattern = -1
            var starText = 0
            while t < text.count {
                if p < pattern.count, pattern[p] == UInt8(ascii: "?") {
                    p += 1
                    t = Self.nextCharacter(text, after: t)
                } else if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                    starPattern = p
                    starText = t
                    p += 1
                } else if p < pattern.count, pattern[p] == text[t] {
                    p += 1
                    t += 1
                } else if starPattern >= 0 {
                    p = starPattern + 1
                    starText = Self.nextCharacter(text, after: starText)
                    t = starText
                } else {
                    return false
                }
            }
            while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
            return p == pattern.count
        }

        private static func nextCharacter(_ text: UnsafeBufferPointer<UInt8>, after index: Int) -> Int {
            var next = index + 1
            while next < text.count, text[next] & 0xC0 == 0x80 { next += 1 }
            return next
        }
    }
}
