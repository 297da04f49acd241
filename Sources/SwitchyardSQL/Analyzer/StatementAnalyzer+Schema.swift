// StatementAnalyzer+Schema: DDL and maintenance statements and the relations they name.

extension StatementAnalyzer {
    // MARK: - CREATE

    mutating func classifyCreate(from index: Int) -> StatementKind {
        var next = index + 1
        var isTemporary = false
        modifiers: while true {
            switch self.keyword(at: next) {
            case .or where self.keyword(at: next + 1) == .replace: next += 2
            case .temp, .temporary: isTemporary = true; next += 1
            case .local, .global, .unlogged, .unique, .recursive: next += 1
            default: break modifiers
            }
        }
        let object = self.keyword(at: next)
        switch object {
        case .table:
            next = self.skipIfNotExists(next + 1)
            guard let (name, afterName) = self.qualifiedName(at: next) else { break }
            self.recordTable(name)
            if isTemporary || name.schema == "pg_temp" { self.pinning.insert(.temporaryTable) }
            self.scanDefinition(from: afterName)
            return .write(.schemaChange("CREATE TABLE"))
        case .index:
            next += 1
            if self.keyword(at: next) == .concurrently { next += 1 }
            while next < self.end, self.keyword(at: next) != .on { next += 1 }
            if self.keyword(at: next + 1) == .only { next += 1 }
            self.recordTable(at: next + 1)
            return .write(.schemaChange("CREATE INDEX"))
        case .view, .materialized, .sequence:
            let isMaterialized = object == .materialized
            next = self.skipIfNotExists(isMaterialized ? next + 2 : next + 1)
            guard let (name, afterName) = self.qualifiedName(at: next) else { break }
            self.recordTable(name)
            if isTemporary || name.schema == "pg_temp" { self.pinning.insert(.temporaryTable) }
            if object != .sequence { self.scanDefinition(from: afterName) }
            switch object {
            case .view: return .write(.schemaChange("CREATE VIEW"))
            case .materialized: return .write(.schemaChange("CREATE MATERIALIZED VIEW"))
            default: return .write(.schemaChange("CREATE SEQUENCE"))
            }
        case .trigger, .policy, .rule, .statistics:
            // ... ON table / RULE ... AS ON event TO table / STATISTICS ... FROM table
            let introducer: Keyword = object == .rule ? .to : (object == .statistics ? .from : .on)
            if let position = self.firstKeyword(introducer, from: next + 1) { self.recordTable(at: position + 1) }
            return .write(.schemaChange("CREATE \(self.uppercased(at: next))"))
        default:
            break
        }
        return .write(.schemaChange(next < self.end ? "CREATE \(self.uppercased(at: next))" : "CREATE"))
    }

    private func skipIfNotExists(_ index: Int) -> Int {
        if self.keyword(at: index) == .if, self.keyword(at: index + 1) == .not, self.keyword(at: index + 2) == .exists {
            return index + 3
        }
        if self.keyword(at: index) == .if, self.keyword(at: index + 1) == .exists { return index + 2 }
        return index
    }

    private func firstKeyword(_ keyword: Keyword, from index: Int) -> Int? {
        var index = index
        while index < self.end {
            if self.tokens[index].keyword == keyword { return index }
            index += 1
        }
        return nil
    }

    /// The body of CREATE TABLE/VIEW: relations behind REFERENCES, LIKE, INHERITS, PARTITION OF,
    /// and the query of `AS query`.
    private mutating func scanDefinition(from index: Int) {
        var index = index
        while index < self.end {
            let token = self.tokens[index]
            switch token.keyword {
            case .references:
                index = self.recordTable(at: index + 1)
                continue
            case .like
            where index > 0
                && (self.tokens[index - 1].kind == .leftParenthesis || self.tokens[index - 1].kind == .comma):
                index = self.recordTable(at: index + 1)
                continue
            case .inherits where self.isKind(.leftParenthesis, at: index + 1):
                index = self.recordNameList(from: index + 2)
                continue
            case .partition where self.keyword(at: index + 1) == .of:
                index = self.recordTable(at: index + 2)
                continue
            case .as:
                var query = index + 1
                while self.isKind(.leftParenthesis, at: query) { query += 1 }
                switch self.keyword(at: query) {
                case .select, .values, .table, .with:
                    self.scan(from: index + 1, to: self.end, depth: 1)
                    return
                default:
                    break
                }
            default:
                break
            }
            index += 1
        }
    }

    /// Records `[ONLY] name [*] [(columns)], ...` and returns the index after the list.
    @discardableResult
    mutating func recordNameList(from index: Int) -> Int {
        var index = index
        while true {
            if self.keyword(at: index) == .only { index += 1 }
            guard let (name, next) = self.qualifiedName(at: index) else { return index }
            self.recordTable(name)
            index = next
            if self.isOperator("*", at: index) { index += 1 }
            if self.isKind(.leftParenthesis, at: index) { index = self.close(of: index) + 1 }
            guard self.isKind(.comma, at: index) else { return index }
            index += 1
        }
    }

    // MARK: - ALTER and DROP

    mutating func classifyAlter(from index: Int) -> StatementKind {
        var next = index + 1
        let object = self.keyword(at: next)
        switch object {
        case .table, .index, .view, .sequence, .materialized, .foreign:
            next = self.skipIfNotExists(object == .materialized || object == .foreign ? next + 2 : next + 1)
            if self.keyword(at: next) == .only { next += 1 }
            next = self.recordTable(at: next)
            if object == .table { self.scanAlterTableActions(from: next) }
            let tag: String
            switch object {
            case .materialized: tag = "ALTER MATERIALIZED VIEW"
            case .foreign: tag = "ALTER FOREIGN TABLE"
            default: tag = "ALTER \(self.uppercased(at: index + 1))"
            }
            return .write(.schemaChange(tag))
        default:
            return .write(.schemaChange(next < self.end ? "ALTER \(self.uppercased(at: next))" : "ALTER"))
        }
    }

    /// Relations an ALTER TABLE action brings in: `REFERENCES t`, `ATTACH|DETACH PARTITION t`,
    /// `INHERIT t`.
    private mutating func scanAlterTableActions(from index: Int) {
        var index = index
        while index < self.end {
            let token = self.tokens[index]
            if token.keyword == .references {
                index = self.recordTable(at: index + 1)
                continue
            }
            if token.keyword == .partition, index > 0,
                self.tokens[index - 1].keyword == .attach || self.tokens[index - 1].keyword == .detach
            {
                index = self.recordTable(at: index + 1)
                continue
            }
            if self.lexer.spells(token, "inherit") {
                index = self.recordTable(at: index + 1)
                continue
            }
            index += 1
        }
    }

    mutating func classifyDrop(from index: Int) -> StatementKind {
        var next = index + 1
        let object = self.keyword(at: next)
        switch object {
        case .table, .view, .index, .sequence, .materialized, .foreign:
            next += object == .materialized || object == .foreign ? 2 : 1
            if self.keyword(at: next) == .concurrently { next += 1 }
            self.recordNameList(from: self.skipIfNotExists(next))
            let tag: String
            switch object {
            case .materialized: tag = "DROP MATERIALIZED VIEW"
            case .foreign: tag = "DROP FOREIGN TABLE"
            default: tag = "DROP \(self.uppercased(at: index + 1))"
            }
            return .write(.schemaChange(tag))
        case .trigger, .policy, .rule:
            if let on = self.firstKeyword(.on, from: next + 1) { self.recordTable(at: on + 1) }
            return .write(.schemaChange("DROP \(self.uppercased(at: next))"))
        default:
            return .write(.schemaChange(next < self.end ? "DROP \(self.uppercased(at: next))" : "DROP"))
        }
    }

    // MARK: - Maintenance, locks, privileges

    mutating func classifyMaintenance(from index: Int) -> StatementKind {
        let command = self.keyword(at: index)
        var next = index + 1
        switch command {
        case .truncate, .lock:
            if self.keyword(at: next) == .table { next += 1 }
            self.recordNameList(from: next)
            return .write(.schemaChange(command == .truncate ? "TRUNCATE" : "LOCK"))
        case .vacuum, .analyze, .analyse, .cluster:
            if self.isKind(.leftParenthesis, at: next) { next = self.close(of: next) + 1 }
            while true {
                switch self.keyword(at: next) {
                case .full, .freeze, .verbose, .analyze, .analyse: next += 1
                default:
                    self.recordNameList(from: next)
                    let tag = command == .analyse ? "ANALYZE" : self.uppercased(at: index)
                    return .write(.schemaChange(tag))
                }
            }
        case .reindex:
            if self.isKind(.leftParenthesis, at: next) { next = self.close(of: next) + 1 }
            let object = self.keyword(at: next)
            next += 1
            if self.keyword(at: next) == .concurrently { next += 1 }
            if object == .table || object == .index { self.recordTable(at: next) }
            return .write(.schemaChange("REINDEX"))
        case .refresh:
            // REFRESH MATERIALIZED VIEW [CONCURRENTLY] name
            next += 2
            if self.keyword(at: next) == .concurrently { next += 1 }
            self.recordTable(at: next)
            return .write(.schemaChange("REFRESH MATERIALIZED VIEW"))
        case .comment:
            self.scanCommentTarget(from: next)
            return .write(.schemaChange("COMMENT"))
        case .grant, .revoke:
            self.scanPrivilegeTarget(from: next)
            return .write(.schemaChange(self.uppercased(at: index)))
        default:
            return .write(.schemaChange(self.uppercased(at: index)))
        }
    }

    /// `COMMENT ON TABLE|VIEW|INDEX|SEQUENCE|MATERIALIZED VIEW name` or `ON COLUMN table.column`.
    private mutating func scanCommentTarget(from index: Int) {
        guard self.keyword(at: index) == .on else { return }
        var next = index + 1
        let object = self.keyword(at: next)
        switch object {
        case .table, .view, .index, .sequence:
            self.recordTable(at: next + 1)
        case .materialized:
            self.recordTable(at: next + 2)
        case .column:
            next += 1
            guard let first = self.name(at: next) else { return }
            var parts = [first]
            var cursor = next + 1
            while self.isKind(.dot, at: cursor), let part = self.anyName(at: cursor + 1) {
                parts.append(part)
                cursor += 2
            }
            switch parts.count {
            case 2: self.recordTable(QualifiedName(name: parts[0]))
            case 3...: self.recordTable(QualifiedName(schema: parts[parts.count - 3], name: parts[parts.count - 2]))
            default: break
            }
        default:
            break
        }
    }

    /// `GRANT/REVOKE ... ON [TABLE | SEQUENCE] name, ... TO|FROM ...` (not ON SCHEMA, FUNCTION...).
    private mutating func scanPrivilegeTarget(from index: Int) {
        guard let on = self.firstKeyword(.on, from: index) else { return }
        var next = on + 1
        if self.keyword(at: next) == .table || self.keyword(at: next) == .sequence {
            next += 1
        } else {
            // An implicit TABLE: a name followed by a comma, TO or FROM.
            guard let (_, after) = self.qualifiedName(at: next),
                self.isKind(.comma, at: after) || self.keyword(at: after) == .to || self.keyword(at: after) == .from
            else { return }
        }
        self.recordNameList(from: next)
    }
}
