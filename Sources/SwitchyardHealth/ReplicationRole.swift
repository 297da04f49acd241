// ReplicationRole: primary or replica, as configured (the starting belief) or as checks observe it.

/// A server's place in its replication group.
package enum ReplicationRole: String, Equatable, Sendable {
    /// Accepts writes: not in recovery.
    case primary
    /// A standby: in recovery, replaying the primary's WAL.
    case replica
}
