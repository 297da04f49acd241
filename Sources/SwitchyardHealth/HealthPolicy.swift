// HealthPolicy: the health module's own settings (check cadence, failure threshold, lag limit, promotion).

/// How servers are checked and when a cluster fails over. Built by the daemon from the `[health]`
/// table; this module never reads the configuration itself.
package struct HealthPolicy: Equatable, Sendable {
    /// Who promotes a replica when a cluster has no primary.
    package enum Promotion: Equatable, Sendable {
        /// Someone else (Patroni, repmgr, `pg_ctl promote`); the proxy follows whichever server
        /// reports `pg_is_in_recovery() = false`.
        case external
        /// The proxy promotes the most advanced replica with `pg_promote()` once the cluster has
        /// had no primary for `promoteAfterMs`.
        case auto
    }

    /// Time between two checks of one server.
    package var intervalMs: Int
    /// A check that takes longer has failed (enforced by the prober, which then reports
    /// `checkFailed`).
    package var timeoutMs: Int
    /// Consecutive failed checks that mark a server down; values below 1 count as 1.
    package var failureThreshold: Int
    /// Replicas further behind their primary get no reads; exactly this far behind still does.
    package var maxReplicaLagBytes: UInt64
    /// Who promotes a replica when the primary is gone.
    package var promote: Promotion
    /// With `.auto`: how long a cluster must be without a primary before the proxy promotes.
    package var promoteAfterMs: Int

    package init(
        intervalMs: Int,
        timeoutMs: Int,
        failureThreshold: Int,
        maxReplicaLagBytes: UInt64,
        promote: Promotion,
        promoteAfterMs: Int
    ) {
        self.intervalMs = intervalMs
        self.timeoutMs = timeoutMs
        self.failureThreshold = failureThreshold
        self.maxReplicaLagBytes = maxReplicaLagBytes
        self.promote = promote
        self.promoteAfterMs = promoteAfterMs
    }

    /// `failureThreshold`, at least 1: a server cannot be down before any check failed.
    var effectiveFailureThreshold: Int { max(1, self.failureThreshold) }

    /// `intervalMs` in nanoseconds, the unit of the clock the daemon passes in.
    var intervalNanoseconds: UInt64 { Self.nanoseconds(milliseconds: self.intervalMs) }

    /// `promoteAfterMs` in nanoseconds.
    var promoteAfterNanoseconds: UInt64 { Self.nanoseconds(milliseconds: self.promoteAfterMs) }

    /// Milliseconds to nanoseconds, negative values as 0 and saturating instead of trapping on
    /// absurdly large values.
    static func nanoseconds(milliseconds: Int) -> UInt64 {
        let (value, overflow) = UInt64(max(0, milliseconds)).multipliedReportingOverflow(by: 1_000_000)
        return overflow ? .max : value
    }
}
