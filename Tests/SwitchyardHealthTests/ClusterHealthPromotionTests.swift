// ClusterHealthPromotionTests: promote = "auto": timing, choice of replica, once only, retry after failure.
import SwitchyardHealth
import Testing

@Suite struct ClusterHealthPromotionTests {
    /// Primary 0 at 1000; replicas 1 at 900, 2 at 950, 3 at 700; the primary goes down at 2 s.
    func makeClusterWithoutPrimary(_ policy: HealthPolicy = .testing(promote: .auto)) -> ClusterHealth {
        var health = ClusterHealth(roles: [.primary, .replica, .replica, .replica], policy: policy, now: 0)
        _ = health.checkSucceeded(server: 0, result: .primary(at: 1000), now: ms(0))
        _ = health.checkSucceeded(server: 1, result: .replica(at: 900), now: ms(0))
        _ = health.checkSucceeded(server: 2, result: .replica(at: 950), now: ms(0))
        _ = health.checkSucceeded(server: 3, result: .replica(at: 700), now: ms(0))
        _ = health.fail(server: 0, times: 2, from: ms(1000))
        return health
    }

    @Test func promotesTheMostAdvancedReplicaOncePromoteAfterHasPassed() {
        var health = self.makeClusterWithoutPrimary()
        #expect(health.primaryMissingSince == ms(2000))
        #expect(health.tick(now: ms(11_999)) == [])
        #expect(health.tick(now: ms(12_000)) == [.promote(server: 2)])
        // Exactly once, whatever comes in meanwhile.
        #expect(health.tick(now: ms(13_000)) == [])
        #expect(health.checkSucceeded(server: 1, result: .replica(at: 905), now: ms(13_100)) == [])
        #expect(health.checkFailed(server: 3, now: ms(13_200)) == [])
        #expect(health.tick(now: ms(60_000)) == [])
        // The promoted server reports its new timeline.
        #expect(health.checkSucceeded(server: 2, result: .primary(at: 960, timeline: 2), now: ms(60_100)) == [
            .primaryChanged(old: nil, new: 2),
        ])
        #expect(health.primaryMissingSince == nil)
        #expect(health.tick(now: ms(100_000)) == [])
        #expect(health.view.servers[1].lagBytes == 55)
    }

    @Test func aPromotionDueWhenACheckArrivesComesWithThatChecksEvents() {
        var health = self.makeClusterWithoutPrimary()
        #expect(health.checkFailed(server: 0, now: ms(12_000)) == [.promote(server: 2)])
    }

    @Test func zeroDelayPromotesInTheInputThatLostThePrimary() {
        let policy = HealthPolicy.testing(promote: .auto, promoteAfterMs: 0)
        var health = ClusterHealth(roles: [.primary, .replica], policy: policy, now: 0)
        _ = health.checkSucceeded(server: 0, result: .primary(at: 10), now: ms(0))
        _ = health.checkSucceeded(server: 1, result: .replica(at: 10), now: ms(0))
        #expect(health.fail(server: 0, times: 2, from: ms(1000)) == [
            .serverDown(server: 0), .primaryChanged(old: 0, new: nil), .promote(server: 1),
        ])
    }

    @Test func retriesAnIntervalAfterAFailedPromotion() {
        var health = self.makeClusterWithoutPrimary()
        #expect(health.tick(now: ms(12_000)) == [.promote(server: 2)])
        // A failure reported for a server that is not being promoted changes nothing.
        #expect(health.promotionFailed(server: 1, now: ms(12_100)) == [])
        #expect(health.tick(now: ms(20_000)) == [])
        #expect(health.promotionFailed(server: 2, now: ms(20_500)) == [])
        #expect(health.tick(now: ms(21_499)) == [])
        #expect(health.tick(now: ms(21_500)) == [.promote(server: 2)])
    }

    @Test func retryPicksTheMostAdvancedReplicaAtThatTime() {
        var health = self.makeClusterWithoutPrimary()
        #expect(health.tick(now: ms(12_000)) == [.promote(server: 2)])
        _ = health.fail(server: 2, times: 2, from: ms(12_500))
        #expect(health.promotionFailed(server: 2, now: ms(14_000)) == [])
        #expect(health.tick(now: ms(15_000)) == [.promote(server: 1)])
    }

    @Test func equalReplayPositionsGoToTheLowestIndexAndUnknownPositionsRankLast() {
        var health = ClusterHealth(
            roles: [.primary, .replica, .replica, .replica], policy: .testing(promote: .auto), now: 0
        )
        _ = health.checkSucceeded(server: 0, result: .primary(at: 1000), now: ms(0))
        _ = health.checkSucceeded(server: 1, result: .replica(at: nil), now: ms(0))
        _ = health.checkSucceeded(server: 2, result: .replica(at: 950), now: ms(0))
        _ = health.checkSucceeded(server: 3, result: .replica(at: 950), now: ms(0))
        _ = health.fail(server: 0, times: 2, from: ms(1000))
        #expect(health.tick(now: ms(12_000)) == [.promote(server: 2)])
    }

    @Test func onlyAReplicaWithAPositionUnknownIsStillPromoted() {
        var health = ClusterHealth(roles: [.primary, .replica], policy: .testing(promote: .auto), now: 0)
        _ = health.checkSucceeded(server: 1, result: .replica(at: nil), now: ms(0))
        _ = health.fail(server: 0, times: 2, from: ms(1000))
        #expect(health.tick(now: ms(12_000)) == [.promote(server: 1)])
    }

    @Test func downFencedAndUncheckedServersAreNotPromoted() {
        var health = ClusterHealth(
            roles: [.primary, .replica, .replica, .replica], policy: .testing(promote: .auto), now: 0
        )
        _ = health.checkSucceeded(server: 0, result: .primary(at: 1000, timeline: 2), now: ms(0))
        _ = health.checkSucceeded(server: 1, result: .replica(at: 990), now: ms(0))
        _ = health.checkSucceeded(server: 2, result: .primary(at: 999, timeline: 1), now: ms(0))
        _ = health.fail(server: 1, times: 2, from: ms(0))
        _ = health.fail(server: 0, times: 2, from: ms(1000))
        // Server 1 is down, server 2 fenced, server 3 never answered: nobody to promote.
        #expect(health.tick(now: ms(12_000)) == [])
        // Server 1 comes back and the promotion is long due.
        #expect(health.checkSucceeded(server: 1, result: .replica(at: 990), now: ms(13_000)) == [
            .serverUp(server: 1), .promote(server: 1),
        ])
    }

    @Test func aPrimaryAppearingBeforeTheDelayEndsTheWait() {
        var health = self.makeClusterWithoutPrimary()
        #expect(health.checkSucceeded(server: 1, result: .primary(at: 910, timeline: 2), now: ms(5000)) == [
            .primaryChanged(old: nil, new: 1),
        ])
        #expect(health.tick(now: ms(12_000)) == [])
        // Losing that one starts a new wait from then.
        #expect(health.fail(server: 1, times: 2, from: ms(13_000)) == [
            .serverDown(server: 1), .primaryChanged(old: 1, new: nil),
        ])
        #expect(health.tick(now: ms(23_999)) == [])
        #expect(health.tick(now: ms(24_000)) == [.promote(server: 2)])
    }

    @Test func externalPolicyNeverPromotes() {
        var health = self.makeClusterWithoutPrimary(.testing(promote: .external))
        #expect(health.tick(now: ms(1_000_000)) == [])
        #expect(health.primaryMissingSince == ms(2000))
    }

    @Test func clusterConfiguredWithoutPrimaryWaitsFromStartUp() {
        var health = ClusterHealth(roles: [.replica, .replica], policy: .testing(promote: .auto), now: ms(100))
        _ = health.checkSucceeded(server: 0, result: .replica(at: 5), now: ms(200))
        _ = health.checkSucceeded(server: 1, result: .replica(at: 7), now: ms(200))
        #expect(health.tick(now: ms(10_099)) == [])
        #expect(health.tick(now: ms(10_100)) == [.promote(server: 1)])
    }

    @Test func switchingToAutoOnReloadPromotesWhenDue() {
        var health = self.makeClusterWithoutPrimary(.testing(promote: .external))
        #expect(health.policyChanged(.testing(promote: .auto), now: ms(30_000)) == [.promote(server: 2)])
    }
}
