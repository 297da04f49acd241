// StatementAnalyzer+ShardKeys: shard-key values from WHERE conjuncts, INSERT rows and SET lists.

extension StatementAnalyzer {
    /// Collects `key = value` / `key IN (...)` conjuncts of the top-level WHERE, when they
    /// restrict every row the statement touches (see `ShardKeyFacts`).
    mutating func collectPredicates() {
        switch self.mainKeyword {
        case .select, .update, .delete: break
        default: return
        }
        guard !self.hasTopLevelSetOperation, !self.hasTopLevelCTE, !self.hasDerivedFromItem,
            let range = self.topLevelWhere
        else { return }
        self.collectConjuncts(range.lowerBound, range.upperBound, nesting: 0)
    }

    /// Splits `start..<end` at its top-level ANDs; gives up on the whole expression if an OR
    /// joins it at that level, since then no conjunct holds for every row.
    private mutating func collectConjuncts(_ start: Int, _ end: Int, nesting: Int) {
        guard start < end, nesting < 32 else { return }
        if self.isKind(.leftParenthesis, at: start), self.close(of: start) == end - 1 {
            self.collectConjuncts(start + 1, end - 1, nesting: nesting + 1)
            return
        }
        var index = start
        while index < end {
            switch self.tokens[index].kind {
            case .leftParenthesis:
                index = self.close(of: index) + 1
                continue
            case .identifier:
                if self.tokens[index].keyword == .or { return }
                if self.tokens[index].keyword == .case {
                    index = self.caseEnd(from: index + 1, to: end) + 1
                    continue
                }
            default:
                break
            }
            index += 1
        }
        var pieceStart = start
        var isInBetween = false
        index = start
        while index <= end {
            if index == end {
                self.addPredicate(pieceStart, end, nesting: nesting)
                return
            }
            let token = self.tokens[index]
            if token.kind == .leftParenthesis {
                index = self.close(of: index) + 1
                continue
            }
            if token.kind == .identifier {
                switch token.keyword {
                case .case:
                    index = self.caseEnd(from: index + 1, to: end) + 1
                    continue
                case .between:
                    isInBetween = true
                case .and:
                    // `x BETWEEN a AND b`: that AND belongs to BETWEEN.
                    if isInBetween {
                        isInBetween = false
                    } else {
                        self.addPredicate(pieceStart, index, nesting: nesting)
                        pieceStart = index + 1
                    }
                default:
                    break
                }
            }
            index += 1
        }
    }

    private mutating func addPredicate(_ start: Int, _ end: Int, nesting: Int) {
        guard start < end else { return }
        if self.isKind(.leftParenthesis, at: start), self.close(of: start) == end - 1 {
            self.collectConjuncts(start, end, nesting: nesting + 1)
            return
        }
        if let predicate = self.matchPredicate(start, end) {
            self.shardKeys.predicates.append(predicate)
        }
    }

    /// The whole of `start..<end` must be `column = value`, `value = column` or
    /// `column IN (value, ...)`, with `column` a shard-key column.
    private func matchPredicate(_ start: Int, _ end: Int) -> KeyPredicate? {
        if let (column, qualifier, next) = self.keyColumn(at: start, end: end) {
            if self.isOperator("=", at: next), let value = self.keyValue(from: next + 1, to: end) {
                return KeyPredicate(column: column, qualifier: qualifier, values: [value])
            }
            if self.keyword(at: next) == .in, self.isKind(.leftParenthesis, at: next + 1),
                self.close(of: next + 1) == end - 1, let values = self.keyValueList(from: next + 2, to: end - 1)
            {
                return KeyPredicate(column: column, qualifier: qualifier, values: values)
            }
            return nil
        }
        var equals = start + 1
        while equals < end {
            if self.isKind(.leftParenthesis, at: equals) { return nil }
            if self.isOperator("=", at: equals) { break }
            equals += 1
        }
        guard equals < end, let value = self.keyValue(from: start, to: equals),
            let (column, qualifier, next) = self.keyColumn(at: equals + 1, end: end), next == end
        else { return nil }
        return KeyPredicate(column: column, qualifier: qualifier, values: [value])
    }

    /// A column reference (`col`, `t.col`, `s.t.col`) naming a shard-key column.
    private func keyColumn(at index: Int, end: Int) -> (column: String, qualifier: String?, next: Int)? {
        guard let first = self.name(at: index) else { return nil }
        var parts = [first]
        var next = index + 1
        while next + 1 < end, self.isKind(.dot, at: next), let part = self.anyName(at: next + 1) {
            parts.append(part)
            next += 2
        }
        guard parts.count <= 3, let column = parts.last, self.options.shardKeyColumns.contains(column) else {
            return nil
        }
        return (column, parts.count > 1 ? parts[parts.count - 2] : nil, next)
    }

    /// Comma-separated values, all constants or parameters.
    private func keyValueList(from start: Int, to end: Int) -> [KeyValue]? {
        var values: [KeyValue] = []
        var valueStart = start
        var index = start
        while index <= end {
            if index == end || self.tokens[index].kind == .comma {
                guard let value = self.keyValue(from: valueStart, to: index) else { return nil }
                values.append(value)
                valueStart = index + 1
            } else if self.tokens[index].kind == .leftParenthesis {
                return nil
            }
            index += 1
        }
        return values.isEmpty ? nil : values
    }

    /// A constant or parameter filling exactly `start..<end`: `42`, `-7`, `'abc'`, `E'a\'b'`,
    /// `$$x$$`, `U&'...' [UESCAPE 'c']`, `$1`, each with optional casts to integer types or to
    /// text. Any other form (expressions, casts that may change the value) is `nil`.
    func keyValue(from start: Int, to end: Int) -> KeyValue? {
        guard start < end else { return nil }
        var index = start
        var isNegative = false
        if self.isOperator("-", at: index) {
            isNegative = true
            index += 1
        } else if self.isOperator("+", at: index) {
            index += 1
        }
        guard index < end else { return nil }
        let token = self.tokens[index]
        var value: KeyValue
        switch token.kind {
        case .number:
            guard let magnitude = self.integerLiteral(token) else { return nil }
            if isNegative {
                // -9223372036854775808 is the negation of a numeric constant, equal to Int64.min.
                guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
                value = .integer(magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude))
            } else {
                guard magnitude <= UInt64(Int64.max) else { return nil }
                value = .integer(Int64(magnitude))
            }
            index += 1
        case .parameter where !isNegative:
            guard let number = Int(String(decoding: self.lexer.text[(token.start + 1)..<token.end], as: UTF8.self)),
                number > 0
            else { return nil }
            value = .parameter(number)
            index += 1
        case .string, .escapeString, .dollarString:
            guard !isNegative, let text = self.lexer.stringValue(of: token) else { return nil }
            value = .string(text)
            index += 1
        case .unicodeString where !isNegative:
            var escape = UInt8(ascii: "\\")
            var next = index + 1
            if next < end, self.lexer.spells(self.tokens[next], "uescape") {
                guard let text = self.stringValue(at: next + 1), text.utf8.count == 1, let byte = text.utf8.first else {
                    return nil
                }
                escape = byte
                next += 2
            }
            guard let text = self.lexer.stringValue(of: token, unicodeEscape: escape) else { return nil }
            value = .string(text)
            index = next
        default:
            return nil
        }
        while index < end {
            guard self.isKind(.typecast, at: index), index + 1 < end, self.tokens[index + 1].kind == .identifier else {
                return nil
            }
            switch self.tokens[index + 1].keyword {
            case .bigint, .int8, .int, .int4, .integer, .smallint, .int2:
                if case .string(let text) = value {
                    guard let integer = PostgresInteger.parseInt64(text) else { return nil }
                    value = .integer(integer)
                }
            case .text, .varchar:
                if case .integer(let integer) = value { value = .string(String(integer)) }
            default:
                return nil
            }
            index += 2
        }
        return value
    }

    /// The magnitude of an integer literal (digits only: `5.0` and `1e3` are numeric).
    private func integerLiteral(_ token: Token) -> UInt64? {
        var value: UInt64 = 0
        for index in token.range {
            let digit = self.lexer.text[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = times10.addingReportingOverflow(UInt64(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = next
        }
        return value
    }
}
