// HealthTestSupport: a manual clock in milliseconds, policies and check answers for health transcripts.
import SwitchyardHealth

/// `value` milliseconds on the manual clock, in the nanoseconds ClusterHealth takes.
func ms(_ value: UInt64) -> UInt64 { value * 1_000_000 }

extension HealthPolicy {
    /// The policy the transcripts use unless they say otherwise: a 1 s interval, 2 failures, a
    /// 1000-byte lag limit and a 10 s promotion delay.
    static func testing(
        failureThreshold: Int = 2,
        maxReplicaLagBytes: UInt64 = 1000,
        promote: Promotion = .external,
        promoteAfterMs: Int = 10_000,
        intervalMs: Int = 1000
    ) -> HealthPolicy {
        HealthPolicy(
            intervalMs: intervalMs,
            timeoutMs: 1000,
            failureThreshold: failureThreshold,
            maxReplicaLagBytes: maxReplicaLagBytes,
            promote: promote,
            promoteAfterMs: promoteAfterMs
        )
    }
}

extension CheckResult {
    /// A server not in recovery at WAL position `position`.
    static func primary(at position: UInt64, timeline: Int = 1) -> CheckResult {
        .notInRecovery(walPosition: position, timeline: timeline)
    }

    /// A standby that has replayed up to `position`.
    static func replica(at position: UInt64?) -> CheckResult {
        .inRecovery(replayPosition: position)
    }
}

extension ClusterHealth {
    /// Fails `server`'s check `count` times, one interval apart from `start`, and returns every
    /// event.
    mutating func fail(server: Int, times count: Int, from start: UInt64) -> [HealthEvent] {
        (0..<count).flatMap { self.checkFailed(server: server, now: start + ms(UInt64($0) * 1000)) }
    }
}
