// Token: one lexical element of PostgreSQL SQL, as a byte range into the statement text.

/// The lexical class of a token, following PostgreSQL's `scan.l`.
package enum TokenKind: UInt8, Hashable, Sendable {
    /// An unquoted identifier or key word (`select`, `orders`, `a$b`); folded to lower case.
    case identifier
    /// A double-quoted identifier (`"Order Items"`), `""` standing for one `"`.
    case quotedIdentifier
    /// A Unicode-escaped identifier (`U&"d\0061t"`).
    case unicodeIdentifier
    /// A standard string constant (`'it''s'`, also `N'...'`).
    case string
    /// An escape string constant (`E'it\'s'`).
    case escapeString
    /// A Unicode-escaped string constant (`U&'\0041'`).
    case unicodeString
    /// A bit-string constant (`B'0101'` or `X'1F'`).
    case bitString
    /// A dollar-quoted string constant (`$$...$$`, `$tag$...$tag$`).
    case dollarString
    /// A numeric constant (`42`, `3.5`, `1e10`).
    case number
    /// A positional parameter (`$1`).
    case parameter
    /// An operator (`=`, `<>`, `||`, `->>`).
    case `operator`
    /// `(`
    case leftParenthesis
    /// `)`
    case rightParenthesis
    /// `[`
    case leftBracket
    /// `]`
    case rightBracket
    /// `,`
    case comma
    /// `;`
    case semicolon
    /// `.`
    case dot
    /// `:` (array slices)
    case colon
    /// `::`
    case typecast
    /// A byte PostgreSQL's lexer rejects, or a lone `$`.
    case other
}

/// One token: its class, the key word it spells (if any) and where it lies in the text.
///
/// Tokens never copy SQL: `start..<end` indexes the UTF-8 bytes the lexer was given.
package struct Token: Hashable, Sendable {
    package var kind: TokenKind
    /// The key word an unquoted identifier spells, `.none` for any other token.
    package var keyword: Keyword
    /// Whether a quoted token ran to the end of the text without its closing quote.
    package var isUnterminated: Bool
    // 32-bit offsets keep a token at 12 bytes: a multi-megabyte INSERT lexes to millions of
    // them. Texts are far below 4 GiB (the analyzer refuses larger ones).
    private var storedStart: UInt32
    private var storedEnd: UInt32

    package init(kind: TokenKind, keyword: Keyword = .none, start: Int, end: Int, isUnterminated: Bool = false) {
        self.kind = kind
        self.keyword = keyword
        self.isUnterminated = isUnterminated
        self.storedStart = UInt32(truncatingIfNeeded: start)
        self.storedEnd = UInt32(truncatingIfNeeded: end)
    }

    package var start: Int { Int(self.storedStart) }
    package var end: Int { Int(self.storedEnd) }

    /// The token's bytes in the original text.
    package var range: Range<Int> { self.start..<self.end }

    /// Whether this token can name something: an identifier that is not a reserved key word, or a
    /// quoted identifier.
    var isName: Bool {
        switch self.kind {
        case .identifier: return !self.keyword.isReserved
        case .quotedIdentifier, .unicodeIdentifier: return true
        default: return false
        }
    }

    /// Whether this token is any kind of string constant.
    var isStringConstant: Bool {
        switch self.kind {
        case .string, .escapeString, .unicodeString, .dollarString: return true
        default: return false
        }
    }
}
