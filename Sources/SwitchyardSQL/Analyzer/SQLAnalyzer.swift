// SQLAnalyzer: lexes a query text once, splits it into statements and analyses each of them.

/// Analyses query texts. Holds scratch buffers that are reused from one text to the next, so
/// keep one per event loop (it is a value; copies do not share buffers).
package struct SQLAnalyzer {
    package var options: AnalyzerOptions
    private var tokens: [Token] = []
    private var hintComments: [HintComment] = []
    /// For each `(` token, the index of its `)` (or of the statement end when unmatched).
    private var closeIndex: [Int] = []
    private var openStack: [Int] = []

    package init(options: AnalyzerOptions = AnalyzerOptions()) {
        self.options = options
    }

    /// Analyses `sql` (convenience for tools and tests; the data path passes bytes).
    package mutating func analyze(_ sql: String) -> SQLAnalysis {
        var sql = sql
        return sql.withUTF8 { self.analyze($0) }
    }

    /// Analyses the UTF-8 bytes of a query text (the Query message string without its NUL).
    package mutating func analyze(_ text: UnsafeBufferPointer<UInt8>) -> SQLAnalysis {
        var tokens = self.tokens
        var hintComments = self.hintComments
        var closeIndex = self.closeIndex
        self.tokens = []
        self.hintComments = []
        self.closeIndex = []
        tokens.removeAll(keepingCapacity: true)
        hintComments.removeAll(keepingCapacity: true)
        defer {
            self.tokens = tokens
            self.hintComments = hintComments
            self.closeIndex = closeIndex
        }

        var lexer = Lexer(text: text, standardConformingStrings: self.options.standardConformingStrings)
        lexer.tokenize(into: &tokens, hints: &hintComments)
        let statementRanges = Self.splitStatements(tokens, lexer: lexer)
        self.matchParentheses(tokens, statementRanges: statementRanges, into: &closeIndex)

        var statements: [StatementAnalysis] = []
        statements.reserveCapacity(statementRanges.count)
        tokens.withUnsafeBufferPointer { tokenBuffer in
            closeIndex.withUnsafeBufferPointer { closeBuffer in
                for range in statementRanges {
                    var analyzer = StatementAnalyzer(
                        lexer: lexer, tokens: tokenBuffer, closeIndex: closeBuffer,
                        start: range.lowerBound, end: range.upperBound, options: self.options)
                    let hints = Self.hints(for: range, in: hintComments, allRanges: statementRanges, lexer: lexer)
                    statements.append(analyzer.analyze(hints: hints))
                }
            }
        }
        return SQLAnalysis(statements: statements)
    }

    // MARK: - Statements

    /// Token ranges of the non-empty statements. A semicolon ends a statement, except inside the
    /// `BEGIN ... END` body of `CREATE [OR REPLACE] FUNCTION|PROCEDURE` (SQL-standard bodies,
    /// PostgreSQL 14+), tracked the way psql does (`psqlscan.l`: BEGIN and CASE open, END closes).
    static func splitStatements(_ tokens: [Token], lexer: Lexer) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        var blockDepth = 0
        var isRoutine = false
        for index in tokens.indices {
            let token = tokens[index]
            if index == start {
                isRoutine = Self.startsRoutineDefinition(tokens, at: start)
                blockDepth = 0
            }
            if token.kind == .semicolon {
                if blockDepth > 0 { continue }
                if index > start { ranges.append(start..<index) }
                start = index + 1
                continue
            }
            if isRoutine, token.kind == .identifier {
                switch token.keyword {
                case .begin, .case: blockDepth += 1
                case .end where blockDepth > 0: blockDepth -= 1
                default: break
                }
            }
        }
        if start < tokens.count { ranges.append(start..<tokens.count) }
        return ranges
    }

    private static func startsRoutineDefinition(_ tokens: [Token], at start: Int) -> Bool {
        guard start < tokens.count, tokens[start].keyword == .create else { return false }
        var index = start + 1
        if index + 1 < tokens.count, tokens[index].keyword == .or, tokens[index + 1].keyword == .replace { index += 2 }
        guard index < tokens.count else { return false }
        return tokens[index].keyword == .function || tokens[index].keyword == .procedure
    }

    /// Fills `closeIndex[i]` for every `(` with the index of its `)`, within its statement.
    private mutating func matchParentheses(_ tokens: [Token], statementRanges: [Range<Int>], into closeIndex: inout [Int]) {
        if closeIndex.count < tokens.count {
            closeIndex.append(contentsOf: repeatElement(0, count: tokens.count - closeIndex.count))
        }
        var stack = self.openStack
        self.openStack = []
        defer { self.openStack = stack }
        for range in statementRanges {
            stack.removeAll(keepingCapacity: true)
            for index in range {
                switch tokens[index].kind {
                case .leftParenthesis:
                    stack.append(index)
                case .rightParenthesis:
                    if let open = stack.popLast() { closeIndex[open] = index }
                default:
                    break
                }
            }
            for open in stack { closeIndex[open] = range.upperBound }
        }
    }

    // MARK: - Hints

    /// The merged hints of the comments that belong to `range`: those before its first token
    /// (after the previous statement) through those before its terminating semicolon. Comments
    /// after the last statement belong to it.
    private static func hints(
        for range: Range<Int>, in comments: [HintComment], allRanges: [Range<Int>], lexer: Lexer
    ) -> RoutingHints {
        var hints = RoutingHints()
        guard !comments.isEmpty else { return hints }
        let isLast = range == allRanges.last
        let previousEnd = allRanges.last(where: { $0.upperBound < range.lowerBound })?.upperBound ?? -1
        for comment in comments {
            let index = comment.tokenIndex
            let belongs = (index > previousEnd && index <= range.upperBound) || (isLast && index > range.upperBound)
            guard belongs else { continue }
            let body = String(decoding: lexer.text[comment.body], as: UTF8.self)
            hints.parse(body)
        }
        return hints
    }
}
