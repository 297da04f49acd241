// StatementTokens: one statement's bytes and PostgreSQL tokens, with parenthesis matching and word tests.

import SwitchyardSQL

/// The tokens of one statement, lexed with SwitchyardSQL's `Lexer`, over a private copy of its bytes.
///
/// Clauses are found by token, never by searching the text: `ORDER BY` inside a string constant,
/// a quoted identifier or a comment is not a token and cannot be mistaken for a clause.
struct StatementTokens {
    /// The statement's bytes; token ranges index them.
    let text: [UInt8]
    let tokens: [Token]
    let standardConformingStrings: Bool
    /// For each `(` (or `[`) token, the index of its closing token; `tokens.count` when unmatched.
    private let closeIndex: [Int]

    init(text: [UInt8], standardConformingStrings: Bool) {
        self.text = text
        self.standardConformingStrings = standardConformingStrings
        var tokens: [Token] = []
        text.withUnsafeBufferPointer { buffer in
            var lexer = Lexer(text: buffer, standardConformingStrings: standardConformingStrings)
            var hints: [HintComment] = []
            lexer.tokenize(into: &tokens, hints: &hints)
        }
        self.tokens = tokens
        var closeIndex = Array(repeating: tokens.count, count: tokens.count)
        var open: [Int] = []
        for (index, token) in tokens.enumerated() {
            switch token.kind {
            case .leftParenthesis, .leftBracket:
                open.append(index)
            case .rightParenthesis, .rightBracket:
                if let opener = open.popLast() { closeIndex[opener] = index }
            default:
                break
            }
        }
        self.closeIndex = closeIndex
    }

    var count: Int { self.tokens.count }

    subscript(index: Int) -> Token { self.tokens[index] }

    /// The index of the token closing the `(` or `[` at `index`.
    func close(of index: Int) -> Int { self.closeIndex[index] }

    /// Whether the token at `index` exists and is of `kind`.
    func isKind(_ kind: TokenKind, at index: Int) -> Bool {
        index >= 0 && index < self.tokens.count && self.tokens[index].kind == kind
    }

    /// The key word of an unquoted identifier at `index`, `.none` for anything else or past the end.
    func keyword(at index: Int) -> Keyword {
        guard index >= 0, index < self.tokens.count, self.tokens[index].kind == .identifier else { return .none }
        return self.tokens[index].keyword
    }

    /// Whether the unquoted identifier at `index` spells `word` (lower-case ASCII), ignoring case.
    func spells(_ word: StaticString, at index: Int) -> Bool {
        guard index >= 0, index < self.tokens.count else { return false }
        let token = self.tokens[index]
        guard token.kind == .identifier, token.end - token.start == word.utf8CodeUnitCount else { return false }
        return word.withUTF8Buffer { expected in
            for offset in 0..<expected.count {
                let byte = self.text[token.start + offset]
                let lowered = byte &- UInt8(ascii: "A") < 26 ? byte | 0x20 : byte
                if lowered != expected[offset] { return false }
            }
            return true
        }
    }

    /// Whether the token at `index` is the operator `symbol` (`*`, `-`, `<`...).
    func isOperator(_ symbol: StaticString, at index: Int) -> Bool {
        guard index >= 0, index < self.tokens.count, self.tokens[index].kind == .operator else { return false }
        let token = self.tokens[index]
        guard token.end - token.start == symbol.utf8CodeUnitCount else { return false }
        return symbol.withUTF8Buffer { expected in
            self.text[token.start..<token.end].elementsEqual(expected)
        }
    }

    /// The name an identifier token denotes (folded unless quoted), `nil` for other tokens.
    func name(at index: Int) -> String? {
        guard index >= 0, index < self.tokens.count else { return nil }
        let token = self.tokens[index]
        switch token.kind {
        case .identifier, .quotedIdentifier, .unicodeIdentifier:
            return self.text.withUnsafeBufferPointer { buffer in
                Lexer(text: buffer, standardConformingStrings: self.standardConformingStrings).name(of: token)
            }
        default:
            return nil
        }
    }

    /// The bytes of the token at `index`.
    func bytes(at index: Int) -> ArraySlice<UInt8> {
        self.text[self.tokens[index].range]
    }

    /// The value of an unsigned integer constant token (`42`), `nil` for any other token or on overflow.
    func integer(at index: Int) -> Int64? {
        guard self.isKind(.number, at: index) else { return nil }
        var value: Int64 = 0
        for byte in self.bytes(at: index) {
            guard byte &- UInt8(ascii: "0") < 10 else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { return nil }
            value = next
        }
        return value
    }

    /// The number of a parameter token (`$3` is 3), `nil` for any other token.
    func parameterNumber(at index: Int) -> Int? {
        guard self.isKind(.parameter, at: index) else { return nil }
        let digits = self.bytes(at: index).dropFirst()
        guard !digits.isEmpty, digits.count < 10 else { return nil }
        var number = 0
        for byte in digits { number = number * 10 + Int(byte - UInt8(ascii: "0")) }
        return number > 0 ? number : nil
    }

    /// Whether two token spans are the same expression written alike: same token kinds, unquoted
    /// words equal ignoring case, everything else byte for byte. Whitespace and comments between
    /// tokens do not matter.
    func isSameExpression(_ first: Range<Int>, _ second: Range<Int>) -> Bool {
        guard first.count == second.count, !first.isEmpty else { return false }
        for (left, right) in zip(first, second) {
            let a = self.tokens[left]
            let b = self.tokens[right]
            guard a.kind == b.kind else { return false }
            let leftBytes = self.text[a.range]
            let rightBytes = self.text[b.range]
            if a.kind == .identifier {
                let equal = leftBytes.elementsEqual(rightBytes) { x, y in
                    (x &- UInt8(ascii: "A") < 26 ? x | 0x20 : x) == (y &- UInt8(ascii: "A") < 26 ? y | 0x20 : y)
                }
                guard equal else { return false }
            } else {
                guard leftBytes.elementsEqual(rightBytes) else { return false }
            }
        }
        return true
    }

    /// Splits `range` at its top-level commas (commas inside parentheses or brackets do not count).
    func splitAtCommas(_ range: Range<Int>) -> [Range<Int>] {
        var items: [Range<Int>] = []
        var itemStart = range.lowerBound
        var index = range.lowerBound
        while index < range.upperBound {
            switch self.tokens[index].kind {
            case .comma:
                items.append(itemStart..<index)
                itemStart = index + 1
            case .leftParenthesis, .leftBracket:
                index = min(self.close(of: index), range.upperBound - 1)
            default:
                break
            }
            index += 1
        }
        items.append(itemStart..<range.upperBound)
        return items
    }
}
