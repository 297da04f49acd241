// MergePlan: what each shard runs and how their results combine into the one result the client expects.

import SwitchyardWire

/// The plan of a fan-out SELECT that can be merged (see `FanOutPlan`).
package struct MergePlan: Hashable, Sendable {
    /// The statement every shard runs: the client's text with `LIMIT n OFFSET m` folded into a
    /// limit of `n + m` rows and each `avg(x)` split into `sum(x), count(x)`; every other byte
    /// is the client's.
    package var shardText: [UInt8]
    package var mode: MergeMode
    /// `LIMIT n` / `FETCH FIRST n ROWS ONLY`; `nil` for none, `LIMIT ALL` and `LIMIT NULL`.
    package var limit: RowCount?
    /// `OFFSET m`; `nil` for none.
    package var offset: RowCount?

    package init(shardText: [UInt8], mode: MergeMode, limit: RowCount? = nil, offset: RowCount? = nil) {
        self.shardText = shardText
        self.mode = mode
        self.limit = limit
        self.offset = offset
    }

    /// `shardText` as a string.
    package var shardSQL: String { String(decoding: self.shardText, as: UTF8.self) }

    /// Whether the shard statement's columns differ from the client's (an `avg` was split).
    package var changesColumns: Bool {
        guard case .aggregate(let columns) = self.mode else { return false }
        return columns.contains { if case .average = $0 { return true } else { return false } }
    }

    /// The result-column format codes to send in each shard's Bind, from the client's Bind:
    /// no code or one code apply to every column alike; one code per client column is spread
    /// over the shard columns (an `avg` column's code goes to its `sum` and its `count`).
    package func shardResultFormats(clientFormats: [Int16]) -> [Int16] {
        guard clientFormats.count > 1, case .aggregate(let columns) = self.mode, columns.count == clientFormats.count
        else { return clientFormats }
        var formats: [Int16] = []
        for (column, format) in zip(columns, clientFormats) {
            formats.append(format)
            if case .average = column { formats.append(format) }
        }
        return formats
    }

    /// The RowDescription the client sees for a shard's RowDescription (for a Describe, whose
    /// answer is needed before any row): the shard's own, or with each `avg` restored.
    package func clientRowDescription(
        from shardDescription: BackendMessage.RowDescription
    ) -> Result<BackendMessage.RowDescription, MergeError> {
        MergeLayout.make(plan: self, shardDescription: shardDescription).map(\.clientDescription)
    }
}

/// How shard rows become client rows.
package enum MergeMode: Hashable, Sendable {
    /// Every shard row is a client row: concatenated when `sortKeys` is empty, else merge-sorted.
    case rows(sortKeys: [SortKey])
    /// Aggregates without GROUP BY: each shard returns one row, combined column by column.
    case aggregate([ColumnMerge])
}

/// One client column of an aggregate query and the shard column(s) it comes from (0-based).
package enum ColumnMerge: Hashable, Sendable {
    /// Not an aggregate (a constant, say): the value of the first shard row.
    case first(Int)
    /// `count(*)` or `count(x)`: the sum of the shard counts.
    case count(Int)
    /// `sum(x)`: the sum of the non-NULL shard sums; NULL when all are NULL.
    case sum(Int)
    case min(Int)
    case max(Int)
    /// `avg(x)`, run on the shards as `sum(x), count(x)`; `name` is the client's column name.
    case average(sum: Int, count: Int, name: String)
}

/// One `ORDER BY` item the merge follows.
package struct SortKey: Hashable, Sendable {
    package var column: OutputColumn
    package var isDescending: Bool
    /// PostgreSQL's default: NULLs sort as larger than every value, so first when descending.
    package var nullsFirst: Bool

    package init(column: OutputColumn, isDescending: Bool = false, nullsFirst: Bool? = nil) {
        self.column = column
        self.isDescending = isDescending
        self.nullsFirst = nullsFirst ?? isDescending
    }
}

/// An output column named by an `ORDER BY` item, found in the RowDescription when it arrives.
package indirect enum OutputColumn: Hashable, Sendable {
    /// The column at this 0-based position (`ORDER BY 2` is position 1).
    case position(Int)
    /// The column this far from the end (1 is the last), for items after a `*` of unknown width.
    case positionFromEnd(Int)
    /// The first column with this name (`ORDER BY total`): PostgreSQL matches a bare name against
    /// output column names first; when none has it, the item is an expression, and `otherwise`
    /// is the select-list item that repeats it, if any.
    case named(String, otherwise: OutputColumn?)
}

/// A LIMIT or OFFSET value as written.
package enum RowCount: Hashable, Sendable {
    case literal(Int64)
    /// `$n`, known at Bind.
    case parameter(Int)
}
