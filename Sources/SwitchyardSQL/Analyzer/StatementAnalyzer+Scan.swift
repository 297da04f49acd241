// StatementAnalyzer+Scan: walks query and DML bodies level by level, recursing into parentheses.

extension StatementAnalyzer {
    /// Where a level stands in a FROM list.
    enum FromState {
        /// Not in a FROM (or USING) list.
        case none
        /// The next token starts a FROM item (after FROM, JOIN, a comma, DELETE's USING).
        case expectItem
        /// Just after a FROM item: an alias may follow.
        case afterItem
        /// In the list past the item and its alias (join conditions, ...).
        case inList
    }

    /// Where a level stands in a `WITH name [(columns)] AS [NOT] [MATERIALIZED] (body), ...` list.
    enum CTEState {
        case none, expectName, afterName, afterAs, afterBody
    }

    /// The state of one nesting level (the statement, or one parenthesised group) during `scan`.
    struct ScanLevel {
        let depth: Int
        let end: Int
        /// At a position where a statement may start: the group's first token, after a WITH
        /// list, after UNION/INTERSECT/EXCEPT, after INSERT's target.
        var atStatementStart = true
        /// Set by a handler that leaves `atStatementStart` as it is for the next token.
        var keepsStatementStart = false
        /// FROM lists belong to this level (it is a SELECT, UPDATE, DELETE or MERGE).
        var isQueryLevel = false
        /// The statement key word of this level.
        var command: Keyword = .none
        var from = FromState.none
        var lastItemJoined = false
        /// The table of the current FROM item, for its alias.
        var lastTable: QualifiedName?
        var usingOpensFrom = false
        var cte = CTEState.none
        /// The next parenthesised group is a column list (alias columns, JOIN USING).
        var skipNextGroup = false
        var previous: Keyword = .none
        var beforePrevious: Keyword = .none
    }

    /// Scans tokens `start..<end` as one level, recursing into parenthesised groups.
    mutating func scan(from start: Int, to end: Int, depth: Int, isJoinTree: Bool = false) {
        guard depth <= Self.maximumNesting else {
            self.isTooDeep = true
            return
        }
        var level = ScanLevel(depth: depth, end: end)
        if isJoinTree {
            switch self.keyword(at: start) {
            case .select, .values, .table, .with: break
            default:
                level.from = .expectItem
                level.isQueryLevel = true
            }
        }
        var index = start
        while index < end, !self.isTooDeep {
            let token = self.tokens[index]
            let resume: Int
            switch token.kind {
            case .leftParenthesis:
                resume = self.scanGroup(at: index, level: &level)
            case .comma:
                switch level.from {
                case .afterItem, .inList:
                    level.from = .expectItem
                    level.lastItemJoined = false
                case .none, .expectItem:
                    break
                }
                if level.cte == .afterBody { level.cte = .expectName }
                resume = index + 1
            case .identifier, .quotedIdentifier, .unicodeIdentifier:
                resume = self.scanWord(at: index, level: &level)
            default:
                resume = index + 1
            }
            if level.keepsStatementStart {
                level.keepsStatementStart = false
            } else {
                level.atStatementStart = false
            }
            level.beforePrevious = level.previous
            level.previous = resume - 1 < end ? self.tokens[resume - 1].keyword : .none
            index = max(resume, index + 1)
        }
        if depth == 0, let whereStart = self.openWhereStart {
            self.topLevelWhere = whereStart..<end
            self.openWhereStart = nil
        }
    }

    /// Handles the `(` at `open`; returns the index after its `)`.
    private mutating func scanGroup(at open: Int, level: inout ScanLevel) -> Int {
        let close = self.close(of: open)
        if level.skipNextGroup || level.cte == .afterName {
            level.skipNextGroup = false
        } else if level.cte == .afterAs {
            level.cte = .afterBody
            self.scan(from: open + 1, to: close, depth: level.depth + 1)
        } else if level.from == .expectItem {
            level.from = .afterItem
            level.lastTable = nil
            if level.depth == 0 { self.hasDerivedFromItem = true }
            self.scan(from: open + 1, to: close, depth: level.depth + 1, isJoinTree: true)
        } else {
            if level.depth == 0, level.atStatementStart, self.mainKeyword == .none {
                self.mainKeyword = self.leadingQueryKeyword(inGroupAt: open)
            }
            self.scan(from: open + 1, to: close, depth: level.depth + 1)
        }
        return close + 1
    }

    /// The query key word a parenthesised statement starts with: `(((SELECT` gives SELECT.
    private func leadingQueryKeyword(inGroupAt open: Int) -> Keyword {
        var index = open
        while self.isKind(.leftParenthesis, at: index) { index += 1 }
        switch self.keyword(at: index) {
        case .select, .with: return .select
        case .values: return .values
        case .table: return .table
        default: return .none
        }
    }

    static func startsStatement(_ keyword: Keyword) -> Bool {
        switch keyword {
        case .select, .values, .table, .insert, .update, .delete, .merge: return true
        default: return false
        }
    }

    // MARK: - Words

    private mutating func scanWord(at index: Int, level: inout ScanLevel) -> Int {
        let token = self.tokens[index]
        let keyword = token.keyword
        if level.cte != .none, let resume = self.scanCTEList(at: index, level: &level) {
            return resume
        }
        // Where a FROM item is due, any non-reserved word is a name, even one that is a key
        // word elsewhere (a table called `set` or `delete`); ROWS FROM is the one exception.
        if level.from == .expectItem, token.isName, !(keyword == .rows && self.keyword(at: index + 1) == .from) {
            return self.scanFromItem(at: index, level: &level)
        }
        switch keyword {
        case .with:
            guard level.atStatementStart else { return index + 1 }
            level.cte = .expectName
            if level.depth == 0 { self.hasTopLevelCTE = true }
            return self.keyword(at: index + 1) == .recursive ? index + 2 : index + 1
        case .select:
            level.isQueryLevel = true
            level.from = .none
            self.noteStatementStart(.select, level: &level)
            return index + 1
        case .values:
            self.noteStatementStart(.values, level: &level)
            return index + 1
        case .table:
            guard level.atStatementStart else { return index + 1 }
            self.noteStatementStart(.table, level: &level)
            let nameIndex = self.keyword(at: index + 1) == .only ? index + 2 : index + 1
            return self.recordTable(at: nameIndex)
        case .insert, .update, .delete, .merge:
            guard level.atStatementStart else { return index + 1 }
            return self.scanModificationHead(at: index, level: &level)
        case .set:
            level.from = .none
            if level.depth == 0, level.previous == .update, !self.options.shardKeyColumns.isEmpty {
                self.collectAssignments(from: index + 1, to: level.end)
            }
            return index + 1
        case .from:
            let isComparison =
                level.previous == .distinct && (level.beforePrevious == .is || level.beforePrevious == .not)
            if level.isQueryLevel, !isComparison {
                level.from = .expectItem
                level.lastItemJoined = false
            }
            return index + 1
        case .join:
            level.from = .expectItem
            level.lastItemJoined = true
            return index + 1
        case .using:
            if level.lastItemJoined, level.from == .afterItem || level.from == .inList {
                level.skipNextGroup = true
                level.from = .inList
            } else if level.usingOpensFrom {
                level.usingOpensFrom = false
                level.from = .expectItem
                level.lastItemJoined = false
            }
            return index + 1
        case .on:
            if level.from != .none { level.from = .inList }
            return index + 1
        case .lateral, .only:
            return index + 1
        case .where:
            level.from = .none
            if level.depth == 0, self.topLevelWhere == nil, self.openWhereStart == nil {
                self.openWhereStart = index + 1
            }
            return index + 1
        case .union, .intersect, .except:
            self.endClause(at: index, level: &level)
            if level.depth == 0 { self.hasTopLevelSetOperation = true }
            level.atStatementStart = true
            level.keepsStatementStart = true
            let modifier = self.keyword(at: index + 1)
            return modifier == .all || modifier == .distinct ? index + 2 : index + 1
        case .for:
            self.endClause(at: index, level: &level)
            if self.isLockingClause(at: index) { self.hasLockingClause = true }
            return index + 1
        case .group, .having, .window, .order, .limit, .offset, .fetch, .returning, .when, .then, .do:
            self.endClause(at: index, level: &level)
            return index + 1
        case .into:
            guard level.command == .select else { return index + 1 }
            return self.scanSelectInto(at: index)
        case .case:
            // CASE ... END is an expression: its WHEN/THEN and commas must not touch this level's
            // FROM list, so it is scanned as a level of its own.
            let endIndex = self.caseEnd(from: index + 1, to: level.end)
            self.scan(from: index + 1, to: endIndex, depth: level.depth + 1)
            return endIndex + 1
        case .tablesample:
            // TABLESAMPLE method (arguments) [REPEATABLE (seed)]: no table, no call worth noting.
            level.from = .inList
            let open = index + 2
            return self.isKind(.leftParenthesis, at: open) ? self.close(of: open) + 1 : index + 1
        case .rows where level.from == .expectItem && self.keyword(at: index + 1) == .from:
            // ROWS FROM (f(...), g(...)): functions, scanned as a plain group.
            level.from = .afterItem
            level.lastTable = nil
            if level.depth == 0 { self.hasDerivedFromItem = true }
            return index + 2
        default:
            break
        }
        switch level.from {
        case .expectItem:
            return self.scanFromItem(at: index, level: &level)
        case .afterItem:
            if let resume = self.scanAlias(at: index, level: &level) { return resume }
            level.from = .inList
        case .none, .inList:
            break
        }
        return self.scanNameOrCall(at: index)
    }

    private mutating func noteStatementStart(_ keyword: Keyword, level: inout ScanLevel) {
        guard level.atStatementStart else { return }
        level.command = keyword
        if level.depth == 0, self.mainKeyword == .none { self.mainKeyword = keyword }
    }

    /// A clause key word ends the FROM list and, at depth 0, the WHERE clause.
    private mutating func endClause(at index: Int, level: inout ScanLevel) {
        level.from = .none
        if level.depth == 0, let whereStart = self.openWhereStart {
            self.topLevelWhere = whereStart..<index
            self.openWhereStart = nil
        }
    }

    /// The index of the END closing a CASE whose body starts at `index` (or `end`).
    func caseEnd(from index: Int, to end: Int) -> Int {
        var depth = 1
        var index = index
        while index < end {
            switch self.tokens[index].kind {
            case .leftParenthesis:
                index = self.close(of: index) + 1
                continue
            case .identifier:
                if self.tokens[index].keyword == .case { depth += 1 }
                if self.tokens[index].keyword == .end {
                    depth -= 1
                    if depth == 0 { return index }
                }
            default:
                break
            }
            index += 1
        }
        return end
    }

    /// `FOR UPDATE`, `FOR NO KEY UPDATE`, `FOR SHARE`, `FOR KEY SHARE`.
    func isLockingClause(at index: Int) -> Bool {
        switch self.keyword(at: index + 1) {
        case .update, .share: return true
        case .no: return self.keyword(at: index + 2) == .key && self.keyword(at: index + 3) == .update
        case .key: return self.keyword(at: index + 2) == .share
        default: return false
        }
    }
}
