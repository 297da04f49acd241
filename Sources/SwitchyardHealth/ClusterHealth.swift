// ClusterHealth: one cluster's health as a state machine: check results in, decisions and events out.

/// The health of one cluster: which servers are up, down or fenced, which one is the primary,
/// how far each replica lags, and when the proxy should promote a replica (SPEC section 5).
///
/// Pure: the daemon's prober reports each check with the monotonic time, in nanoseconds, at
/// which it completed; each input returns the `HealthEvent`s it caused (order: see
/// `HealthEvent`), and `view` holds the decision to publish. Servers are indices in configured
/// order.
///
/// The rules:
/// - **Start-up.** Every server starts up in its configured role, so traffic flows before any
///   check completes. Until the configured primary's first good check, it is the primary.
/// - **Down and up.** `failureThreshold` consecutive failed checks mark a server down. A traffic
///   error makes it suspect, and a suspect server's next failed check marks it down at once. One
///   good check brings it back up and clears the count and the suspicion.
/// - **Primary.** See `elect()`: among servers not down whose last good check says not in
///   recovery, the highest timeline wins; a tie goes to the current primary, else to the lowest
///   index. Every other server not in recovery is fenced.
/// - **Lag.** An up replica's lag is the primary's last known WAL position minus the replica's
///   replay position, at least 0. Above `maxReplicaLagBytes` it gets no reads; at the limit it
///   does. Unknown lag (no primary, or a position not known yet) does not stop reads.
/// - **Promotion.** See `advancePromotion(now:)`.
package struct ClusterHealth: Sendable {
    /// Whether a server's checks reach it.
    package enum Reachability: Equatable, Sendable {
        /// It takes part. `failures`: consecutive failed checks so far, below the threshold.
        /// `isSuspect`: a traffic error was reported, so the next failed check marks it down.
        case reachable(failures: Int, isSuspect: Bool)
        /// `failures` consecutive checks failed; no traffic until a good check.
        case down(failures: Int)
    }

    /// What the checks have established about one server.
    package struct Server: Equatable, Sendable {
        /// The configured role: what the server is taken for until its first good check.
        package let configuredRole: ReplicationRole
        /// Up or down, with the failure count.
        package internal(set) var reachability: Reachability
        /// The last good check; nil before the first. Kept while the server is down.
        package internal(set) var lastResult: CheckResult?
        /// Why it is fenced; nil when it is not. Kept while the server is down, so that a
        /// fenced server that restarts on its old timeline is fenced again.
        package internal(set) var fence: FenceReason?
        /// Its lag was above the limit when last known. Changes only when its lag is known, so
        /// that `lagExceeded` and `lagRecovered` alternate.
        package internal(set) var isOverLagLimit: Bool

        /// Consecutive failed checks.
        package var consecutiveFailures: Int {
            switch self.reachability {
            case .reachable(let failures, _), .down(let failures): failures
            }
        }

        /// A traffic error was reported since its last check.
        package var isSuspect: Bool {
            switch self.reachability {
            case .reachable(_, let isSuspect): isSuspect
            case .down: false
            }
        }

        var isDown: Bool {
            switch self.reachability {
            case .reachable: false
            case .down: true
            }
        }
    }

    /// Where automatic promotion stands (tracked under both policies; only `.auto` promotes).
    enum PromotionState: Equatable, Sendable {
        /// The cluster has a primary.
        case primaryPresent
        /// No primary since `since`; `retryAt` is the earliest next attempt after a failed one.
        case primaryMissing(since: UInt64, retryAt: UInt64?)
        /// `promote(server)` was emitted and has not succeeded or failed yet.
        case promoting(server: Int, primaryMissingSince: UInt64)
    }

    /// The settings in force.
    package private(set) var policy: HealthPolicy
    /// Every server, in configured order.
    package internal(set) var servers: [Server]
    /// The decision to publish, updated by every input.
    package internal(set) var view: ClusterView
    /// The newest timeline a primary of this cluster has served; 0 before the first was seen.
    /// A server not in recovery on an older timeline is never elected.
    package internal(set) var newestTimeline = 0
    /// The current primary; also the tie-break between servers on the same timeline.
    var primary: Int?
    var promotion: PromotionState

    /// Starts a cluster with its servers' configured roles, in configured order.
    /// - Parameter now: the current monotonic time in nanoseconds; a cluster configured without a
    ///   primary has been missing one since then.
    package init(roles: [ReplicationRole], policy: HealthPolicy, now: UInt64) {
        self.policy = policy
        self.servers = roles.map {
            Server(configuredRole: $0, reachability: .reachable(failures: 0, isSuspect: false),
                   lastResult: nil, fence: nil, isOverLagLimit: false)
        }
        self.primary = nil
        self.promotion = .primaryPresent
        self.view = ClusterView(primary: nil, servers: [])
        self.elect()
        self.view = self.makeView()
        if self.primary == nil {
            self.promotion = .primaryMissing(since: now, retryAt: nil)
        }
    }

    /// When the cluster lost its primary; nil while it has one.
    package var primaryMissingSince: UInt64? {
        switch self.promotion {
        case .primaryPresent: nil
        case .primaryMissing(let since, _), .promoting(_, let since): since
        }
    }

    // MARK: - Inputs

    /// A check of `server` answered `result` at `now`.
    package mutating func checkSucceeded(server: Int, result: CheckResult, now: UInt64) -> [HealthEvent] {
        self.precondition(server)
        self.servers[server].reachability = .reachable(failures: 0, isSuspect: false)
        self.servers[server].lastResult = result
        return self.reconcile(now: now)
    }

    /// A check of `server` failed at `now`: no connection, login refused, timed out, an error, or
    /// a malformed row.
    package mutating func checkFailed(server: Int, now: UInt64) -> [HealthEvent] {
        self.precondition(server)
        switch self.servers[server].reachability {
        case .reachable(let failures, let isSuspect):
            let failures = failures + 1
            let isDown = isSuspect || failures >= self.policy.effectiveFailureThreshold
            self.servers[server].reachability =
                isDown ? .down(failures: failures) : .reachable(failures: failures, isSuspect: false)
        case .down(let failures):
            self.servers[server].reachability = .down(failures: failures + 1)
        }
        return self.reconcile(now: now)
    }

    /// A connection error on `server` while it served traffic. Marks it suspect, so that its next
    /// failed check marks it down at once.
    /// - Returns: whether the daemon should check it now: true only for the first report since
    ///   its last check, so that many failing connections start one check, and never for a
    ///   server already down.
    package mutating func trafficErrorReported(server: Int) -> Bool {
        self.precondition(server)
        switch self.servers[server].reachability {
        case .reachable(let failures, let isSuspect):
            guard !isSuspect else { return false }
            self.servers[server].reachability = .reachable(failures: failures, isSuspect: true)
            return true
        case .down:
            return false
        }
    }

    /// Time passed; lets an automatic promotion start when it is due.
    package mutating func tick(now: UInt64) -> [HealthEvent] {
        self.advancePromotion(now: now)
    }

    /// `pg_promote()` on `server` failed or timed out at `now`. Another promotion (of the then
    /// most advanced replica) may be asked for one `intervalMs` later. A report for a server that
    /// is not being promoted is ignored.
    package mutating func promotionFailed(server: Int, now: UInt64) -> [HealthEvent] {
        self.precondition(server)
        switch self.promotion {
        case .promoting(let promoting, let since) where promoting == server:
            let (retryAt, overflow) = now.addingReportingOverflow(self.policy.intervalNanoseconds)
            self.promotion = .primaryMissing(since: since, retryAt: overflow ? .max : retryAt)
            return self.advancePromotion(now: now)
        case .primaryPresent, .primaryMissing, .promoting:
            return []
        }
    }

    /// The settings changed (a reload): the lag limit and the promotion rules apply from now.
    package mutating func policyChanged(_ policy: HealthPolicy, now: UInt64) -> [HealthEvent] {
        self.policy = policy
        return self.reconcile(now: now)
    }

    // MARK: - Internal

    /// Decides again after a change: elects, rebuilds the view, reports what changed, and moves
    /// the promotion along.
    private mutating func reconcile(now: UInt64) -> [HealthEvent] {
        let before = self.view
        self.elect()
        let after = self.makeView()
        var events = Self.changes(from: before, to: after)
        events += self.updateLagLimitFlags(after)
        self.view = after
        events += self.advancePromotion(now: now)
        return events
    }

    private func precondition(_ server: Int) {
        Swift.precondition(self.servers.indices.contains(server), "server index \(server) is not in this cluster")
    }
}
