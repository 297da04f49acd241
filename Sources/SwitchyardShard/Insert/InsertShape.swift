// InsertShape: where an INSERT's VALUES rows lie among its tokens, and the per-shard text built from them.

import SwitchyardSQL

/// `INSERT INTO name [AS alias] (columns) [OVERRIDING ... VALUE] VALUES (row), ... [suffix]`,
/// located by token.
struct InsertShape {
    let tokens: StatementTokens
    /// Each VALUES row's `(` and `)` token indices, in order.
    private(set) var rows: [(open: Int, close: Int)] = []

    init(tokens: StatementTokens, key: String) throws(Unsupported) {
        self.tokens = tokens
        guard tokens.keyword(at: 0) == .insert else { throw Unsupported("an INSERT with WITH") }
        guard tokens.keyword(at: 1) == .into else { throw Unsupported("INSERT without INTO") }
        var index = 2
        // The table name (possibly qualified) and an optional AS alias, up to the column list.
        while index < tokens.count, !tokens.isKind(.leftParenthesis, at: index) {
            switch tokens.keyword(at: index) {
            case .values, .select, .default, .table, .with:
                throw Unsupported("an INSERT without a column list naming the shard key")
            default:
                index += 1
            }
        }
        guard index < tokens.count else { throw Unsupported("an INSERT without a column list naming the shard key") }
        if tokens.keyword(at: index + 1) == .select || tokens.keyword(at: index + 1) == .with {
            throw Unsupported("INSERT ... SELECT")
        }
        let columnsClose = tokens.close(of: index)
        let columns = tokens.splitAtCommas((index + 1)..<columnsClose)
        var hasKey = false
        for column in columns where tokens.name(at: column.lowerBound) == key {
            guard column.count == 1 else { throw Unsupported("an assignment to part of the shard key column") }
            hasKey = true
        }
        guard hasKey else { throw Unsupported("an INSERT whose column list does not name the shard key") }

        index = columnsClose + 1
        if tokens.spells("overriding", at: index) { index += 3 }
        switch tokens.keyword(at: index) {
        case .values: break
        case .default: throw Unsupported("INSERT ... DEFAULT VALUES")
        default: throw Unsupported("INSERT ... SELECT")
        }
        index += 1
        while tokens.isKind(.leftParenthesis, at: index) {
            let close = tokens.close(of: index)
            guard close < tokens.count else { throw Unsupported("an unterminated VALUES row") }
            guard tokens.splitAtCommas((index + 1)..<close).count == columns.count else {
                throw Unsupported("a VALUES row whose length differs from the column list")
            }
            self.rows.append((index, close))
            index = close + 1
            guard tokens.isKind(.comma, at: index) else { break }
            index += 1
        }
        guard !self.rows.isEmpty else { throw Unsupported("INSERT ... SELECT") }
        // What follows the rows is kept in every shard's text: only ON CONFLICT and RETURNING.
        if index < tokens.count, tokens.keyword(at: index) != .on, tokens.keyword(at: index) != .returning {
            throw Unsupported("a VALUES list followed by other than ON CONFLICT or RETURNING")
        }
    }

    /// The text for `shard` holding the rows `rowIndices` (ascending), with parameters numbered
    /// `$1...` in the order of the client's numbers they stand for.
    func insert(shard: Int, rows rowIndices: [Int]) -> ShardInsert {
        let text = self.tokens.text
        let firstOpen = self.rows[0].open
        let lastClose = self.rows[self.rows.count - 1].close
        // The kept byte ranges, in text order: the prefix, this shard's rows, the suffix.
        var spans: [Range<Int>] = [0..<self.tokens[firstOpen].start]
        for row in rowIndices {
            spans.append(self.tokens[self.rows[row].open].start..<self.tokens[self.rows[row].close].end)
        }
        spans.append(self.tokens[lastClose].end..<text.count)

        // Parameters the shard's text keeps, renumbered densely.
        var parameterTokens: [(range: Range<Int>, number: Int)] = []
        for index in 0..<self.tokens.count {
            guard let number = self.tokens.parameterNumber(at: index) else { continue }
            let range = self.tokens[index].range
            if spans.contains(where: { $0.lowerBound <= range.lowerBound && range.upperBound <= $0.upperBound }) {
                parameterTokens.append((range, number))
            }
        }
        let numbers = Array(Set(parameterTokens.map(\.number))).sorted()
        var renumbered: [Int: Int] = [:]
        for (position, number) in numbers.enumerated() { renumbered[number] = position + 1 }

        var result: [UInt8] = []
        var nextParameter = 0
        for (position, span) in spans.enumerated() {
            // Rows are joined with ", " (the prefix ends and the suffix starts at a row).
            if position > 1, position < spans.count - 1 { result += Array(", ".utf8) }
            var cursor = span.lowerBound
            while nextParameter < parameterTokens.count, parameterTokens[nextParameter].range.lowerBound < span.upperBound {
                let parameter = parameterTokens[nextParameter]
                result += text[cursor..<parameter.range.lowerBound]
                result += Array("$\(renumbered[parameter.number] ?? parameter.number)".utf8)
                cursor = parameter.range.upperBound
                nextParameter += 1
            }
            result += text[cursor..<span.upperBound]
        }
        return ShardInsert(shard: shard, text: result, parameters: numbers, rowCount: rowIndices.count)
    }
}
