// ClusterHealthReachabilityTests: failed checks, the threshold, traffic errors and coming back up.
import SwitchyardHealth
import Testing

@Suite struct ClusterHealthReachabilityTests {
    /// A checked primary (server 0) at position 100 and a checked replica (server 1) on par.
    func makeChecked(_ policy: HealthPolicy) -> ClusterHealth {
        var health = ClusterHealth(roles: [.primary, .replica], policy: policy, now: 0)
        _ = health.checkSucceeded(server: 0, result: .primary(at: 100), now: ms(0))
        _ = health.checkSucceeded(server: 1, result: .replica(at: 100), now: ms(0))
        return health
    }

    @Test func thresholdCountsConsecutiveFailuresAndAGoodCheckResetsTheCount() {
        var health = self.makeChecked(.testing(failureThreshold: 3))
        #expect(health.checkFailed(server: 1, now: ms(1000)) == [])
        #expect(health.checkFailed(server: 1, now: ms(2000)) == [])
        #expect(health.servers[1].consecutiveFailures == 2)
        #expect(health.view.servers[1].state == .up)
        #expect(health.view.servers[1].isReadable)

        #expect(health.checkSucceeded(server: 1, result: .replica(at: 100), now: ms(3000)) == [])
        #expect(health.servers[1].consecutiveFailures == 0)

        #expect(health.checkFailed(server: 1, now: ms(4000)) == [])
        #expect(health.checkFailed(server: 1, now: ms(5000)) == [])
        #expect(health.checkFailed(server: 1, now: ms(6000)) == [.serverDown(server: 1)])
        #expect(health.view.servers[1].state == .down)
        #expect(health.checkFailed(server: 1, now: ms(7000)) == [])
        #expect(health.servers[1].consecutiveFailures == 4)
    }

    @Test(arguments: [0, 1])
    func thresholdOfOneOrLessMarksDownAtTheFirstFailure(threshold: Int) {
        var health = self.makeChecked(.testing(failureThreshold: threshold))
        #expect(health.checkFailed(server: 1, now: ms(1000)) == [.serverDown(server: 1)])
    }

    @Test func oneGoodCheckBringsADownServerBackUp() {
        var health = self.makeChecked(.testing())
        #expect(health.fail(server: 1, times: 2, from: ms(1000)) == [.serverDown(server: 1)])
        #expect(!health.view.servers[1].isReadable)
        #expect(health.checkSucceeded(server: 1, result: .replica(at: 100), now: ms(3000)) == [.serverUp(server: 1)])
        #expect(health.view.servers[1].state == .up)
        #expect(health.view.servers[1].isReadable)
        #expect(health.servers[1].consecutiveFailures == 0)
    }

    @Test func trafficErrorThenOneFailedCheckMarksDown() {
        var health = self.makeChecked(.testing(failureThreshold: 3))
        #expect(health.trafficErrorReported(server: 1) == true)
        #expect(health.servers[1].isSuspect)
        // Further errors from other connections do not start more checks.
        #expect(health.trafficErrorReported(server: 1) == false)
        #expect(health.checkFailed(server: 1, now: ms(1000)) == [.serverDown(server: 1)])
        #expect(!health.servers[1].isSuspect)
        // A down server is checked on the interval anyway.
        #expect(health.trafficErrorReported(server: 1) == false)
    }

    @Test func trafficErrorAfterEarlierFailuresStillNeedsOnlyOneMore() {
        var health = self.makeChecked(.testing(failureThreshold: 5))
        #expect(health.checkFailed(server: 1, now: ms(1000)) == [])
        #expect(health.trafficErrorReported(server: 1) == true)
        #expect(health.checkFailed(server: 1, now: ms(1100)) == [.serverDown(server: 1)])
        #expect(health.servers[1].consecutiveFailures == 2)
    }

    @Test func goodCheckClearsTheSuspicion() {
        var health = self.makeChecked(.testing(failureThreshold: 3))
        #expect(health.trafficErrorReported(server: 1) == true)
        #expect(health.checkSucceeded(server: 1, result: .replica(at: 100), now: ms(1000)) == [])
        #expect(!health.servers[1].isSuspect)
        #expect(health.checkFailed(server: 1, now: ms(2000)) == [])
        #expect(health.view.servers[1].state == .up)
        // A new traffic error asks for a check again.
        #expect(health.trafficErrorReported(server: 1) == true)
        #expect(health.checkFailed(server: 1, now: ms(2100)) == [.serverDown(server: 1)])
    }

    @Test func replicaDownTakesNoReadsAndTheOthersKeepThem() {
        var health = ClusterHealth(roles: [.primary, .replica, .replica], policy: .testing(), now: 0)
        _ = health.checkSucceeded(server: 0, result: .primary(at: 100), now: ms(0))
        _ = health.checkSucceeded(server: 1, result: .replica(at: 100), now: ms(0))
        _ = health.checkSucceeded(server: 2, result: .replica(at: 100), now: ms(0))
        #expect(health.fail(server: 1, times: 2, from: ms(1000)) == [.serverDown(server: 1)])
        #expect(health.view.servers.map(\.isReadable) == [false, false, true])
        #expect(health.view.servers[1].lagBytes == nil)
        #expect(health.view.primary == 0)
    }

    @Test func primaryDownLeavesWritesNowhereToGo() {
        var health = self.makeChecked(.testing())
        #expect(health.checkFailed(server: 0, now: ms(1000)) == [])
        #expect(health.view.primary == 0)
        #expect(health.checkFailed(server: 0, now: ms(2000)) == [
            .serverDown(server: 0), .primaryChanged(old: 0, new: nil),
        ])
        #expect(health.view.primary == nil)
        #expect(health.view.servers.allSatisfy { !$0.isWritable })
        #expect(health.primaryMissingSince == ms(2000))
        // Reads go on: the replica's lag is unknown without a primary.
        #expect(health.view.servers[1].isReadable)
        #expect(health.view.servers[1].lagBytes == nil)
    }

    @Test func primaryBackUpIsPrimaryAgain() {
        var health = self.makeChecked(.testing())
        _ = health.fail(server: 0, times: 2, from: ms(1000))
        #expect(health.checkSucceeded(server: 0, result: .primary(at: 200), now: ms(3000)) == [
            .serverUp(server: 0), .primaryChanged(old: nil, new: 0),
        ])
        #expect(health.view.servers[0].isWritable)
        #expect(health.primaryMissingSince == nil)
    }

    @Test func stateNamesAreTheStatsWords() {
        #expect(ClusterView.ServerState.up.name == "up")
        #expect(ClusterView.ServerState.down.name == "down")
        #expect(ClusterView.ServerState.fenced(.configuredPrimaryNotChecked(primary: 0)).name == "fenced")
        #expect(ReplicationRole.primary.rawValue == "primary")
        #expect(ReplicationRole.replica.rawValue == "replica")
    }
}
