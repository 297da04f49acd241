// StatementAnalyzer+FromItems: WITH lists, FROM items and their aliases, calls, SELECT INTO.

extension StatementAnalyzer {
    /// Steps through a WITH list; `nil` when the word is not part of it (the main statement).
    mutating func scanCTEList(at index: Int, level: inout ScanLevel) -> Int? {
        let keyword = self.tokens[index].keyword
        switch level.cte {
        case .expectName:
            if let name = self.name(at: index) {
                self.cteNames.insert(name)
                level.cte = .afterName
                return index + 1
            }
        case .afterName:
            if keyword == .as {
                level.cte = .afterAs
                return index + 1
            }
        case .afterAs:
            if keyword == .not || keyword == .materialized { return index + 1 }
        case .afterBody:
            // SEARCH ... SET col / CYCLE ... SET col USING path follow a body; the main
            // statement's key word ends the list.
            guard Self.startsStatement(keyword) else { return index + 1 }
            level.cte = .none
            level.atStatementStart = true
            return nil
        case .none:
            return nil
        }
        level.cte = .none
        return nil
    }

    // MARK: - FROM items, aliases, calls

    mutating func scanFromItem(at index: Int, level: inout ScanLevel) -> Int {
        guard let (name, next) = self.qualifiedName(at: index) else {
            level.from = .inList
            return index + 1
        }
        level.from = .afterItem
        level.lastTable = nil
        if self.isKind(.leftParenthesis, at: next) {
            // A table function: a function, not a table; its arguments are scanned next.
            self.recordFunction(name)
            if level.depth == 0 { self.hasDerivedFromItem = true }
            return next
        }
        if name.schema == nil, self.cteNames.contains(name.name) {
            if level.depth == 0 { self.hasDerivedFromItem = true }
            return next
        }
        self.recordTable(name)
        level.lastTable = name
        return next
    }

    /// `AS alias` or a bare alias after a FROM item, with an optional column list.
    mutating func scanAlias(at index: Int, level: inout ScanLevel) -> Int? {
        let token = self.tokens[index]
        let aliasIndex: Int
        if token.keyword == .as {
            aliasIndex = index + 1
        } else if token.isName, token.keyword.canBeBareAlias {
            aliasIndex = index
        } else {
            return nil
        }
        guard let alias = self.anyName(at: aliasIndex) else { return nil }
        if let table = level.lastTable { self.recordTable(table, alias: alias) }
        level.from = .inList
        if self.isKind(.leftParenthesis, at: aliasIndex + 1) { level.skipNextGroup = true }
        return aliasIndex + 1
    }

    /// A name chain (`a`, `t.col`, `s.f`); records it as a function when `(` follows.
    mutating func scanNameOrCall(at index: Int) -> Int {
        var next = index + 1
        var parts = 1
        while parts < 3, self.isKind(.dot, at: next) {
            switch self.kind(at: next + 1) {
            case .identifier, .quotedIdentifier, .unicodeIdentifier:
                next += 2
                parts += 1
            default:
                return next
            }
        }
        guard self.isKind(.leftParenthesis, at: next) else { return next }
        let token = self.tokens[index]
        if parts == 1, token.kind == .identifier, token.keyword.isNeverCalled { return next }
        if let (name, _) = self.qualifiedName(at: index) { self.recordFunction(name) }
        return next
    }

    /// `SELECT ... INTO [TEMP | TEMPORARY | UNLOGGED] [TABLE] name` creates a table.
    mutating func scanSelectInto(at index: Int) -> Int {
        self.hasSelectInto = true
        var next = index + 1
        if self.keyword(at: next) == .local || self.keyword(at: next) == .global { next += 1 }
        switch self.keyword(at: next) {
        case .temp, .temporary:
            self.pinning.insert(.temporaryTable)
            next += 1
        case .unlogged:
            next += 1
        default:
            break
        }
        if self.keyword(at: next) == .table { next += 1 }
        return self.recordTable(at: next)
    }
}
