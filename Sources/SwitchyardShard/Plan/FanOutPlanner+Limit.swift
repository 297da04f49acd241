// FanOutPlanner+Limit: LIMIT/OFFSET/FETCH values, and the shard rewrite that asks each shard for n + m rows.

import SwitchyardSQL

extension FanOutPlanner {
    /// A LIMIT, OFFSET or FETCH count as written.
    enum CountValue: Equatable {
        /// None: `LIMIT ALL`, `LIMIT NULL`, `OFFSET NULL`.
        case none
        case literal(Int64)
        case parameter(Int)

        var rowCount: RowCount? {
            switch self {
            case .none: return nil
            case .literal(let value): return .literal(value)
            case .parameter(let number): return .parameter(number)
            }
        }

        /// The value as an SQL bigint expression (`$2::int8`, so an untyped parameter is still
        /// inferred as bigint, the type PostgreSQL gives LIMIT and OFFSET parameters).
        var sql: String {
            switch self {
            case .none: return "NULL"
            case .literal(let value): return String(value)
            case .parameter(let number): return "$\(number)::int8"
            }
        }
    }

    /// The count of one clause and where it is written.
    struct CountClause {
        var value: CountValue
        /// The clause, from its key word to its last token (OFFSET: `ROWS` included).
        var clause: Range<Int>
        /// The count's tokens; empty for `FETCH FIRST ROW ONLY`, whose count would go after `FIRST`.
        var count: Range<Int>
    }

    /// Reads LIMIT/OFFSET/FETCH and records the shard rewrite.
    ///
    /// Each shard must return the first `n + m` rows of its part; the merge skips `m` and keeps
    /// `n`. Negative constants are left for the shards to reject with PostgreSQL's own error; for
    /// parameters the rewrite keeps that error (`least($m, 0)` is negative exactly when `$m` is,
    /// and a negative `$n` is passed through), and every parameter stays referenced, so its
    /// inferred type does not change.
    mutating func rowWindow(_ clauses: Clauses) throws(Unsupported) -> (limit: RowCount?, offset: RowCount?) {
        let end = self.tokens.count
        var limit: CountClause?
        if let range = clauses.range(of: .limit, end: end) {
            guard !range.isEmpty else { throw Unsupported("LIMIT without a count") }
            let isAll = range.count == 1 && self.tokens.keyword(at: range.lowerBound) == .all
            let value = isAll ? CountValue.none : try self.countValue(range, clause: "LIMIT")
            limit = CountClause(value: value, clause: (range.lowerBound - 1)..<range.upperBound, count: range)
        }
        if let range = clauses.range(of: .fetch, end: end) {
            guard limit == nil else { throw Unsupported("LIMIT together with FETCH") }
            limit = try self.fetchClause(range)
        }
        let offset = try clauses.range(of: .offset, end: end).map(self.offsetClause)
        return try self.rewrite(limit: limit, offset: offset)
    }

    private func offsetClause(_ range: Range<Int>) throws(Unsupported) -> CountClause {
        var count = range
        switch self.tokens.keyword(at: range.upperBound - 1) {
        case .row, .rows: count = range.lowerBound..<(range.upperBound - 1)
        default: break
        }
        let value = try self.countValue(count, clause: "OFFSET")
        return CountClause(value: value, clause: (range.lowerBound - 1)..<range.upperBound, count: count)
    }

    /// `FETCH {FIRST|NEXT} [count] {ROW|ROWS} ONLY`; `WITH TIES` depends on rows the shards
    /// did not send.
    private func fetchClause(_ range: Range<Int>) throws(Unsupported) -> CountClause {
        guard self.tokens.spells("first", at: range.lowerBound) || self.tokens.spells("next", at: range.lowerBound)
        else { throw Unsupported("FETCH without FIRST or NEXT") }
        var rows = range.lowerBound + 1
        while rows < range.upperBound, self.tokens.keyword(at: rows) != .row, self.tokens.keyword(at: rows) != .rows {
            if self.tokens.isKind(.leftParenthesis, at: rows) { rows = self.tokens.close(of: rows) }
            rows += 1
        }
        guard rows < range.upperBound else { throw Unsupported("FETCH without ROW or ROWS") }
        if self.tokens.keyword(at: rows + 1) == .with { throw Unsupported("FETCH ... WITH TIES") }
        guard self.tokens.keyword(at: rows + 1) == .only, rows + 2 == range.upperBound else {
            throw Unsupported("FETCH without ONLY")
        }
        let count = (range.lowerBound + 1)..<rows
        let value = count.isEmpty ? CountValue.literal(1) : try self.countValue(count, clause: "FETCH")
        return CountClause(value: value, clause: (range.lowerBound - 1)..<range.upperBound, count: count)
    }

    /// A constant integer (signed, possibly parenthesized), `$n` or NULL.
    private func countValue(_ range: Range<Int>, clause: String) throws(Unsupported) -> CountValue {
        var range = range
        while range.count >= 3, self.tokens.isKind(.leftParenthesis, at: range.lowerBound),
            self.tokens.close(of: range.lowerBound) == range.upperBound - 1
        {
            range = (range.lowerBound + 1)..<(range.upperBound - 1)
        }
        let first = range.lowerBound
        if range.count == 1 {
            if self.tokens.keyword(at: first) == .null { return .none }
            if let number = self.tokens.parameterNumber(at: first) { return .parameter(number) }
            if let value = self.tokens.integer(at: first) { return .literal(value) }
        }
        if range.count == 2, let magnitude = self.tokens.integer(at: first + 1) {
            if self.tokens.isOperator("-", at: first) { return .literal(-magnitude) }
            if self.tokens.isOperator("+", at: first) { return .literal(magnitude) }
        }
        throw Unsupported("\(clause) other than an integer constant or a parameter")
    }

    private mutating func rewrite(
        limit: CountClause?, offset: CountClause?
    ) throws(Unsupported) -> (limit: RowCount?, offset: RowCount?) {
        let window = (limit: limit?.value.rowCount, offset: offset?.value.rowCount)
        guard let offset else { return window }
        let limitValue = limit?.value ?? .none
        switch (limitValue, offset.value) {
        case (_, .none), (_, .literal(0)):
            return window
        case (.literal(let n), _) where n < 0:
            return window
        case (_, .literal(let m)) where m < 0:
            return window
        default:
            break
        }
        // The shards skip nothing: OFFSET goes (or, for a parameter, becomes a no-op that still
        // fails on a negative value).
        let clauseBytes = self.byteRange(of: offset.clause)
        if case .parameter(let number) = offset.value {
            self.edits.append(TextEdit(range: clauseBytes, replacement: "OFFSET least($\(number)::int8, 0)"))
        } else {
            self.edits.append(TextEdit(range: clauseBytes, replacement: []))
        }
        guard let limit else { return window }
        let count: String
        switch (limit.value, offset.value) {
        case (.none, _):
            return window
        case (.literal(let n), .literal(let m)):
            let (sum, overflow) = n.addingReportingOverflow(m)
            guard !overflow else { throw Unsupported("LIMIT plus OFFSET beyond bigint") }
            count = String(sum)
        case (.literal, .parameter(let q)):
            count = "(\(limit.value.sql) + greatest($\(q)::int8, 0))"
        case (.parameter, .literal), (.parameter, .parameter):
            let addend = offset.value.isParameter ? "greatest(\(offset.value.sql), 0)" : offset.value.sql
            let n = limit.value.sql
            count = "(CASE WHEN \(n) < 0 THEN \(n) ELSE \(n) + \(addend) END)"
        case (_, .none):
            return window
        }
        if limit.count.isEmpty {
            // FETCH FIRST ROW ONLY: the count goes after FIRST.
            let at = self.tokens[limit.clause.lowerBound + 1].end
            self.edits.append(TextEdit(range: at..<at, replacement: " " + count))
        } else {
            self.edits.append(TextEdit(range: self.byteRange(of: limit.count), replacement: count))
        }
        return window
    }

    private func byteRange(of tokens: Range<Int>) -> Range<Int> {
        self.tokens[tokens.lowerBound].start..<self.tokens[tokens.upperBound - 1].end
    }
}

extension FanOutPlanner.CountValue {
    var isParameter: Bool {
        if case .parameter = self { return true }
        return false
    }
}
