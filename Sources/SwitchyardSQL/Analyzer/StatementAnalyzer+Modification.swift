// StatementAnalyzer+Modification: heads of INSERT, UPDATE, DELETE, MERGE, and COPY statements.

extension StatementAnalyzer {
    /// Parses the head of INSERT/UPDATE/DELETE/MERGE at `index` (target table, alias, INSERT
    /// columns, UPDATE assignments) and returns where scanning resumes.
    mutating func scanModificationHead(at index: Int, level: inout ScanLevel) -> Int {
        let command = self.tokens[index].keyword
        if level.depth == 0 {
            if self.mainKeyword == .none { self.mainKeyword = command }
        } else {
            self.hasDataModifyingCTE = true
        }
        level.command = command
        level.isQueryLevel = true
        var next = index + 1
        switch command {
        case .insert:
            guard self.keyword(at: next) == .into else { return next }
            guard let (target, afterName) = self.qualifiedName(at: next + 1) else { return next + 1 }
            next = afterName
            var alias: String?
            if self.keyword(at: next) == .as, let name = self.anyName(at: next + 1) {
                alias = name
                next += 2
            }
            self.recordTable(target, alias: alias)
            var columns: Range<Int>?
            if self.isKind(.leftParenthesis, at: next) {
                let close = self.close(of: next)
                columns = (next + 1)..<close
                next = close + 1
            }
            if level.depth == 0, let columns, !self.options.shardKeyColumns.isEmpty {
                self.collectInsertedKeys(columns: columns, from: next)
            }
            // The source (VALUES, SELECT, WITH ...) starts a statement of its own.
            level.atStatementStart = true
            level.keepsStatementStart = true
            return next
        case .update:
            if self.keyword(at: next) == .only { next += 1 }
            guard let (target, afterName) = self.qualifiedName(at: next) else { return next }
            next = self.skipInheritanceStar(afterName)
            let (alias, afterAlias) = self.targetAlias(at: next, stopAt: .set)
            self.recordTable(target, alias: alias)
            next = afterAlias
            if self.keyword(at: next) == .set {
                if level.depth == 0, !self.options.shardKeyColumns.isEmpty {
                    self.collectAssignments(from: next + 1, to: level.end)
                }
                next += 1
            }
            return next
        case .delete, .merge:
            let introducer: Keyword = command == .delete ? .from : .into
            guard self.keyword(at: next) == introducer else { return next }
            next += 1
            if self.keyword(at: next) == .only { next += 1 }
            guard let (target, afterName) = self.qualifiedName(at: next) else { return next }
            next = self.skipInheritanceStar(afterName)
            let (alias, afterAlias) = self.targetAlias(at: next, stopAt: .using)
            self.recordTable(target, alias: alias)
            level.usingOpensFrom = true
            return afterAlias
        default:
            return next
        }
    }

    /// `name *` selects a table and its inheritance children.
    private func skipInheritanceStar(_ index: Int) -> Int {
        self.isOperator("*", at: index) ? index + 1 : index
    }

    /// `AS alias` or a bare alias after a DML target; `stopAt` is the key word that follows
    /// the target and is never an alias there (SET for UPDATE, USING for DELETE/MERGE).
    private func targetAlias(at index: Int, stopAt: Keyword) -> (String?, Int) {
        if self.keyword(at: index) == .as, let alias = self.anyName(at: index + 1) {
            return (alias, index + 2)
        }
        guard index < self.end else { return (nil, index) }
        let token = self.tokens[index]
        if token.keyword != stopAt, token.isName, token.keyword.canBeBareAlias, let alias = self.name(at: index) {
            return (alias, index + 1)
        }
        return (nil, index)
    }

    // MARK: - COPY

    /// `COPY table [(columns)] FROM|TO ...` or `COPY (query) TO ...`. COPY TO STDOUT only
    /// reads; every other form writes rows or server files.
    mutating func classifyCopy(from index: Int) -> StatementKind {
        var next = index + 1
        var readsQueryOrTable = false
        if self.isKind(.leftParenthesis, at: next) {
            let close = self.close(of: next)
            self.scan(from: next + 1, to: close, depth: 1)
            readsQueryOrTable =
                !self.hasDataModifyingCTE && !self.hasLockingClause
                && !self.functions.contains { WriteFunctions.isBuiltIn($0.name) }
                && self.leadingKeywordIsRead(next + 1)
            next = close + 1
        } else {
            next = self.recordTable(at: next)
            if self.isKind(.leftParenthesis, at: next) { next = self.close(of: next) + 1 }
            readsQueryOrTable = true
        }
        if self.isTooDeep { return .write(.unrecognized) }
        if readsQueryOrTable, self.keyword(at: next) == .to, next + 1 < self.end,
            self.lexer.spells(self.tokens[next + 1], "stdout")
        {
            return .read(.copyTo)
        }
        return .write(.modification("COPY"))
    }

    private func leadingKeywordIsRead(_ index: Int) -> Bool {
        var index = index
        while self.isKind(.leftParenthesis, at: index) { index += 1 }
        switch self.keyword(at: index) {
        case .select, .values, .table: return true
        default: return false
        }
    }
}
