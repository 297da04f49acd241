// FanOutPlanner+SelectList: select items, their aliases, and the aggregates that can be combined.

import SwitchyardSQL

/// One top-level item of the select list.
struct SelectItem {
    enum Kind {
        /// `*` or `t.*`: an unknown number of columns.
        case star
        /// A whole item that is `count/sum/min/max/avg(x)`, possibly with FILTER and an alias.
        case aggregate(AggregateCall)
        case expression
    }

    var kind: Kind
    /// The item without its alias.
    var expression: Range<Int>
    var alias: String?

    var isAggregate: Bool {
        if case .aggregate = self.kind { return true }
        return false
    }

    var isStar: Bool {
        if case .star = self.kind { return true }
        return false
    }
}

/// An aggregate call the merge can combine.
struct AggregateCall {
    enum Function: String {
        case count, sum, min, max, avg
    }

    var function: Function
    /// The function name's token.
    var name: Int
    /// The `(` of the arguments.
    var open: Int
    /// The last token of the call: its `)`, or the `)` of its FILTER clause.
    var last: Int
}

extension FanOutPlanner {
    /// The select list's items (`TABLE t` has one: `*`).
    func selectItems(_ range: Range<Int>) throws(Unsupported) -> [SelectItem] {
        if range.isEmpty {
            return self.tokens.keyword(at: 0) == .table ? [SelectItem(kind: .star, expression: range)] : []
        }
        var items: [SelectItem] = []
        for itemRange in self.tokens.splitAtCommas(range) {
            guard !itemRange.isEmpty else { throw Unsupported("an empty select item") }
            let last = itemRange.upperBound - 1
            if self.tokens.isOperator("*", at: last),
                itemRange.count == 1 || self.tokens.isKind(.dot, at: last - 1)
            {
                items.append(SelectItem(kind: .star, expression: itemRange))
                continue
            }
            let (expression, alias) = self.splitAlias(itemRange)
            for index in expression where self.isOver(at: index) {
                throw Unsupported("window function")
            }
            if let call = try self.aggregateCall(expression) {
                items.append(SelectItem(kind: .aggregate(call), expression: expression, alias: alias))
                continue
            }
            for index in expression where self.callsAggregate(at: index) {
                throw Unsupported("an aggregate other than count, sum, min, max or avg, or inside an expression")
            }
            items.append(SelectItem(kind: .expression, expression: expression, alias: alias))
        }
        return items
    }

    /// The item's expression and alias: `expr AS name`, or `expr name` when the name cannot
    /// continue the expression. An unclear case keeps the name in the expression, which can only
    /// make an `ORDER BY` item fail to match it.
    func splitAlias(_ item: Range<Int>) -> (expression: Range<Int>, alias: String?) {
        let last = item.upperBound - 1
        guard item.count >= 2 else { return (item, nil) }
        if self.tokens.keyword(at: last - 1) == .as, let name = self.tokens.name(at: last) {
            return (item.lowerBound..<(last - 1), name)
        }
        let aliasToken = self.tokens[last]
        let isPlainName =
            aliasToken.kind == .quotedIdentifier || aliasToken.kind == .unicodeIdentifier
            || (aliasToken.kind == .identifier && aliasToken.keyword == .none)
        guard isPlainName else { return (item, nil) }
        let previous = self.tokens[last - 1]
        switch previous.kind {
        case .rightParenthesis, .rightBracket, .number, .string, .escapeString, .unicodeString, .dollarString,
            .bitString, .parameter, .quotedIdentifier, .unicodeIdentifier:
            return (item.lowerBound..<last, self.tokens.name(at: last))
        case .identifier where previous.keyword == .none || previous.keyword == .end:
            return (item.lowerBound..<last, self.tokens.name(at: last))
        default:
            return (item, nil)
        }
    }

    /// `count/sum/min/max/avg(x)` filling `expression` (with an optional `pg_catalog.` and
    /// FILTER clause); `nil` for anything else.
    private func aggregateCall(_ expression: Range<Int>) throws(Unsupported) -> AggregateCall? {
        var name = expression.lowerBound
        if self.tokens.isKind(.dot, at: name + 1) { name += 2 }
        guard name < expression.upperBound, self.callsAggregate(at: name),
            let function = self.tokens.name(at: name).flatMap(AggregateCall.Function.init(rawValue:))
        else { return nil }
        let open = name + 1
        let close = self.tokens.close(of: open)
        var last = close
        if self.tokens.keyword(at: close + 1) == .filter, self.tokens.isKind(.leftParenthesis, at: close + 2) {
            last = self.tokens.close(of: close + 2)
        }
        guard last == expression.upperBound - 1 else { return nil }
        let arguments = (open + 1)..<close
        if self.tokens.keyword(at: open + 1) == .distinct {
            throw Unsupported("\(function.rawValue)(DISTINCT ...)")
        }
        guard !arguments.isEmpty, self.tokens.splitAtCommas(arguments).count == 1 else {
            throw Unsupported("\(function.rawValue) with other than one argument")
        }
        if self.tokens.isOperator("*", at: open + 1), arguments.count == 1, function != .count {
            throw Unsupported("\(function.rawValue)(*)")
        }
        return AggregateCall(function: function, name: name, open: open, last: last)
    }

    /// The client columns of an aggregate query, and the `avg` rewrites of the shard text.
    mutating func aggregateColumns(_ items: [SelectItem]) throws(Unsupported) -> [ColumnMerge] {
        var columns: [ColumnMerge] = []
        var shardColumn = 0
        for item in items {
            switch item.kind {
            case .star:
                throw Unsupported("* together with aggregates")
            case .expression:
                columns.append(.first(shardColumn))
            case .aggregate(let call):
                switch call.function {
                case .count: columns.append(.count(shardColumn))
                case .sum: columns.append(.sum(shardColumn))
                case .min: columns.append(.min(shardColumn))
                case .max: columns.append(.max(shardColumn))
                case .avg:
                    columns.append(.average(sum: shardColumn, count: shardColumn + 1, name: item.alias ?? "avg"))
                    self.splitAverage(call)
                    shardColumn += 1
                }
            }
            shardColumn += 1
        }
        return columns
    }

    /// `avg(x) [FILTER (...)]` becomes `sum(x) [FILTER (...)], count(x) [FILTER (...)]`: the
    /// shards' partial sums and counts give the exact average.
    private mutating func splitAverage(_ call: AggregateCall) {
        let name = self.tokens[call.name]
        self.edits.append(TextEdit(range: name.range, replacement: "sum"))
        let callEnd = self.tokens[call.last].end
        var inserted = Array(", count".utf8)
        inserted.append(contentsOf: self.tokens.text[self.tokens[call.open].start..<callEnd])
        self.edits.append(TextEdit(range: callEnd..<callEnd, replacement: inserted))
    }
}
