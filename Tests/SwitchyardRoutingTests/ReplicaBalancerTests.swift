// ReplicaBalancerTests: how reads spread over replicas for each load_balance method.
import SwitchyardRouting
import Testing

@Suite struct ReplicaBalancerTests {
    /// A deterministic generator for `.random`.
    struct Counter: RandomNumberGenerator {
        var state: UInt64 = 0
        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            return z ^ (z >> 31)
        }
    }

    func counts(_ method: BalanceMethod, _ candidates: [ReadCandidate], picks: Int) -> [Int: Int] {
        var balancer = ReplicaBalancer()
        var random = Counter()
        var counts: [Int: Int] = [:]
        for _ in 0..<picks {
            let server = balancer.choose(among: candidates, method: method, random: &random)!
            counts[server, default: 0] += 1
        }
        return counts
    }

    @Test func roundRobinAlternatesEvenly() {
        let candidates = [ReadCandidate(server: 1, weight: 1), ReadCandidate(server: 2, weight: 1)]
        var balancer = ReplicaBalancer()
        var random = Counter()
        let sequence = (0..<4).map { _ in balancer.choose(among: candidates, method: .roundRobin, random: &random)! }
        #expect(sequence == [1, 2, 1, 2])
    }

    @Test func roundRobinFollowsWeights() {
        let candidates = [ReadCandidate(server: 0, weight: 3), ReadCandidate(server: 5, weight: 1)]
        #expect(self.counts(.roundRobin, candidates, picks: 400) == [0: 300, 5: 100])
    }

    @Test func randomFollowsWeightsApproximately() {
        let candidates = [ReadCandidate(server: 0, weight: 1), ReadCandidate(server: 1, weight: 3)]
        let counts = self.counts(.random, candidates, picks: 4000)
        #expect((850...1150).contains(counts[0] ?? 0))
        #expect((2850...3150).contains(counts[1] ?? 0))
    }

    @Test func leastConnectionsPicksTheLeastLoadedPerWeight() {
        let candidates = [
            ReadCandidate(server: 0, weight: 1, activeConnections: 3),
            ReadCandidate(server: 1, weight: 2, activeConnections: 4),
            ReadCandidate(server: 2, weight: 1, activeConnections: 5),
        ]
        // 4/2 = 2 is below 3/1 and 5/1.
        #expect(self.counts(.leastConnections, candidates, picks: 10) == [1: 10])
    }

    @Test func leastConnectionsSharesTies() {
        let candidates = [
            ReadCandidate(server: 0, weight: 1, activeConnections: 2),
            ReadCandidate(server: 1, weight: 1, activeConnections: 2),
        ]
        #expect(self.counts(.leastConnections, candidates, picks: 10) == [0: 5, 1: 5])
    }

    @Test func weightZeroTakesReadsOnlyWhenAlone() {
        let mixed = [ReadCandidate(server: 0, weight: 0), ReadCandidate(server: 1, weight: 2)]
        #expect(self.counts(.roundRobin, mixed, picks: 6) == [1: 6])
        let alone = [ReadCandidate(server: 0, weight: 0), ReadCandidate(server: 3, weight: 0)]
        #expect(self.counts(.roundRobin, alone, picks: 4) == [0: 2, 3: 2])
    }

    @Test func noCandidateMeansNoChoice() {
        var balancer = ReplicaBalancer()
        var random = Counter()
        #expect(balancer.choose(among: [], method: .roundRobin, random: &random) == nil)
    }
}
