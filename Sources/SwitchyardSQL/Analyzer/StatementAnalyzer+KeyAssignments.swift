// StatementAnalyzer+KeyAssignments: shard-key values of INSERT rows and keys assigned by SET.

extension StatementAnalyzer {
    /// Reads the shard-key columns of `INSERT ... (columns) [OVERRIDING ...] VALUES (...), ...`.
    mutating func collectInsertedKeys(columns: Range<Int>, from index: Int) {
        var keyColumns: [(name: String, position: Int)] = []
        var position = 0
        var atItemStart = true
        var cursor = columns.lowerBound
        while cursor < columns.upperBound {
            if self.tokens[cursor].kind == .comma {
                position += 1
                atItemStart = true
            } else {
                if atItemStart, let name = self.name(at: cursor), self.options.shardKeyColumns.contains(name) {
                    keyColumns.append((name, position))
                }
                atItemStart = false
            }
            cursor += 1
        }
        guard !keyColumns.isEmpty else { return }
        var next = index
        if next < self.end, self.lexer.spells(self.tokens[next], "overriding") { next += 3 }
        guard self.keyword(at: next) == .values else { return }
        next += 1
        var valuesByColumn: [[KeyValue?]] = Array(repeating: [], count: keyColumns.count)
        var rowCount = 0
        while self.isKind(.leftParenthesis, at: next) {
            let close = self.close(of: next)
            var rowValues: [KeyValue?] = Array(repeating: nil, count: keyColumns.count)
            var valueStart = next + 1
            var valuePosition = 0
            var cursor = next + 1
            while cursor <= close {
                if cursor == close || self.tokens[cursor].kind == .comma {
                    for (slot, key) in keyColumns.enumerated() where key.position == valuePosition {
                        rowValues[slot] = self.keyValue(from: valueStart, to: cursor)
                    }
                    valuePosition += 1
                    valueStart = cursor + 1
                } else if self.tokens[cursor].kind == .leftParenthesis {
                    cursor = self.close(of: cursor)
                    continue
                }
                cursor += 1
            }
            for slot in valuesByColumn.indices { valuesByColumn[slot].append(rowValues[slot]) }
            rowCount += 1
            next = close + 1
            guard self.isKind(.comma, at: next) else { break }
            next += 1
        }
        self.shardKeys.insertedRowCount = rowCount
        self.shardKeys.insertedColumns = zip(keyColumns, valuesByColumn).map {
            InsertedKeyColumn(column: $0.0.name, values: $0.1)
        }
    }

    /// Records shard-key columns assigned in `SET a = ..., (b, c) = ...` (UPDATE, ON CONFLICT DO
    /// UPDATE, MERGE ... THEN UPDATE).
    mutating func collectAssignments(from index: Int, to end: Int) {
        var cursor = index
        var atItemStart = true
        while cursor < end {
            let token = self.tokens[cursor]
            switch token.kind {
            case .comma:
                atItemStart = true
                cursor += 1
                continue
            case .leftParenthesis:
                let close = self.close(of: cursor)
                if atItemStart {
                    for column in (cursor + 1)..<close { self.noteAssigned(at: column) }
                }
                atItemStart = false
                cursor = close + 1
                continue
            case .identifier:
                switch token.keyword {
                case .from, .where, .returning, .when: return
                default: break
                }
            default:
                break
            }
            if atItemStart { self.noteAssigned(at: cursor) }
            atItemStart = false
            cursor += 1
        }
    }

    private mutating func noteAssigned(at index: Int) {
        guard let name = self.name(at: index), self.options.shardKeyColumns.contains(name),
            !self.shardKeys.assignedColumns.contains(name)
        else { return }
        self.shardKeys.assignedColumns.append(name)
    }
}
