// DatabasePolicies: the string choices of [databases.NAME] (replica use and transactions).

/// `load_balance`: how a read picks among a cluster's usable replicas, by `weight`.
package enum LoadBalance: String, ConfigChoice, Sendable {
    /// Each replica in turn.
    case roundRobin = "round_robin"
    /// The replica with the fewest active server connections.
    case leastConnections = "least_connections"
    /// A random replica.
    case random
}

/// `primary_reads`: whether reads may run on the primary.
package enum PrimaryReads: String, ConfigChoice, Sendable {
    /// Reads never run on the primary: no usable replica is error 08006.
    case never
    /// "when no replica is usable".
    case fallback
    /// "puts the primary in the read rotation".
    case always
}

/// `read_after_write`: how a client's reads see its own earlier writes.
package enum ReadAfterWrite: String, ConfigChoice, Sendable {
    /// Reads go to replicas right after writes; they may not see them yet.
    case none
    /// "after a client's write, its reads go to the primary for `read_after_write_window_ms`".
    case window
    /// "after a client's write commits, ... that client's later reads go only to replicas whose
    /// replay position has reached it, else to the primary".
    case lsn
}

/// `cross_cluster_transactions`: what a transaction that writes on two clusters does.
package enum CrossClusterTransactions: String, ConfigChoice, Sendable {
    /// Commit on every cluster atomically with two-phase commit.
    case twoPhase = "two_phase"
    /// The statement that reaches a second cluster fails with 0A000 before anything is sent.
    case error
}
