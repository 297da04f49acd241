// HealthSettings: the typed [health] table (check cadence, lag limit, failover policy).

/// The `[health]` table.
package struct HealthSettings: Equatable, Sendable {
    /// `interval_ms`: every server is checked this often, on a dedicated connection.
    package var intervalMs: Int
    /// `timeout_ms`: a check that takes longer has failed.
    package var timeoutMs: Int
    /// `failure_threshold`: "consecutive failed checks before a server is down".
    package var failureThreshold: Int
    /// `max_replica_lag_bytes`: "replicas further behind get no reads".
    package var maxReplicaLagBytes: Int
    /// `promote`: who promotes a replica when the primary is down.
    package var promote: PromoteMode
    /// `promote_after_ms`: "with "auto": how long the primary must be down first".
    package var promoteAfterMs: Int
    /// `user`: "login for health checks on clusters whose own `user` is """; nil when "".
    package var user: String?
    /// `password`: the password of `user`.
    package var password: String
}

/// `promote`: what happens when a cluster's primary is down.
package enum PromoteMode: String, ConfigChoice, Sendable {
    /// "follow promotions done by Patroni, repmgr, pg_ctl": any server of the cluster that
    /// reports `pg_is_in_recovery() = false` becomes the primary.
    case external
    /// "promote the most advanced replica (pg_promote())" after `promote_after_ms`.
    case auto
}
