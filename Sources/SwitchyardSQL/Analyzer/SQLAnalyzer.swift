// SQLAnalyzer: lexes a query text once, splits it into statements and analyses each of them.

/// Analyses query texts. Holds scratch buffers that are reused from one text to the next, so
/// keep one per event loop (it is a value; copies do not share buffers).
package struct SQLAnalyzer {
    package var options: AnalyzerOptions
    private var tokens: [Token] = []
    private var hintComments: [HintComment] = []
    /// For each `(` token, the index of its `)` (or of the statement end when unmatched).
    private var closeIndex: [Int32] = []

    package init(options: AnalyzerOptions = AnalyzerOptions()) {
        self.options = options
    }

    /// Analyses `sql` (convenience for tools and tests; the data path passes bytes).
    package mutating func analyze(_ sql: String) -> SQLAnalysis {
        var sql = sql
        return sql.withUTF8 { self.analyze($0) }
    }

    /// Texts with more statements than this are analysed up to it; the rest of the text is one
    /// unrecognized statement (a write), which bounds the work and memory one message can cost.
    package static let maximumStatements = 4096

    /// Analyses the UTF-8 bytes of a query text (the Query message string without its NUL).
    ///
    /// Statements are lexed and analysed one at a time, so scratch memory is bounded by the
    /// largest statement, not by the whole text.
    package mutating func analyze(_ text: UnsafeBufferPointer<UInt8>) -> SQLAnalysis {
        guard text.count < Int(UInt32.max) else {
            return SQLAnalysis(statements: [StatementAnalysis(kind: .write(.unrecognized), range: 0..<text.count)])
        }
        var tokens = self.tokens
        var hintComments = self.hintComments
        var closeIndex = self.closeIndex
        self.tokens = []
        self.hintComments = []
        self.closeIndex = []
        defer {
            self.tokens = tokens
            self.hintComments = hintComments
            self.closeIndex = closeIndex
        }

        var lexer = Lexer(text: text, standardConformingStrings: self.options.standardConformingStrings)
        var statements: [StatementAnalysis] = []
        // Hints of comments outside any statement (`; /* hint */ ;`) go to the next statement,
        // or to the last one when the text ends.
        var strayHints = RoutingHints()
        var hasStrayHints = false
        while true {
            tokens.removeAll(keepingCapacity: true)
            hintComments.removeAll(keepingCapacity: true)
            let reachedEnd = Self.lexStatement(&lexer, into: &tokens, hints: &hintComments)
            var hints = RoutingHints()
            if hasStrayHints, !tokens.isEmpty {
                hints = strayHints
                strayHints = RoutingHints()
                hasStrayHints = false
            }
            for comment in hintComments {
                hints.parse(String(decoding: UnsafeBufferPointer(rebasing: text[comment.body]), as: UTF8.self))
            }
            if tokens.isEmpty {
                if !hintComments.isEmpty {
                    strayHints.merge(hints)
                    hasStrayHints = true
                }
            } else if statements.count == Self.maximumStatements {
                statements.append(
                    StatementAnalysis(
                        kind: .write(.unrecognized), range: tokens[0].start..<text.count, hints: hints))
                break
            } else {
                Self.matchParentheses(tokens, into: &closeIndex)
                let statement = tokens.withUnsafeBufferPointer { tokenBuffer in
                    closeIndex.withUnsafeBufferPointer { closeBuffer in
                        var analyzer = StatementAnalyzer(
                            lexer: lexer, tokens: tokenBuffer, closeIndex: closeBuffer, start: 0,
                            end: tokenBuffer.count,
                            options: self.options)
                        return analyzer.analyze(hints: hints)
                    }
                }
                statements.append(statement)
            }
            if reachedEnd { break }
        }
        if hasStrayHints, let last = statements.popLast() {
            var hints = last.hints
            hints.merge(strayHints)
            statements.append(last.replacingHints(hints))
        }
        return SQLAnalysis(statements: statements)
    }

    // MARK: - Statements

    /// Lexes one statement into `tokens`, up to (not including) the semicolon that ends it.
    /// A semicolon ends a statement except inside the `BEGIN ... END` body of
    /// `CREATE [OR REPLACE] FUNCTION|PROCEDURE` (SQL-standard bodies, PostgreSQL 14+), tracked
    /// the way psql does (`psqlscan.l`: BEGIN and CASE open a block, END closes one).
    /// - Returns: whether the text ended.
    private static func lexStatement(
        _ lexer: inout Lexer, into tokens: inout [Token], hints: inout [HintComment]
    ) -> Bool {
        var isRoutine = false
        var blockDepth = 0
        while let token = lexer.next(tokenCount: tokens.count, hints: &hints) {
            if token.kind == .semicolon, blockDepth == 0 { return false }
            tokens.append(token)
            if tokens.count <= 4 { isRoutine = Self.startsRoutineDefinition(tokens) }
            if isRoutine, token.kind == .identifier {
                switch token.keyword {
                case .begin, .case: blockDepth += 1
                case .end where blockDepth > 0: blockDepth -= 1
                default: break
                }
            }
        }
        return true
    }

    private static func startsRoutineDefinition(_ tokens: [Token]) -> Bool {
        guard tokens.count >= 2, tokens[0].keyword == .create else { return false }
        var index = 1
        if tokens[1].keyword == .or {
            guard tokens.count >= 4, tokens[2].keyword == .replace else { return false }
            index = 3
        }
        return tokens[index].keyword == .function || tokens[index].keyword == .procedure
    }

    /// Fills `closeIndex[i]` for every `(` with the index of its `)` (the token count when it
    /// has none).
    private static func matchParentheses(_ tokens: [Token], into closeIndex: inout [Int32]) {
        if closeIndex.count < tokens.count {
            closeIndex.append(contentsOf: repeatElement(0, count: tokens.count - closeIndex.count))
        }
        // The stack of open parentheses lives in closeIndex itself: each open slot holds the
        // index of the enclosing open parenthesis until its own close is found.
        var innermostOpen = -1
        for index in tokens.indices {
            switch tokens[index].kind {
            case .leftParenthesis:
                closeIndex[index] = Int32(innermostOpen)
                innermostOpen = index
            case .rightParenthesis:
                guard innermostOpen >= 0 else { continue }
                let enclosing = Int(closeIndex[innermostOpen])
                closeIndex[innermostOpen] = Int32(index)
                innermostOpen = enclosing
            default:
                break
            }
        }
        while innermostOpen >= 0 {
            let enclosing = Int(closeIndex[innermostOpen])
            closeIndex[innermostOpen] = Int32(tokens.count)
            innermostOpen = enclosing
        }
    }
}
