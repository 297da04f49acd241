// ReplicaBalancer: picks the server a read goes to among a cluster's usable ones (pure).

/// A server that may take a read, with what load balancing needs to know about it.
package struct ReadCandidate: Hashable, Sendable {
    /// The server's index in its cluster (configured order).
    package var server: Int
    /// `weight` from the configuration; 0 takes no reads unless nothing else is usable.
    package var weight: Int
    /// Server connections of this server currently leased (for least_connections).
    package var activeConnections: Int

    package init(server: Int, weight: Int, activeConnections: Int = 0) {
        self.server = server
        self.weight = weight
        self.activeConnections = activeConnections
    }
}

/// How reads are spread.
package enum BalanceMethod: Hashable, Sendable {
    /// In turn, each server as often as its weight says.
    case roundRobin
    /// The server with the fewest active connections per unit of weight.
    case leastConnections
    /// At random, in proportion to weight.
    case random
}

/// Picks one candidate per read. One per cluster per loop: round-robin state is just a counter.
package struct ReplicaBalancer: Sendable {
    private var counter: UInt64 = 0

    package init() {}

    /// The chosen server index, or `nil` when there is no candidate.
    /// - Parameter random: the source for `.random` (pure code takes randomness as an argument).
    package mutating func choose(
        among candidates: [ReadCandidate],
        method: BalanceMethod,
        random: inout some RandomNumberGenerator
    ) -> Int? {
        guard !candidates.isEmpty else { return nil }
        if candidates.count == 1 { return candidates[0].server }
        // Weight 0 means "only when nothing else is usable".
        let weighted = candidates.filter { $0.weight > 0 }
        let pool = weighted.isEmpty ? candidates.map { ReadCandidate(server: $0.server, weight: 1, activeConnections: $0.activeConnections) } : weighted
        let total = pool.reduce(0) { $0 + $1.weight }
        switch method {
        case .roundRobin:
            defer { self.counter &+= 1 }
            return Self.pick(pool, at: Int(self.counter % UInt64(total)))
        case .random:
            return Self.pick(pool, at: Int.random(in: 0..<total, using: &random))
        case .leastConnections:
            defer { self.counter &+= 1 }
            // Compare active/weight without division: a.active * b.weight < b.active * a.weight.
            var best: [ReadCandidate] = []
            for candidate in pool {
                guard let first = best.first else {
                    best = [candidate]
                    continue
                }
                let lhs = candidate.activeConnections * first.weight
                let rhs = first.activeConnections * candidate.weight
                if lhs < rhs { best = [candidate] } else if lhs == rhs { best.append(candidate) }
            }
            return best[Int(self.counter % UInt64(best.count))].server
        }
    }

    /// The candidate owning slot `slot` of `0..<total weight`.
    private static func pick(_ pool: [ReadCandidate], at slot: Int) -> Int {
        var remaining = slot
        for candidate in pool {
            if remaining < candidate.weight { return candidate.server }
            remaining -= candidate.weight
        }
        return pool[pool.count - 1].server
    }
}
