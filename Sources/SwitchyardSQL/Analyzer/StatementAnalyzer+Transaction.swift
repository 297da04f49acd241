// StatementAnalyzer+Transaction: BEGIN/COMMIT/ROLLBACK/SAVEPOINT/two-phase commands, and EXPLAIN.

extension StatementAnalyzer {
    mutating func classifyTransaction(from index: Int) -> StatementKind {
        let command = self.keyword(at: index)
        var next = index + 1
        switch command {
        case .begin, .start:
            if command == .start, self.keyword(at: next) != .transaction { return .write(.unrecognized) }
            if self.keyword(at: next) == .work || self.keyword(at: next) == .transaction { next += 1 }
            return .transaction(.begin(readOnly: self.accessMode(from: next)))
        case .commit, .end, .rollback, .abort:
            if self.keyword(at: next) == .prepared, command == .commit || command == .rollback {
                let gid = self.stringValue(at: next + 1) ?? ""
                return .transaction(command == .commit ? .commitPrepared(gid) : .rollbackPrepared(gid))
            }
            if self.keyword(at: next) == .work || self.keyword(at: next) == .transaction { next += 1 }
            if command == .rollback, self.keyword(at: next) == .to {
                next += 1
                if self.keyword(at: next) == .savepoint { next += 1 }
                return .transaction(.rollbackToSavepoint(self.anyName(at: next) ?? ""))
            }
            let chain = self.keyword(at: next) == .and && self.keyword(at: next + 1) == .chain
            switch command {
            case .commit, .end: return .transaction(.commit(chain: chain))
            default: return .transaction(.rollback(chain: chain))
            }
        case .savepoint:
            return .transaction(.savepoint(self.anyName(at: next) ?? ""))
        case .release:
            if self.keyword(at: next) == .savepoint { next += 1 }
            return .transaction(.releaseSavepoint(self.anyName(at: next) ?? ""))
        default:
            return .write(.unrecognized)
        }
    }

    /// The access mode among transaction modes (`ISOLATION LEVEL ...`, `READ ONLY`,
    /// `READ WRITE`, `[NOT] DEFERRABLE`, comma-separated or not); the last one given wins.
    func accessMode(from index: Int) -> Bool? {
        var readOnly: Bool?
        var index = index
        while index < self.end {
            if self.keyword(at: index) == .read {
                switch self.keyword(at: index + 1) {
                case .only: readOnly = true
                case .write: readOnly = false
                default: break
                }
            }
            index += 1
        }
        return readOnly
    }

    // MARK: - EXPLAIN

    /// `EXPLAIN [ANALYZE] [VERBOSE] statement` or `EXPLAIN (option [value], ...) statement`.
    /// Without ANALYZE nothing runs, so it reads; EXPLAIN ANALYZE runs its statement.
    mutating func classifyExplain(from index: Int) -> StatementKind {
        var next = index + 1
        var analyze = false
        if self.isKind(.leftParenthesis, at: next) {
            let close = self.close(of: next)
            var option = next + 1
            while option < close {
                let isAnalyze = self.keyword(at: option) == .analyze || self.keyword(at: option) == .analyse
                var valueEnd = option + 1
                while valueEnd < close, !self.isKind(.comma, at: valueEnd) { valueEnd += 1 }
                if isAnalyze { analyze = self.optionIsOn(from: option + 1, to: valueEnd) }
                option = valueEnd + 1
            }
            next = close + 1
        } else {
            words: while true {
                switch self.keyword(at: next) {
                case .analyze, .analyse:
                    analyze = true
                    next += 1
                case .verbose:
                    next += 1
                default:
                    break words
                }
            }
        }
        let inner = self.classify(from: next)
        guard analyze else {
            // Nothing executes, so nothing is left on the session either.
            self.executesStatement = false
            return .read(.explain)
        }
        switch inner {
        case .read: return .read(.explain)
        case .write(let cause): return .write(.explainAnalyze(cause))
        case .transaction, .session, .proxy, .empty: return .write(.explainAnalyze(.unrecognized))
        }
    }

    /// An EXPLAIN boolean option value: absent, TRUE, ON, 1 or 'true' mean on.
    private func optionIsOn(from start: Int, to end: Int) -> Bool {
        guard start < end else { return true }
        let token = self.tokens[start]
        if token.keyword == .false { return false }
        for word: StaticString in ["off", "no"] where self.lexer.spells(token, word) { return false }
        if token.kind == .number { return self.lexer.text[token.start] != UInt8(ascii: "0") }
        if let text = self.stringValue(at: start) {
            switch text.lowercased() {
            case "off", "false", "0", "no", "f", "n": return false
            default: return true
            }
        }
        return true
    }
}
