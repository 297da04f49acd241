// ClusterHealthElectionTests: start-up beliefs, external promotions, split-brain fencing and tie-breaks.
import SwitchyardHealth
import Testing

@Suite struct ClusterHealthElectionTests {
    @Test func beforeAnyCheckServersServeInTheirConfiguredRoles() {
        let health = ClusterHealth(roles: [.replica, .primary, .replica], policy: .testing(), now: 0)
        #expect(health.view.primary == 1)
        #expect(health.view.servers == [
            .init(state: .up, role: .replica, walPosition: nil, lagBytes: nil, isReadable: true, isWritable: false),
            .init(state: .up, role: .primary, walPosition: nil, lagBytes: nil, isReadable: false, isWritable: true),
            .init(state: .up, role: .replica, walPosition: nil, lagBytes: nil, isReadable: true, isWritable: false),
        ])
        #expect(health.primaryMissingSince == nil)
    }

    @Test func clusterConfiguredWithoutPrimaryFollowsTheFirstServerNotInRecovery() {
        var health = ClusterHealth(roles: [.replica, .replica], policy: .testing(), now: ms(5))
        #expect(health.view.primary == nil)
        #expect(health.primaryMissingSince == ms(5))
        #expect(health.checkSucceeded(server: 1, result: .primary(at: 10), now: ms(10)) == [
            .primaryChanged(old: nil, new: 1),
        ])
        #expect(health.view.servers[1].isWritable)
        #expect(health.newestTimeline == 1)
    }

    @Test func configuredPrimaryStaysPrimaryUntilItsFirstCheckThenTheNewerTimelineWins() {
        var health = ClusterHealth(roles: [.primary, .replica], policy: .testing(), now: 0)
        // Server 1 was promoted while the proxy was not running; it answers first.
        #expect(health.checkSucceeded(server: 1, result: .primary(at: 500, timeline: 2), now: ms(10)) == [
            .serverFenced(server: 1, reason: .configuredPrimaryNotChecked(primary: 0)),
        ])
        #expect(health.view.primary == 0)
        #expect(health.view.servers[1].role == .primary)
        #expect(!health.view.servers[1].isWritable)
        // The old primary answers on timeline 1: the newer history wins.
        #expect(health.checkSucceeded(server: 0, result: .primary(at: 400, timeline: 1), now: ms(20)) == [
            .serverFenced(server: 0, reason: .olderTimeline(timeline: 1, newestTimeline: 2)),
            .serverUnfenced(server: 1, reason: .elected),
            .primaryChanged(old: 0, new: 1),
        ])
        #expect(health.view.servers[1].isWritable)
        #expect(health.view.servers[0].state == .fenced(.olderTimeline(timeline: 1, newestTimeline: 2)))
    }

    @Test func configuredPrimaryWinsATieAtItsFirstCheck() {
        var health = ClusterHealth(roles: [.replica, .primary], policy: .testing(), now: 0)
        _ = health.checkSucceeded(server: 0, result: .primary(at: 500, timeline: 1), now: ms(10))
        // Same timeline: the configured primary is the current one, so it keeps the role even
        // though server 0 comes first; server 0's fence becomes definitive.
        #expect(health.checkSucceeded(server: 1, result: .primary(at: 600, timeline: 1), now: ms(20)) == [
            .serverFenced(server: 0, reason: .sameTimeline(timeline: 1, primary: 1)),
        ])
        #expect(health.view.primary == 1)
    }

    @Test func configuredPrimaryDownBeforeItsFirstCheckLetsAnotherServerLead() {
        var health = ClusterHealth(roles: [.primary, .replica], policy: .testing(), now: 0)
        _ = health.checkSucceeded(server: 1, result: .primary(at: 500, timeline: 2), now: ms(10))
        #expect(health.fail(server: 0, times: 2, from: ms(1000)) == [
            .serverDown(server: 0),
            .serverUnfenced(server: 1, reason: .elected),
            .primaryChanged(old: 0, new: 1),
        ])
    }

    @Test func externalPromotionIsFollowedAndTheOldPrimaryReturningStandaloneIsFencedForGood() {
        var health = ClusterHealth(roles: [.primary, .replica, .replica], policy: .testing(), now: 0)
        _ = health.checkSucceeded(server: 0, result: .primary(at: 1000, timeline: 1), now: ms(0))
        _ = health.checkSucceeded(server: 1, result: .replica(at: 1000), now: ms(0))
        _ = health.checkSucceeded(server: 2, result: .replica(at: 990), now: ms(0))
        // The primary crashes.
        #expect(health.fail(server: 0, times: 2, from: ms(1000)) == [
            .serverDown(server: 0), .primaryChanged(old: 0, new: nil),
        ])
        // Patroni promotes server 1: not in recovery, next timeline.
        #expect(health.checkSucceeded(server: 1, result: .primary(at: 1100, timeline: 2), now: ms(3000)) == [
            .primaryChanged(old: nil, new: 1),
        ])
        #expect(health.view.servers[1].isWritable)
        #expect(health.view.servers[2].lagBytes == 110)
        // The old primary restarts standalone on timeline 1.
        #expect(health.checkSucceeded(server: 0, result: .primary(at: 1050, timeline: 1), now: ms(4000)) == [
            .serverUp(server: 0),
            .serverFenced(server: 0, reason: .olderTimeline(timeline: 1, newestTimeline: 2)),
        ])
        #expect(health.view.primary == 1)
        #expect(!health.view.servers[0].isWritable)
        #expect(!health.view.servers[0].isReadable)
        // Even with the new primary gone it never takes writes: its history diverged.
        #expect(health.fail(server: 1, times: 2, from: ms(5000)) == [
            .serverDown(server: 1), .primaryChanged(old: 1, new: nil),
        ])
        #expect(health.checkSucceeded(server: 0, result: .primary(at: 1050, timeline: 1), now: ms(7000)) == [])
        #expect(health.view.primary == nil)
        #expect(health.view.servers[0].state == .fenced(.olderTimeline(timeline: 1, newestTimeline: 2)))
    }

    @Test func oldPrimaryOnAnOlderTimelineIsFencedEvenWhenNoPrimaryServes() {
        var health = ClusterHealth(roles: [.primary, .replica], policy: .testing(), now: 0)
        _ = health.checkSucceeded(server: 0, result: .primary(at: 100, timeline: 1), now: ms(0))
        _ = health.fail(server: 0, times: 2, from: ms(1000))
        _ = health.checkSucceeded(server: 1, result: .primary(at: 200, timeline: 2), now: ms(3000))
        _ = health.fail(server: 1, times: 2, from: ms(4000))
        // Server 0 was down the whole time server 1 served; it still must not take writes.
        #expect(health.checkSucceeded(server: 0, result: .primary(at: 150, timeline: 1), now: ms(6000)) == [
            .serverUp(server: 0),
            .serverFenced(server: 0, reason: .olderTimeline(timeline: 1, newestTimeline: 2)),
        ])
        #expect(health.view.primary == nil)
    }

    @Test func fencedServerReturningInRecoveryIsAnOrdinaryReplica() {
        var health = ClusterHealth(roles: [.primary, .replica], policy: .testing(), now: 0)
        _ = health.checkSucceeded(server: 0, result: .primary(at: 100, timeline: 1), now: ms(0))
        _ = health.fail(server: 0, times: 2, from: ms(1000))
        _ = health.checkSucceeded(server: 1, result: .primary(at: 200, timeline: 2), now: ms(3000))
        _ = health.checkSucceeded(server: 0, result: .primary(at: 150, timeline: 1), now: ms(4000))
        // pg_rewind, then restarted as a standby of server 1.
        #expect(health.checkSucceeded(server: 0, result: .replica(at: 180), now: ms(9000)) == [
            .serverUnfenced(server: 0, reason: .inRecovery),
        ])
        #expect(health.view.servers[0] == .init(
            state: .up, role: .replica, walPosition: 180, lagBytes: 20, isReadable: true, isWritable: false
        ))
    }

    @Test func fencedServerThatGoesDownIsFencedAgainWhenItReturns() {
        var health = ClusterHealth(roles: [.primary, .replica], policy: .testing(), now: 0)
        _ = health.checkSucceeded(server: 0, result: .primary(at: 100, timeline: 2), now: ms(0))
        _ = health.checkSucceeded(server: 1, result: .primary(at: 100, timeline: 1), now: ms(0))
        #expect(health.view.servers[1].state == .fenced(.olderTimeline(timeline: 1, newestTimeline: 2)))
        #expect(health.fail(server: 1, times: 2, from: ms(1000)) == [.serverDown(server: 1)])
        #expect(health.servers[1].fence == .olderTimeline(timeline: 1, newestTimeline: 2))
        #expect(health.checkSucceeded(server: 1, result: .primary(at: 100, timeline: 1), now: ms(3000)) == [
            .serverUp(server: 1),
            .serverFenced(server: 1, reason: .olderTimeline(timeline: 1, newestTimeline: 2)),
        ])
    }

    @Test func newerTimelineTakesOverFromTheCurrentPrimary() {
        var health = ClusterHealth(roles: [.primary, .replica], policy: .testing(), now: 0)
        _ = health.checkSucceeded(server: 0, result: .primary(at: 100, timeline: 1), now: ms(0))
        // A failover the proxy saw only half of: server 1 promoted, server 0 not yet demoted.
        #expect(health.checkSucceeded(server: 1, result: .primary(at: 120, timeline: 2), now: ms(1000)) == [
            .serverFenced(server: 0, reason: .olderTimeline(timeline: 1, newestTimeline: 2)),
            .primaryChanged(old: 0, new: 1),
        ])
        #expect(health.newestTimeline == 2)
    }

    @Test func equalTimelinesGoToTheCurrentPrimaryEvenIfConfiguredLater() {
        var health = ClusterHealth(roles: [.replica, .replica, .replica], policy: .testing(), now: 0)
        #expect(health.checkSucceeded(server: 2, result: .primary(at: 100, timeline: 3), now: ms(0)) == [
            .primaryChanged(old: nil, new: 2),
        ])
        #expect(health.checkSucceeded(server: 1, result: .primary(at: 900, timeline: 3), now: ms(10)) == [
            .serverFenced(server: 1, reason: .sameTimeline(timeline: 3, primary: 2)),
        ])
        #expect(health.view.primary == 2)
    }

    @Test func equalTimelinesWithoutTheCurrentPrimaryGoToTheLowestConfiguredIndex() {
        var health = ClusterHealth(roles: [.primary, .replica, .replica], policy: .testing(), now: 0)
        // Both answer while the configured primary is still believed.
        _ = health.checkSucceeded(server: 2, result: .primary(at: 100, timeline: 3), now: ms(0))
        _ = health.checkSucceeded(server: 1, result: .primary(at: 100, timeline: 3), now: ms(0))
        #expect(health.view.servers[1].state == .fenced(.configuredPrimaryNotChecked(primary: 0)))
        #expect(health.view.servers[2].state == .fenced(.configuredPrimaryNotChecked(primary: 0)))
        // The configured primary turns out to be a standby: servers 1 and 2 tie, 1 comes first.
        #expect(health.checkSucceeded(server: 0, result: .replica(at: 100), now: ms(10)) == [
            .serverUnfenced(server: 1, reason: .elected),
            .serverFenced(server: 2, reason: .sameTimeline(timeline: 3, primary: 1)),
            .primaryChanged(old: 0, new: 1),
        ])
        #expect(health.view.servers[0].role == .replica)
        #expect(health.view.servers[0].isReadable)
    }

    @Test func serverThatLostATieStaysFencedWhenTheWinnerGoesDown() {
        var health = ClusterHealth(roles: [.replica, .replica], policy: .testing(), now: 0)
        _ = health.checkSucceeded(server: 1, result: .primary(at: 100, timeline: 1), now: ms(0))
        _ = health.checkSucceeded(server: 0, result: .primary(at: 100, timeline: 1), now: ms(0))
        #expect(health.fail(server: 1, times: 2, from: ms(1000)) == [
            .serverDown(server: 1), .primaryChanged(old: 1, new: nil),
        ])
        #expect(health.view.servers[0].state == .fenced(.sameTimeline(timeline: 1, primary: 1)))
        // Promoted again later (rewound and promoted between two checks): a newer timeline competes.
        #expect(health.checkSucceeded(server: 0, result: .primary(at: 300, timeline: 2), now: ms(5000)) == [
            .serverUnfenced(server: 0, reason: .elected), .primaryChanged(old: nil, new: 0),
        ])
    }

    @Test func plannedSwitchoverPassesThroughNoPrimary() {
        var health = ClusterHealth(roles: [.primary, .replica], policy: .testing(), now: 0)
        _ = health.checkSucceeded(server: 0, result: .primary(at: 100), now: ms(0))
        _ = health.checkSucceeded(server: 1, result: .replica(at: 100), now: ms(0))
        // The primary is demoted first...
        #expect(health.checkSucceeded(server: 0, result: .replica(at: 110), now: ms(1000)) == [
            .primaryChanged(old: 0, new: nil),
        ])
        #expect(health.view.servers[0].isReadable)
        // ...then the replica is promoted.
        #expect(health.checkSucceeded(server: 1, result: .primary(at: 120, timeline: 2), now: ms(1500)) == [
            .primaryChanged(old: nil, new: 1),
        ])
        #expect(health.view.servers[0].lagBytes == 10)
    }
}
