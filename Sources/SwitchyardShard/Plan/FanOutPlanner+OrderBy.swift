// FanOutPlanner+OrderBy: ORDER BY items as output columns, directions and NULLS placement.

import SwitchyardSQL

extension FanOutPlanner {
    /// The sort keys of the top-level `ORDER BY` (`range` is the items after `BY`).
    ///
    /// PostgreSQL resolves an item (`findTargetlistEntrySQL92`/`SQL99` in
    /// src/backend/parser/parse_clause.c) as: an integer constant is an output column position;
    /// a bare name is first looked up among output column names; anything else is an expression
    /// over the input, which the merge can follow only when the select list repeats it (its value
    /// is then in that output column). Expressions are compared token by token.
    func sortKeys(_ range: Range<Int>, items: [SelectItem]) throws(Unsupported) -> [SortKey] {
        var keys: [SortKey] = []
        for item in self.tokens.splitAtCommas(range) {
            var end = item.upperBound
            var nullsFirst: Bool?
            if end - item.lowerBound >= 3, self.tokens.spells("nulls", at: end - 2) {
                if self.tokens.spells("first", at: end - 1) {
                    nullsFirst = true
                } else if self.tokens.spells("last", at: end - 1) {
                    nullsFirst = false
                } else {
                    throw Unsupported("ORDER BY ... NULLS without FIRST or LAST")
                }
                end -= 2
            }
            var isDescending = false
            switch self.tokens.keyword(at: end - 1) {
            case .asc:
                end -= 1
            case .desc:
                isDescending = true
                end -= 1
            default:
                if end - item.lowerBound >= 3, self.tokens.keyword(at: end - 2) == .using {
                    if self.tokens.isOperator(">", at: end - 1) {
                        isDescending = true
                    } else if !self.tokens.isOperator("<", at: end - 1) {
                        throw Unsupported("ORDER BY ... USING an operator other than < or >")
                    }
                    end -= 2
                }
            }
            let expression = item.lowerBound..<end
            guard !expression.isEmpty, end > item.lowerBound else { throw Unsupported("an empty ORDER BY item") }
            let column = try self.outputColumn(expression, items: items)
            keys.append(SortKey(column: column, isDescending: isDescending, nullsFirst: nullsFirst))
        }
        return keys
    }

    private func outputColumn(_ expression: Range<Int>, items: [SelectItem]) throws(Unsupported) -> OutputColumn {
        let first = expression.lowerBound
        if expression.count == 1 {
            if self.tokens.isKind(.number, at: first) {
                guard let position = self.tokens.integer(at: first), position >= 1, position <= Int64(Int32.max) else {
                    throw Unsupported("ORDER BY a constant that is not a column position")
                }
                return .position(Int(position) - 1)
            }
            if self.isColumnName(at: first), let name = self.tokens.name(at: first) {
                let repeated = self.repeatedItem(expression, items: items)
                // When every output name is known here, a name none has is an input column the
                // output lacks; otherwise the RowDescription decides.
                if repeated == nil, !items.contains(where: \.isStar) {
                    let names = items.map(self.outputName)
                    if names.allSatisfy({ $0 != nil }), !names.contains(name) {
                        throw Unsupported("ORDER BY \"\(name)\", which is not in the select list")
                    }
                }
                return .named(name, otherwise: repeated)
            }
        }
        guard let column = self.repeatedItem(expression, items: items) else {
            throw Unsupported("ORDER BY an expression that is not in the select list")
        }
        return column
    }

    /// The output column name of an item when it is certain: its alias, or the last name of a
    /// column reference (`a`, `t.a`); `nil` for other expressions (PostgreSQL's FigureColname
    /// has more rules).
    private func outputName(_ item: SelectItem) -> String? {
        if let alias = item.alias { return alias }
        let expression = item.expression
        guard expression.count % 2 == 1 else { return nil }
        for (offset, index) in expression.enumerated() {
            let isExpected = offset % 2 == 0 ? self.isColumnName(at: index) : self.tokens.isKind(.dot, at: index)
            guard isExpected else { return nil }
        }
        return self.tokens.name(at: expression.upperBound - 1)
    }

    /// Whether the token can be a column reference (not `true`, `null`, `current_date`...).
    private func isColumnName(at index: Int) -> Bool {
        let token = self.tokens[index]
        switch token.kind {
        case .quotedIdentifier, .unicodeIdentifier:
            return true
        case .identifier:
            switch token.keyword {
            case .true, .false, .null, .current_date, .current_time, .current_timestamp, .localtime, .localtimestamp,
                .current_user, .current_role, .current_catalog, .session_user, .user:
                return false
            default:
                return true
            }
        default:
            return false
        }
    }

    /// The output column of the first select item whose expression is `expression`, when its
    /// position is known (no `*` of unknown width on both sides of it).
    private func repeatedItem(_ expression: Range<Int>, items: [SelectItem]) -> OutputColumn? {
        guard let index = items.firstIndex(where: { !$0.isStar && self.tokens.isSameExpression($0.expression, expression) })
        else { return nil }
        if !items[..<index].contains(where: \.isStar) { return .position(index) }
        if !items[(index + 1)...].contains(where: \.isStar) { return .positionFromEnd(items.count - index) }
        return nil
    }
}
