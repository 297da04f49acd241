// Lexer+Quotes: whitespace, comments (with hint detection), quoted identifiers and strings.

/// How the body of a single-quoted constant is scanned.
enum QuoteStyle {
    /// `'...'`: only `''` escapes a quote.
    case standard
    /// `E'...'`: a backslash escapes the next byte, and `''` a quote.
    case escape
    /// `B'...'`/`X'...'`: nothing escapes; the first quote ends the body.
    case bits
}

extension Lexer {
    // MARK: - Whitespace and comments

    /// Skips spaces and comments; comments whose body starts with `switchyard:` are recorded.
    mutating func skipWhitespaceAndComments(tokenCount: Int, hints: inout [HintComment]) {
        while self.position < self.text.count {
            let current = self.text[self.position]
            if CharacterClass.isSpace(current) {
                self.position += 1
            } else if current == UInt8(ascii: "-"), self.isByte(at: self.position + 1, UInt8(ascii: "-")) {
                let bodyStart = self.position + 2
                var index = bodyStart
                while index < self.text.count, !CharacterClass.isNewline(self.text[index]) { index += 1 }
                self.recordHint(body: bodyStart..<index, tokenCount: tokenCount, hints: &hints)
                self.position = index
            } else if current == UInt8(ascii: "/"), self.isByte(at: self.position + 1, UInt8(ascii: "*")) {
                let bodyStart = self.position + 2
                let (bodyEnd, after) = self.blockCommentEnd(from: bodyStart)
                self.recordHint(body: bodyStart..<bodyEnd, tokenCount: tokenCount, hints: &hints)
                self.position = after
            } else {
                return
            }
        }
    }

    /// Finds the end of a (possibly nested) block comment whose body starts at `index`.
    /// - Returns: where the body ends and where scanning resumes (the end of text if unterminated).
    private func blockCommentEnd(from index: Int) -> (bodyEnd: Int, after: Int) {
        var depth = 1
        var index = index
        while index < self.text.count {
            let current = self.text[index]
            if current == UInt8(ascii: "/"), self.isByte(at: index + 1, UInt8(ascii: "*")) {
                depth += 1
                index += 2
            } else if current == UInt8(ascii: "*"), self.isByte(at: index + 1, UInt8(ascii: "/")) {
                depth -= 1
                if depth == 0 { return (index, index + 2) }
                index += 2
            } else {
                index += 1
            }
        }
        return (self.text.count, self.text.count)
    }

    private func recordHint(body: Range<Int>, tokenCount: Int, hints: inout [HintComment]) {
        let prefix: StaticString = "switchyard:"
        var index = body.lowerBound
        while index < body.upperBound, CharacterClass.isSpace(self.text[index]) { index += 1 }
        guard body.upperBound - index >= prefix.utf8CodeUnitCount else { return }
        let matches = prefix.withUTF8Buffer { expected in
            for offset in 0..<expected.count
            where CharacterClass.asciiLowercased(self.text[index + offset]) != expected[offset] {
                return false
            }
            return true
        }
        if matches {
            hints.append(
                HintComment(body: (index + prefix.utf8CodeUnitCount)..<body.upperBound, tokenIndex: tokenCount))
        }
    }

    // MARK: - Quoted constants

    /// Lexes a single-quoted constant whose body starts at `bodyStart`, following PostgreSQL's
    /// continuation rule: `'a'` newline `'b'` is one constant.
    mutating func lexQuoted(start: Int, bodyStart: Int, kind: TokenKind, style: QuoteStyle) -> Token {
        var index = bodyStart
        while index < self.text.count {
            let current = self.text[index]
            if current == UInt8(ascii: "\\"), style == .escape {
                index += 2
                continue
            }
            if current == UInt8(ascii: "'") {
                if style != .bits, self.isByte(at: index + 1, UInt8(ascii: "'")) {
                    index += 2
                    continue
                }
                if let resume = self.continuation(after: index + 1) {
                    index = resume
                    continue
                }
                self.position = index + 1
                return Token(kind: kind, start: start, end: index + 1)
            }
            index += 1
        }
        self.position = self.text.count
        return Token(kind: kind, start: start, end: self.text.count, isUnterminated: true)
    }

    /// If whitespace holding a newline (and maybe `--` comments) and then a quote follow
    /// `index`, returns the index just past that quote (PostgreSQL's `quotecontinue`).
    private func continuation(after index: Int) -> Int? {
        var index = index
        // Horizontal whitespace and comments, then a newline.
        while index < self.text.count {
            let current = self.text[index]
            if current == UInt8(ascii: " ") || current == UInt8(ascii: "\t") || current == 0x0C {
                index += 1
            } else if current == UInt8(ascii: "-"), self.isByte(at: index + 1, UInt8(ascii: "-")) {
                while index < self.text.count, !CharacterClass.isNewline(self.text[index]) { index += 1 }
            } else {
                break
            }
        }
        guard index < self.text.count, CharacterClass.isNewline(self.text[index]) else { return nil }
        index += 1
        // Any mix of whitespace and newline-terminated comments.
        while index < self.text.count {
            let current = self.text[index]
            if CharacterClass.isSpace(current) {
                index += 1
            } else if current == UInt8(ascii: "-"), self.isByte(at: index + 1, UInt8(ascii: "-")) {
                var end = index
                while end < self.text.count, !CharacterClass.isNewline(self.text[end]) { end += 1 }
                guard end < self.text.count else { return nil }
                index = end + 1
            } else {
                break
            }
        }
        return self.isByte(at: index, UInt8(ascii: "'")) ? index + 1 : nil
    }

    /// Lexes `"..."` or `U&"..."`; `""` stands for one quote.
    mutating func lexQuotedIdentifier(start: Int, bodyStart: Int, kind: TokenKind) -> Token {
        var index = bodyStart
        while index < self.text.count {
            if self.text[index] == UInt8(ascii: "\"") {
                if self.isByte(at: index + 1, UInt8(ascii: "\"")) {
                    index += 2
                    continue
                }
                self.position = index + 1
                return Token(kind: kind, start: start, end: index + 1)
            }
            index += 1
        }
        self.position = self.text.count
        return Token(kind: kind, start: start, end: self.text.count, isUnterminated: true)
    }
}
