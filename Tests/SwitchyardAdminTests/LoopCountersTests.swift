// LoopCountersTests: what a loop records and what merging several loops' counters gives.
import SwitchyardAdmin
import Testing

@Suite("LoopCounters")
struct LoopCountersTests {
    let primary = ServerKey(cluster: "main", host: "10.0.0.1", port: 5432)
    let replica = ServerKey(cluster: "main", host: "10.0.0.2", port: 5432)
    let shard = ServerKey(cluster: "shard0", host: "10.0.1.1", port: 5432)

    @Test func recordsQueriesErrorsAndReasons() {
        var loop = LoopCounters()
        let slot = loop.slot(for: self.primary)
        #expect(loop.slot(for: self.primary) == slot)
        loop.recordQuery(slot, kind: .read, nanoseconds: 1_000)
        loop.recordQuery(slot, kind: .write, nanoseconds: 2_000_000)
        loop.recordQuery(slot, kind: .other, seconds: 0.5)
        loop.recordError(slot)
        loop.recordRoutingError()
        loop.recordPrimaryRead(.readAfterWrite)
        loop.recordPrimaryRead(.readAfterWrite)
        loop.recordPrimaryRead(.hint)

        let counters = loop.counters(for: self.primary)
        #expect(counters.queries == 3)
        #expect(counters.reads == 1)
        #expect(counters.writes == 1)
        #expect(counters.errors == 1)
        #expect(counters.duration.count == 3)
        #expect(counters.duration.sumNanoseconds == 1_000 + 2_000_000 + 500_000_000)
        #expect(loop.routingErrors == 1)
        #expect(loop.primaryReadsByReason == ["read_after_write": 2, "hint": 1])
        #expect(loop.counters(for: self.replica) == ServerCounters())
    }

    /// Two loops that met their servers in different orders merge into the sum of both, whichever
    /// way round they are merged.
    @Test func mergeAddsEveryCounterByServer() {
        var first = LoopCounters()
        let a = first.slot(for: self.primary)
        let b = first.slot(for: self.replica)
        first.recordQuery(a, kind: .write, nanoseconds: 10)
        first.recordQuery(b, kind: .read, nanoseconds: 20)
        first.recordPrimaryRead(.noReplica)

        var second = LoopCounters()
        let c = second.slot(for: self.shard)
        let d = second.slot(for: self.primary)
        second.recordQuery(c, kind: .read, nanoseconds: 30)
        second.recordQuery(d, kind: .read, nanoseconds: 40)
        second.recordError(d)
        second.recordRoutingError()
        second.recordPrimaryRead(.noReplica)

        var merged = first
        merged.merge(second)
        var reversed = second
        reversed.merge(first)
        #expect(merged == reversed)
        #expect(LoopCounters.merged([first, second]) == merged)

        #expect(merged.counters(for: self.primary).queries == 2)
        #expect(merged.counters(for: self.primary).reads == 1)
        #expect(merged.counters(for: self.primary).writes == 1)
        #expect(merged.counters(for: self.primary).errors == 1)
        #expect(merged.counters(for: self.primary).duration.sumNanoseconds == 50)
        #expect(merged.counters(for: self.replica).reads == 1)
        #expect(merged.counters(for: self.shard).reads == 1)
        #expect(merged.routingErrors == 1)
        #expect(merged.primaryReadsByReason == ["no_replica": 2])
        #expect(merged.queryDuration(cluster: "main").count == 3)
        #expect(merged.queryDuration(cluster: "shard0").count == 1)
        #expect(merged.queryDuration(cluster: "none").count == 0)
        // The inputs are untouched values.
        #expect(first.counters(for: self.primary).queries == 1)
    }

    @Test func equalityIgnoresSlotOrderButNotCounts() {
        var first = LoopCounters()
        _ = first.slot(for: self.primary)
        _ = first.slot(for: self.replica)
        var second = LoopCounters()
        _ = second.slot(for: self.replica)
        let slot = second.slot(for: self.primary)
        #expect(first == second)
        second.recordError(slot)
        #expect(first != second)
    }

    @Test func serverStatsTakeTheirTrafficFromCounters() {
        var loop = LoopCounters()
        let slot = loop.slot(for: self.replica)
        loop.recordQuery(slot, kind: .read, nanoseconds: 5)
        let stats = ServerStats(
            host: "10.0.0.2",
            port: 5432,
            role: .replica,
            state: .up,
            lagBytes: 0,
            connections: ConnectionCounts(active: 1, idle: 0),
            counters: loop.counters(for: self.replica)
        )
        #expect(stats.queries == 1 && stats.reads == 1 && stats.writes == 0 && stats.errors == 0)
    }

    @Test(arguments: [
        ("10.0.0.1", 5432, "10.0.0.1:5432"), ("::1", 6432, "[::1]:6432"), ("db.example", 5, "db.example:5"),
    ])
    func serverAddressBracketsIPv6(host: String, port: Int, address: String) {
        #expect(ServerKey(cluster: "c", host: host, port: port).address == address)
    }
}
