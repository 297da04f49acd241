// ShardGroup: one [[databases.NAME.shards]] entry, tables whose rows are split by one key.

/// One `[[databases.NAME.shards]]` entry: "a table group sharded by one key".
package struct ShardGroup: Equatable, Sendable {
    /// `tables`: table patterns, as for routes.
    package var tables: [String]
    /// `key`: the shard key column.
    package var key: String
    /// `key_type`: "bigint" | "text".
    package var keyType: ShardKeyType
    /// `function`: "pg_hash" | "modulo".
    package var function: ShardFunction
    /// `clusters`: "shard i lives on clusters[i]".
    package var clusters: [String]
}

/// `key_type`: the PostgreSQL type of the shard key column.
package enum ShardKeyType: String, ConfigChoice, Sendable {
    /// A `bigint` key, hashed as PostgreSQL hashes `bigint` for `pg_hash`.
    case bigint
    /// A `text` key, hashed as PostgreSQL hashes `text`; `pg_hash` only.
    case text
}

/// `function`: how a key value picks its shard.
package enum ShardFunction: String, ConfigChoice, Sendable {
    /// "puts a key exactly where PostgreSQL's `PARTITION BY HASH (key)` with `MODULUS N` would
    /// put it (`REMAINDER i` = shard i)".
    case pgHash = "pg_hash"
    /// "`key mod N` for integers"; "`modulo` of a negative key is the non-negative remainder".
    case modulo
}
