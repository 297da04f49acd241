// ClusterView: the immutable health decision for one cluster, published to the event loops.

/// What one cluster's health decides right now: where writes go and which servers may take
/// reads. An immutable value the daemon hands to its loops and its stats.
package struct ClusterView: Equatable, Sendable {
    /// A server's state as stats report it (`up`, `down`, `fenced`).
    package enum ServerState: Equatable, Sendable {
        /// Checks reach it (or it was not checked yet) and it may take traffic in its role.
        case up
        /// Enough checks failed: no traffic.
        case down
        /// Not in recovery while another primary serves: no traffic.
        case fenced(FenceReason)

        /// The stats word: "up", "down" or "fenced".
        package var name: String {
            switch self {
            case .up: "up"
            case .down: "down"
            case .fenced: "fenced"
            }
        }
    }

    /// One server of the cluster.
    package struct Server: Equatable, Sendable {
        /// Up, down or fenced.
        package var state: ServerState
        /// The role checks last observed; the configured role before the first good check. A
        /// fenced server is not in recovery, so its role is `.primary` although it is not the
        /// cluster's primary.
        package var role: ReplicationRole
        /// Replay position on a replica, current WAL position otherwise, from the last good
        /// check; nil before the first or when PostgreSQL reported NULL.
        package var walPosition: UInt64?
        /// How far this up replica is behind the primary's last known position; nil when unknown
        /// (no primary, either position missing, or not an up replica).
        package var lagBytes: UInt64?
        /// May take reads: up, in recovery, and lag within `maxReplicaLagBytes` or unknown.
        /// Unknown lag counts as readable so that reads go on at start-up and during a failover.
        package var isReadable: Bool
        /// May take writes: it is the cluster's primary.
        package var isWritable: Bool

        package init(
            state: ServerState,
            role: ReplicationRole,
            walPosition: UInt64?,
            lagBytes: UInt64?,
            isReadable: Bool,
            isWritable: Bool
        ) {
            self.state = state
            self.role = role
            self.walPosition = walPosition
            self.lagBytes = lagBytes
            self.isReadable = isReadable
            self.isWritable = isWritable
        }
    }

    /// The index of the primary, nil when the cluster has none.
    package var primary: Int?
    /// Every server, in configured order.
    package var servers: [Server]

    package init(primary: Int?, servers: [Server]) {
        self.primary = primary
        self.servers = servers
    }
}
