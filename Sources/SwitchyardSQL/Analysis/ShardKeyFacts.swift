// ShardKeyFacts: where a statement pins the value of a shard-key column (WHERE, INSERT VALUES).

/// A constant or parameter compared with a shard-key column.
package enum KeyValue: Hashable, Sendable {
    /// An integer constant (also a string constant cast to an integer type).
    case integer(Int64)
    /// A string constant (also an integer constant cast to text).
    case string(String)
    /// `$n`: known only at Bind.
    case parameter(Int)
}

/// `column = value` or `column IN (values)`, AND-ed at the top level of the WHERE clause.
package struct KeyPredicate: Hashable, Sendable {
    /// The folded column name.
    package var column: String
    /// The table name or alias before the column (`o` in `o.customer_id`), if written.
    package var qualifier: String?
    package var values: [KeyValue]

    package init(column: String, qualifier: String? = nil, values: [KeyValue]) {
        self.column = column
        self.qualifier = qualifier
        self.values = values
    }
}

/// A shard-key column of an `INSERT ... (columns) VALUES (...), (...)`.
package struct InsertedKeyColumn: Hashable, Sendable {
    package var column: String
    /// One entry per VALUES row; `nil` where the row's value is not a constant or parameter.
    package var values: [KeyValue?]

    package init(column: String, values: [KeyValue?]) {
        self.column = column
        self.values = values
    }
}

/// Shard-key facts of one statement, for the columns the analyzer was told are shard keys.
///
/// Predicates are collected only when they certainly restrict every row the statement touches:
/// from the WHERE of the statement itself (not subqueries), with no top-level OR, no set
/// operation (UNION...), no CTE and only plain tables in FROM. Anything else leaves them empty,
/// which routes a SELECT to every shard and makes a sharded write an error.
package struct ShardKeyFacts: Hashable, Sendable {
    package var predicates: [KeyPredicate] = []
    /// The key columns an INSERT lists with VALUES rows; empty for INSERT ... SELECT, DEFAULT
    /// VALUES or a missing column list.
    package var insertedColumns: [InsertedKeyColumn] = []
    /// The number of VALUES rows of an INSERT.
    package var insertedRowCount = 0
    /// Shard-key columns assigned by `UPDATE ... SET` or `ON CONFLICT DO UPDATE SET`.
    package var assignedColumns: [String] = []

    package init() {}

    package var isEmpty: Bool {
        self.predicates.isEmpty && self.insertedColumns.isEmpty && self.assignedColumns.isEmpty
    }
}
