// Lexer: splits UTF-8 SQL into PostgreSQL tokens (byte ranges), never trapping on any input.

/// A `/* switchyard: ... */` or `-- switchyard: ...` comment found while lexing.
package struct HintComment: Hashable, Sendable {
    /// The bytes after `switchyard:` up to the end of the comment body.
    package var body: Range<Int>
    /// The number of tokens lexed before the comment: it belongs to the statement holding the
    /// next token.
    package var tokenIndex: Int
}

/// PostgreSQL's lexical rules (`src/backend/parser/scan.l` of PostgreSQL 15,
/// https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/parser/scan.l),
/// reimplemented over raw bytes.
///
/// Every read is bounds-checked against the end of the text: arbitrary bytes (invalid UTF-8,
/// NULs, unterminated quotes and comments) produce tokens or `.other`, never a trap, and each
/// step consumes at least one byte, so lexing always ends.
package struct Lexer {
    let text: UnsafeBufferPointer<UInt8>
    /// With `standard_conforming_strings = off`, backslashes escape in plain `'...'` strings too.
    let standardConformingStrings: Bool
    var position = 0

    package init(text: UnsafeBufferPointer<UInt8>, standardConformingStrings: Bool = true) {
        self.text = text
        self.standardConformingStrings = standardConformingStrings
    }

    /// Lexes the whole text, appending tokens and hint comments.
    package mutating func tokenize(into tokens: inout [Token], hints: inout [HintComment]) {
        while let token = self.next(tokenCount: tokens.count, hints: &hints) {
            tokens.append(token)
        }
    }

    /// The next token, after skipping whitespace and comments (hint comments are appended to
    /// `hints`, marked with `tokenCount`); `nil` at the end of the text.
    package mutating func next(tokenCount: Int, hints: inout [HintComment]) -> Token? {
        self.skipWhitespaceAndComments(tokenCount: tokenCount, hints: &hints)
        guard self.position < self.text.count else { return nil }
        return self.nextToken()
    }

    /// Convenience for tests and tools: all tokens of `sql`.
    package static func tokens(of sql: String, standardConformingStrings: Bool = true) -> [Token] {
        var copy = sql
        return copy.withUTF8 { buffer in
            var lexer = Lexer(text: buffer, standardConformingStrings: standardConformingStrings)
            var tokens: [Token] = []
            var hints: [HintComment] = []
            lexer.tokenize(into: &tokens, hints: &hints)
            return tokens
        }
    }

    // MARK: - Byte access

    @inline(__always)
    func byte(at index: Int) -> UInt8? {
        index < self.text.count ? self.text[index] : nil
    }

    @inline(__always)
    func isByte(at index: Int, _ value: UInt8) -> Bool {
        index < self.text.count && self.text[index] == value
    }

    // MARK: - Tokens

    private mutating func nextToken() -> Token {
        let start = self.position
        let first = self.text[start]
        switch first {
        case UInt8(ascii: "\""):
            return self.lexQuotedIdentifier(start: start, bodyStart: start + 1, kind: .quotedIdentifier)
        case UInt8(ascii: "'"):
            let style: QuoteStyle = self.standardConformingStrings ? .standard : .escape
            return self.lexQuoted(start: start, bodyStart: start + 1, kind: .string, style: style)
        case UInt8(ascii: "$"):
            return self.lexDollar(start: start)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return self.lexNumber(start: start)
        case UInt8(ascii: "."):
            if let next = self.byte(at: start + 1), CharacterClass.isDigit(next) {
                return self.lexNumber(start: start)
            }
            if self.isByte(at: start + 1, UInt8(ascii: ".")) {
                return self.single(.operator, start: start, length: 2)
            }
            return self.single(.dot, start: start, length: 1)
        case UInt8(ascii: "("): return self.single(.leftParenthesis, start: start, length: 1)
        case UInt8(ascii: ")"): return self.single(.rightParenthesis, start: start, length: 1)
        case UInt8(ascii: "["): return self.single(.leftBracket, start: start, length: 1)
        case UInt8(ascii: "]"): return self.single(.rightBracket, start: start, length: 1)
        case UInt8(ascii: ","): return self.single(.comma, start: start, length: 1)
        case UInt8(ascii: ";"): return self.single(.semicolon, start: start, length: 1)
        case UInt8(ascii: ":"):
            if self.isByte(at: start + 1, UInt8(ascii: ":")) { return self.single(.typecast, start: start, length: 2) }
            if self.isByte(at: start + 1, UInt8(ascii: "=")) { return self.single(.operator, start: start, length: 2) }
            return self.single(.colon, start: start, length: 1)
        default:
            if CharacterClass.isIdentifierStart(first) {
                return self.lexWordOrPrefixedConstant(start: start)
            }
            if CharacterClass.isOperator(first) {
                return self.lexOperator(start: start)
            }
            return self.single(.other, start: start, length: 1)
        }
    }

    @inline(__always)
    private mutating func single(_ kind: TokenKind, start: Int, length: Int) -> Token {
        self.position = start + length
        return Token(kind: kind, start: start, end: start + length)
    }

    /// `E'...'`, `N'...'`, `B'...'`, `X'...'`, `U&'...'` and `U&"..."` start like identifiers.
    private mutating func lexWordOrPrefixedConstant(start: Int) -> Token {
        let first = self.text[start] | 0x20
        if self.isByte(at: start + 1, UInt8(ascii: "'")) {
            switch first {
            case UInt8(ascii: "e"):
                return self.lexQuoted(start: start, bodyStart: start + 2, kind: .escapeString, style: .escape)
            case UInt8(ascii: "n"):
                let style: QuoteStyle = self.standardConformingStrings ? .standard : .escape
                return self.lexQuoted(start: start, bodyStart: start + 2, kind: .string, style: style)
            case UInt8(ascii: "b"), UInt8(ascii: "x"):
                return self.lexQuoted(start: start, bodyStart: start + 2, kind: .bitString, style: .bits)
            default:
                break
            }
        }
        if first == UInt8(ascii: "u"), self.isByte(at: start + 1, UInt8(ascii: "&")) {
            if self.isByte(at: start + 2, UInt8(ascii: "'")) {
                return self.lexQuoted(start: start, bodyStart: start + 3, kind: .unicodeString, style: .standard)
            }
            if self.isByte(at: start + 2, UInt8(ascii: "\"")) {
                return self.lexQuotedIdentifier(start: start, bodyStart: start + 3, kind: .unicodeIdentifier)
            }
        }
        return self.lexIdentifier(start: start)
    }

    private mutating func lexIdentifier(start: Int) -> Token {
        var packed = PackedWord()
        var index = start
        while index < self.text.count, CharacterClass.isIdentifierContinuation(self.text[index]) {
            let length = index - start
            if length < PackedWord.maximumLength {
                packed.set(CharacterClass.asciiLowercased(self.text[index]), at: length)
            }
            index += 1
        }
        self.position = index
        let keyword = index - start > PackedWord.maximumLength ? .none : KeywordTable.shared.keyword(for: packed)
        return Token(kind: .identifier, keyword: keyword, start: start, end: index)
    }

    private mutating func lexNumber(start: Int) -> Token {
        var index = start
        while index < self.text.count, CharacterClass.isDigit(self.text[index]) { index += 1 }
        // A dot followed by another dot is `..` (PostgreSQL's decimalfail): the integer ends here.
        if self.isByte(at: index, UInt8(ascii: ".")), !self.isByte(at: index + 1, UInt8(ascii: ".")) {
            index += 1
            while index < self.text.count, CharacterClass.isDigit(self.text[index]) { index += 1 }
        }
        if let e = self.byte(at: index), e | 0x20 == UInt8(ascii: "e") {
            var exponent = index + 1
            if let sign = self.byte(at: exponent), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                exponent += 1
            }
            if let digit = self.byte(at: exponent), CharacterClass.isDigit(digit) {
                index = exponent
                while index < self.text.count, CharacterClass.isDigit(self.text[index]) { index += 1 }
            }
        }
        self.position = index
        return Token(kind: .number, start: start, end: index)
    }

    private mutating func lexOperator(start: Int) -> Token {
        var end = start + 1
        while end < self.text.count, CharacterClass.isOperator(self.text[end]) {
            // An embedded `/*` or `--` starts a comment: the operator stops before it.
            let current = self.text[end]
            if current == UInt8(ascii: "*"), self.text[end - 1] == UInt8(ascii: "/") { end -= 1; break }
            if current == UInt8(ascii: "-"), self.text[end - 1] == UInt8(ascii: "-") { end -= 1; break }
            end += 1
        }
        // Unreachable while comments are skipped first, but a token must never be empty.
        end = max(end, start + 1)
        if end - start > 1, self.text[end - 1] == UInt8(ascii: "+") || self.text[end - 1] == UInt8(ascii: "-") {
            // `=-` lexes as `=` and `-`; operators with a non-SQL character (`?-`) keep theirs.
            var hasNonSQLCharacter = false
            for index in start..<(end - 1) where CharacterClass.isNonSQLOperatorCharacter(self.text[index]) {
                hasNonSQLCharacter = true
                break
            }
            if !hasNonSQLCharacter {
                repeat {
                    end -= 1
                } while end - start > 1
                    && (self.text[end - 1] == UInt8(ascii: "+") || self.text[end - 1] == UInt8(ascii: "-"))
            }
        }
        self.position = end
        return Token(kind: .operator, start: start, end: end)
    }

    /// `$1` is a parameter; `$$` or `$tag$` opens a dollar quote; any other `$` is a stray byte.
    private mutating func lexDollar(start: Int) -> Token {
        guard let next = self.byte(at: start + 1) else { return self.single(.other, start: start, length: 1) }
        if CharacterClass.isDigit(next) {
            var index = start + 1
            while index < self.text.count, CharacterClass.isDigit(self.text[index]) { index += 1 }
            self.position = index
            return Token(kind: .parameter, start: start, end: index)
        }
        var tagEnd = start + 1
        if CharacterClass.isIdentifierStart(next) {
            tagEnd += 1
            while tagEnd < self.text.count, CharacterClass.isDollarTagContinuation(self.text[tagEnd]) { tagEnd += 1 }
        }
        guard self.isByte(at: tagEnd, UInt8(ascii: "$")) else { return self.single(.other, start: start, length: 1) }
        let delimiterLength = tagEnd + 1 - start
        var index = tagEnd + 1
        while index < self.text.count {
            if self.text[index] == UInt8(ascii: "$"),
                self.matchesDelimiter(at: index, delimiterStart: start, length: delimiterLength)
            {
                self.position = index + delimiterLength
                return Token(kind: .dollarString, start: start, end: self.position)
            }
            index += 1
        }
        self.position = self.text.count
        return Token(kind: .dollarString, start: start, end: self.text.count, isUnterminated: true)
    }

    private func matchesDelimiter(at index: Int, delimiterStart: Int, length: Int) -> Bool {
        guard index + length <= self.text.count else { return false }
        for offset in 0..<length where self.text[index + offset] != self.text[delimiterStart + offset] {
            return false
        }
        return true
    }
}
