// ClusterTopology: one loop's picture of a cluster — its servers, their health, and read balancing.
import SwitchyardHealth
import SwitchyardRouting

/// A cluster as the data plane sees it: the configured servers and the latest health view.
struct ClusterTopology {
    let entry: ClusterEntry
    /// The latest decision of the health checks (at start: the configured roles).
    var view: ClusterView
    var balancer = ReplicaBalancer()
    /// Replay positions replicas confirmed to this loop between health checks, by server index.
    var confirmedPositions: [Int: UInt64] = [:]
    /// When a replica last failed a catch-up check (loop time), by server index.
    var catchUpMisses: [Int: UInt64] = [:]

    init(entry: ClusterEntry, view: ClusterView) {
        self.entry = entry
        self.view = view
    }

    /// The view before any health check: the configured primary writes, replicas read.
    static func initialView(of entry: ClusterEntry, policy: HealthPolicy, now: UInt64) -> ClusterView {
        ClusterHealth(roles: entry.servers.map { $0.role == .primary ? .primary : .replica }, policy: policy, now: now).view
    }
}
