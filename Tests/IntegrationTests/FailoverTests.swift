// FailoverTests: the primary of a real replication group crashes behind a running proxy; writes
// move to the promoted replica (promoted from outside, or by the proxy), no acknowledged write is
// lost, and the crashed primary, back on its old timeline, gets no traffic.
import Foundation
import SwitchyardTesting
import Testing

@Suite("Failover: the primary crashes behind the proxy", .serialized)
struct FailoverTests {
    /// A commit PostgreSQL acknowledged survives the crash of its primary only if a standby had it
    /// before the acknowledgement: with asynchronous replication the unreplicated tail is lost by
    /// the servers themselves, whatever a proxy does. So the primary waits for both standbys to
    /// flush each commit (`FIRST 2`: whichever replica gets promoted has every acknowledged
    /// commit, and promotion replays all WAL received), with `synchronous_commit = on` and `fsync`
    /// (the test servers otherwise run without both). With that, any acknowledged id missing on
    /// the new primary would be the proxy's doing: it must add no loss to the backend's mode.
    static let synchronousPrimary = [
        "synchronous_standby_names": "'FIRST 2 (replica1, replica2)'",
        "synchronous_commit": "'on'",
        "fsync": "'on'",
    ]

    static let writesTable = """
        CREATE TABLE failover_writes (id bigint PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT clock_timestamp());
        ALTER TABLE failover_writes OWNER TO app;
        """

    @Test("pg_ctl promote after a crash: writes resume within 3 s, no acknowledged write is lost")
    func externalPromotion() throws {
        try withFailoverCluster(primarySettings: Self.synchronousPrimary, setupSQL: Self.writesTable) { failover in
            try Self.waitForSynchronousStandbys(on: failover.primary)
            let proxyPID = failover.proxy.proxy.pid
            let oldPrimary = failover.primary
            let newPrimary = failover.replicas[0]
            let writer = SequentialWriter(conninfo: failover.proxy.conninfo())
            writer.start()
            defer { writer.stop() }
            try #require(writer.waitForAcknowledgements(200, after: 0, timeout: 30), "\(failover.proxyLog)")

            try oldPrimary.stop(mode: .immediate)
            // The primary is gone: inserts with higher ids need the new one.
            let crashedAt = Monotonic.now
            let lastIDBeforeCrash = writer.lastAttemptedID
            // As an operator or a failover manager would, promote once the primary is seen gone.
            let noticed = try failover.proxy.waitForStats(timeout: 10) {
                $0.server(port: oldPrimary.port)?.state == "down"
            }
            #expect(noticed, "the proxy did not mark the crashed primary down\n\(failover.proxyLog)")
            let downAfter = Monotonic.now - crashedAt
            let promotionStarted = Monotonic.now
            try newPrimary.promote()
            let promotionTook = Monotonic.now - promotionStarted
            try #require(
                writer.waitForAcknowledgements(50, after: promotionStarted, timeout: 15),
                "writes did not resume\n\(failover.proxyLog)")
            writer.stop()

            let first = try #require(writer.firstAcknowledgement(afterID: lastIDBeforeCrash))
            let resumedAfter = first.at - promotionStarted
            #expect(resumedAfter <= 3, "first write \(resumedAfter) s after pg_ctl promote")
            #expect(failover.proxy.proxy.isRunning && failover.proxy.proxy.pid == proxyPID)
            // The proxy kept the writer's connection: the lost insert failed, nothing else broke.
            #expect(writer.connections == 1, "the writer had to reconnect")
            #expect(try failover.proxy.mainCluster().primary == newPrimary.address)

            let missing = try Self.missingAcknowledgements(writer, on: newPrimary)
            #expect(missing.isEmpty, "acknowledged ids missing on the new primary: \(missing.prefix(20))")
            print(
                """
                FailoverTests.externalPromotion: down after \(Self.ms(downAfter)) ms; pg_ctl promote took \
                \(Self.ms(promotionTook)) ms; first write \(Self.ms(resumedAfter)) ms after the promotion began; \
                \(writer.acknowledged.count) acknowledged, \(writer.failures.count) failed of \(writer.attempts) \
                attempts; \(missing.count) acknowledged ids missing
                """)
        }
    }

    @Test("promote = auto: the proxy promotes a replica with pg_promote(), no acknowledged write is lost")
    func automaticPromotion() throws {
        try withFailoverCluster(
            primarySettings: Self.synchronousPrimary, setupSQL: Self.writesTable,
            configure: { $0.healthSettings.merge(["promote": "\"auto\"", "promote_after_ms": "2000"]) { $1 } }
        ) { failover in
            try Self.waitForSynchronousStandbys(on: failover.primary)
            let proxyPID = failover.proxy.proxy.pid
            let writer = SequentialWriter(conninfo: failover.proxy.conninfo())
            writer.start()
            defer { writer.stop() }
            try #require(writer.waitForAcknowledgements(200, after: 0, timeout: 30), "\(failover.proxyLog)")

            try failover.primary.stop(mode: .immediate)
            let crashedAt = Monotonic.now
            let lastIDBeforeCrash = writer.lastAttemptedID
            var promoted: LocalPostgres?
            let promotedInTime = try waitUntil(timeout: 20, interval: 0.05) {
                promoted = try failover.replicas.first { try !$0.isInRecovery() }
                return promoted != nil
            }
            try #require(promotedInTime, "no replica was promoted\n\(failover.proxyLog)")
            let newPrimary = try #require(promoted)
            let promotedAfter = Monotonic.now - crashedAt
            try #require(
                writer.waitForAcknowledgements(50, after: crashedAt, timeout: 15),
                "writes did not resume\n\(failover.proxyLog)")
            writer.stop()

            let first = try #require(writer.firstAcknowledgement(afterID: lastIDBeforeCrash))
            let resumedAfter = first.at - crashedAt
            // Not before promote_after_ms (less the time pg_ctl stop took to confirm the crash); then
            // at once: detection (a traffic error and one failed check), 2 s, pg_promote().
            #expect(resumedAfter >= 1.5, "a write succeeded \(resumedAfter) s after the crash")
            #expect(resumedAfter < 8, "first write \(resumedAfter) s after the crash")
            #expect(failover.proxy.proxy.isRunning && failover.proxy.proxy.pid == proxyPID)
            #expect(writer.connections == 1, "the writer had to reconnect")
            // Exactly one replica was promoted; the other is still a standby.
            let standbys = try failover.replicas.filter { try $0.isInRecovery() }
            #expect(standbys.count == 1)
            #expect(try failover.proxy.mainCluster().primary == newPrimary.address)
            #expect(failover.proxy.proxy.output().contains("promoting replica"))

            let missing = try Self.missingAcknowledgements(writer, on: newPrimary)
            #expect(missing.isEmpty, "acknowledged ids missing on the new primary: \(missing.prefix(20))")
            print(
                """
                FailoverTests.automaticPromotion: \(newPrimary.name) promoted, seen \(Self.ms(promotedAfter)) ms \
                after the crash; first write \(Self.ms(resumedAfter)) ms after the crash; \
                \(writer.acknowledged.count) acknowledged, \(writer.failures.count) failed of \(writer.attempts) \
                attempts; \(missing.count) acknowledged ids missing
                """)
        }
    }

    // MARK: - Helpers

    /// Waits until both replicas are synchronous standbys of `primary`.
    static func waitForSynchronousStandbys(on primary: LocalPostgres) throws {
        let ready = try waitUntil(timeout: 15, interval: 0.05) {
            try primary.query("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'") == "2"
        }
        try #require(ready, "the replicas did not become synchronous standbys")
    }

    /// The acknowledged ids that `server` does not have.
    static func missingAcknowledgements(_ writer: SequentialWriter, on server: LocalPostgres) throws -> [Int] {
        let stored = Set(
            try server.query("SELECT id FROM failover_writes", database: TestUser.database)
                .split(separator: "\n").compactMap { Int($0) })
        return writer.acknowledged.map(\.id).filter { !stored.contains($0) }
    }

    static func ms(_ seconds: Double) -> Int { Int((seconds * 1000).rounded()) }
}
