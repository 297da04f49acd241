// ClusterHealthLagTests: replica lag against the primary's latest position, the limit's exact boundary.
import SwitchyardHealth
import Testing

@Suite struct ClusterHealthLagTests {
    /// Primary 0, replicas 1 and 2, a 1000-byte limit; only the primary checked, at 10 000.
    func makeCluster(maxLag: UInt64 = 1000) -> ClusterHealth {
        let policy = HealthPolicy.testing(maxReplicaLagBytes: maxLag)
        var health = ClusterHealth(roles: [.primary, .replica, .replica], policy: policy, now: 0)
        _ = health.checkSucceeded(server: 0, result: .primary(at: 10_000), now: ms(0))
        return health
    }

    @Test func lagAtTheLimitIsReadableAndOneByteMoreIsNot() {
        var health = self.makeCluster()
        #expect(health.checkSucceeded(server: 1, result: .replica(at: 9_000), now: ms(10)) == [])
        #expect(health.view.servers[1].lagBytes == 1000)
        #expect(health.view.servers[1].isReadable)
        #expect(health.checkSucceeded(server: 2, result: .replica(at: 8_999), now: ms(10)) == [
            .lagExceeded(server: 2, lagBytes: 1001),
        ])
        #expect(health.view.servers[2].lagBytes == 1001)
        #expect(!health.view.servers[2].isReadable)
        #expect(health.view.servers[2].state == .up)
    }

    @Test func lagFollowsThePrimarysLatestPosition() {
        var health = self.makeCluster()
        _ = health.checkSucceeded(server: 1, result: .replica(at: 9_000), now: ms(10))
        _ = health.checkSucceeded(server: 2, result: .replica(at: 8_999), now: ms(10))
        // The primary moves on: replica 1 crosses the limit; replica 2 was over it already.
        #expect(health.checkSucceeded(server: 0, result: .primary(at: 10_001), now: ms(1000)) == [
            .lagExceeded(server: 1, lagBytes: 1001),
        ])
        #expect(health.view.servers[2].lagBytes == 1002)
        // Replica 2 catches up to exactly the limit.
        #expect(health.checkSucceeded(server: 2, result: .replica(at: 9_001), now: ms(1010)) == [
            .lagRecovered(server: 2, lagBytes: 1000),
        ])
        #expect(health.view.servers[2].isReadable)
        #expect(health.view.servers.map(\.isReadable) == [false, false, true])
    }

    @Test func replicaAheadOfTheLastPrimaryAnswerHasNoLag() {
        var health = self.makeCluster()
        _ = health.checkSucceeded(server: 1, result: .replica(at: 10_500), now: ms(10))
        #expect(health.view.servers[1].lagBytes == 0)
        #expect(health.view.servers[1].isReadable)
    }

    @Test func unknownLagDoesNotStopReads() {
        var health = ClusterHealth(roles: [.primary, .replica, .replica], policy: .testing(), now: 0)
        // Start-up: nothing checked yet.
        #expect(health.view.servers[1].lagBytes == nil)
        #expect(health.view.servers[1].isReadable)
        // The replica answers before the primary: no primary position to compare with.
        _ = health.checkSucceeded(server: 1, result: .replica(at: 1), now: ms(10))
        #expect(health.view.servers[1].lagBytes == nil)
        #expect(health.view.servers[1].isReadable)
        // The primary answers: now the lag is known.
        #expect(health.checkSucceeded(server: 0, result: .primary(at: 5000), now: ms(20)) == [
            .lagExceeded(server: 1, lagBytes: 4999),
        ])
        // A standby that reported no replay position has no known lag.
        _ = health.checkSucceeded(server: 2, result: .replica(at: nil), now: ms(30))
        #expect(health.view.servers[2].lagBytes == nil)
        #expect(health.view.servers[2].isReadable)
        #expect(health.view.servers[2].walPosition == nil)
    }

    @Test func duringAFailoverLaggingReplicasReadAgainAndEventsStayPaired() {
        var health = self.makeCluster()
        _ = health.checkSucceeded(server: 1, result: .replica(at: 9_500), now: ms(10))
        _ = health.checkSucceeded(server: 2, result: .replica(at: 5_000), now: ms(10))
        #expect(!health.view.servers[2].isReadable)
        #expect(health.fail(server: 0, times: 2, from: ms(1000)) == [
            .serverDown(server: 0), .primaryChanged(old: 0, new: nil),
        ])
        // No primary: lag unknown, every replica reads, and no lag event is invented.
        #expect(health.view.servers[2].lagBytes == nil)
        #expect(health.view.servers[2].isReadable)
        // Replica 1 is promoted; replica 2 is still far behind it: no reads, but no second
        // lagExceeded either.
        #expect(health.checkSucceeded(server: 1, result: .primary(at: 9_600, timeline: 2), now: ms(3000)) == [
            .primaryChanged(old: nil, new: 1),
        ])
        #expect(health.view.servers[2].lagBytes == 4_600)
        #expect(!health.view.servers[2].isReadable)
        #expect(health.checkSucceeded(server: 2, result: .replica(at: 9_600), now: ms(3010)) == [
            .lagRecovered(server: 2, lagBytes: 0),
        ])
    }

    @Test func raisingTheLimitOnReloadRestoresReads() {
        var health = self.makeCluster()
        _ = health.checkSucceeded(server: 1, result: .replica(at: 8_000), now: ms(10))
        #expect(!health.view.servers[1].isReadable)
        #expect(health.policyChanged(.testing(maxReplicaLagBytes: 2000), now: ms(20)) == [
            .lagRecovered(server: 1, lagBytes: 2000),
        ])
        #expect(health.view.servers[1].isReadable)
        #expect(health.policy.maxReplicaLagBytes == 2000)
    }

    @Test func primaryHasNoLagAndReadsNothingAsAReplica() {
        let health = self.makeCluster()
        #expect(health.view.servers[0].lagBytes == nil)
        #expect(!health.view.servers[0].isReadable)
        #expect(health.view.servers[0].isWritable)
        #expect(health.view.servers[0].walPosition == 10_000)
    }
}
