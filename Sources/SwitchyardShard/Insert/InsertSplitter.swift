// InsertSplitter: splits a multi-row INSERT ... VALUES into one INSERT per shard holding only that shard's rows.

import SwitchyardRouting
import SwitchyardSQL
import SwitchyardWire

/// A multi-row INSERT split by shard, or why it cannot be.
package enum InsertSplit: Hashable, Sendable {
    /// One statement per shard involved, in shard order.
    case split([ShardInsert])
    case unsupported(String)

    /// The error to answer instead of an INSERT whose rows span shards but cannot be split
    /// (0A000); `nil` when split.
    package var error: MergeError? {
        guard case .unsupported(let reason) = self else { return nil }
        return MergeError(sqlState: .featureNotSupported, message: "cannot split the INSERT by shard: \(reason)")
    }
}

/// The INSERT one shard runs: the client's text with only this shard's VALUES rows.
package struct ShardInsert: Hashable, Sendable {
    package var shard: Int
    package var text: [UInt8]
    /// When the rows were split: for each parameter `$i` of `text` (`parameters[i - 1]`), the
    /// client's parameter number it stands for; the shard's Bind sends those values (and its
    /// Parse those types) in this order. `nil` when the text is the client's own, unchanged.
    package var parameters: [Int]?
    /// How many VALUES rows the text holds.
    package var rowCount: Int

    package init(shard: Int, text: [UInt8], parameters: [Int]?, rowCount: Int) {
        self.shard = shard
        self.text = text
        self.parameters = parameters
        self.rowCount = rowCount
    }

    package var sql: String { String(decoding: self.text, as: UTF8.self) }
}

/// Splits `INSERT INTO t (cols...) VALUES (...), (...) [ON CONFLICT ...] [RETURNING ...]` whose
/// column list names the group's shard key: each row goes to the shard its key belongs to (the
/// group's shard function, as the router places keys), parameters read from the Bind. The prefix
/// and the suffix are kept byte for byte in every shard's text. The daemon runs the texts on their
/// shards in one atomic (two-phase) transaction.
///
/// Not split: INSERT ... SELECT, DEFAULT VALUES, no column list or no key column in it, a key
/// that is not a constant or parameter (an expression, DEFAULT, NULL), WITH.
package enum InsertSplitter {
    /// Splits `statement` of the query text `text`, analysed with the group's key among the
    /// analyzer's `shardKeyColumns` (as `RoutingTable.analyzerOptions` sets them).
    package static func split(
        text: UnsafeBufferPointer<UInt8>, statement: StatementAnalysis, group: ShardGroup,
        parameters parameter: (Int) -> ParameterValue? = { _ in nil }, standardConformingStrings: Bool = true
    ) -> InsertSplit {
        guard case .write(.modification("INSERT")) = statement.kind else {
            return .unsupported("only INSERT rows can be split by shard (\(statement.reason))")
        }
        let range = statement.range.clamped(to: 0..<text.count)
        let tokens = StatementTokens(text: Array(text[range]), standardConformingStrings: standardConformingStrings)
        do throws(Unsupported) {
            let shape = try InsertShape(tokens: tokens, key: group.key)
            guard let keys = statement.shardKeys.insertedColumns.first(where: { $0.column == group.key }),
                keys.values.count == shape.rows.count
            else { return .unsupported("the statement's shard key values are unknown") }
            var rowsByShard: [Int: [Int]] = [:]
            for (row, value) in keys.values.enumerated() {
                let shard = try Self.shard(of: value, row: row, group: group, parameter: parameter)
                rowsByShard[shard, default: []].append(row)
            }
            if rowsByShard.count == 1, let (shard, rows) = rowsByShard.first {
                return .split([ShardInsert(shard: shard, text: tokens.text, parameters: nil, rowCount: rows.count)])
            }
            return .split(
                rowsByShard.keys.sorted().map { shard in
                    shape.insert(shard: shard, rows: rowsByShard[shard] ?? [])
                })
        } catch {
            return .unsupported(error.reason)
        }
    }

    /// Analyses `sql` (one statement) with the group's key column and splits it.
    package static func split(
        sql: String, group: ShardGroup, parameters: (Int) -> ParameterValue? = { _ in nil },
        standardConformingStrings: Bool = true
    ) -> InsertSplit {
        let options = AnalyzerOptions(standardConformingStrings: standardConformingStrings, shardKeyColumns: [group.key])
        var analyzer = SQLAnalyzer(options: options)
        var copy = sql
        return copy.withUTF8 { buffer in
            guard let statement = analyzer.analyze(buffer).single else {
                return .unsupported("an INSERT to split must be exactly one statement")
            }
            return Self.split(
                text: buffer, statement: statement, group: group, parameters: parameters,
                standardConformingStrings: standardConformingStrings)
        }
    }

    /// The CommandComplete tag of the whole INSERT from the shards' tags (`INSERT 0 n` each):
    /// `INSERT 0 <total>`; `nil` if a tag is not an INSERT tag.
    package static func combinedTag(_ tags: [String]) -> String? {
        var total = 0
        for tag in tags {
            let parts = tag.split(separator: " ")
            guard parts.count == 3, parts[0] == "INSERT", let count = Int(parts[2]) else { return nil }
            total += count
        }
        return "INSERT 0 \(total)"
    }

    private static func shard(
        of value: KeyValue?, row: Int, group: ShardGroup, parameter: (Int) -> ParameterValue?
    ) throws(Unsupported) -> Int {
        let key: ShardKey?
        switch value {
        case nil:
            throw Unsupported("the shard key of row \(row + 1) is not a constant or parameter")
        case .parameter(let number)?:
            guard let bound = parameter(number) else {
                throw Unsupported("the shard key of row \(row + 1) is parameter $\(number), which has no value")
            }
            key = group.key(forParameter: bound)
        case let constant?:
            key = group.key(for: constant)
        }
        guard let key, let shard = group.shard(of: key) else {
            throw Unsupported("the shard key of row \(row + 1) is not a valid \(group.keyType.rawValue)")
        }
        return shard
    }
}
