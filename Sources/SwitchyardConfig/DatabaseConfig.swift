// DatabaseConfig: one [databases.NAME] table, how statements for one client database are routed.

/// One `[databases.NAME]` table: "the database name clients put in their DSN".
package struct DatabaseConfig: Equatable, Sendable {
    /// The `NAME` of `[databases.NAME]`.
    package var name: String
    /// `cluster`: "default cluster for tables that no rule names".
    package var cluster: String
    /// `read_write_split`: reads go to replicas when true; everything to the primary when false.
    package var readWriteSplit: Bool
    /// `load_balance`: how reads are spread over replicas.
    package var loadBalance: LoadBalance
    /// `primary_reads`: whether the primary serves reads.
    package var primaryReads: PrimaryReads
    /// `read_after_write`: how a client's reads see its own writes.
    package var readAfterWrite: ReadAfterWrite
    /// `read_after_write_window_ms`: with `window`, reads go to the primary this long after a write.
    package var readAfterWriteWindowMs: Int
    /// `write_functions`: "extra functions whose call makes a SELECT a write".
    package var writeFunctions: [String]
    /// `cross_cluster_transactions`: "two_phase" | "error".
    package var crossClusterTransactions: CrossClusterTransactions
    /// `[[databases.NAME.routes]]`: "tables that live on another cluster", in file order.
    package var routes: [RouteRule]
    /// `[[databases.NAME.shards]]`: "a table group sharded by one key", in file order.
    package var shards: [ShardGroup]
}

/// One `[[databases.NAME.routes]]` entry.
package struct RouteRule: Equatable, Sendable {
    /// `tables`: patterns; "a pattern without a dot matches the table name in any schema;
    /// `schema.table` matches that schema only; `*` and `?` are globs". Kept as written.
    package var tables: [String]
    /// `cluster`: where the matching tables live.
    package var cluster: String
}
