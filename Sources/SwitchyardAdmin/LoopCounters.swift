// LoopCounters: one loop's traffic counters, recorded without locks and merged on request.

/// Why a read ran on a primary rather than a replica.
package enum PrimaryReadReason: String, Sendable, Equatable, CaseIterable {
    /// The client wrote recently (`read_after_write`).
    case readAfterWrite = "read_after_write"
    /// No replica was up and within the lag limit (`primary_reads = "fallback"`).
    case noReplica = "no_replica"
    /// The primary is in the read rotation (`primary_reads = "always"`).
    case primaryReadsAlways = "primary_reads_always"
    /// A `primary` hint or `SET switchyard.target = 'primary'`.
    case hint
    /// The read was part of a transaction running on the primary.
    case transaction
    /// The database has `read_write_split = false`.
    case splitDisabled = "split_disabled"
}

/// A server's position in one loop's counters, looked up once (when a server connection is made)
/// so that counting a statement is an array index, not a dictionary lookup.
package struct ServerSlot: Hashable, Sendable {
    package let index: Int
}

/// Counters of one event loop. The loop owns its copy and updates it with plain integer
/// arithmetic; the admin side asks each loop for a copy and merges them (`merge(_:)`), as the
/// design requires: the data plane never shares a counter with anyone.
///
/// Equality compares counters by server key, whatever order the loop met its servers in.
package struct LoopCounters: Sendable, Equatable {
    /// The servers in slot order.
    package private(set) var serverKeys: [ServerKey] = []
    private var servers: [ServerCounters] = []
    private var slots: [ServerKey: Int] = [:]
    private var primaryReads: [Int] = Array(repeating: 0, count: PrimaryReadReason.allCases.count)
    /// Statements refused before reaching a server.
    package private(set) var routingErrors = 0

    package init() {}

    // MARK: - Recording (on the loop)

    /// The slot for `key`, created on first use. Keep it with the server connection.
    package mutating func slot(for key: ServerKey) -> ServerSlot {
        if let index = self.slots[key] { return ServerSlot(index: index) }
        let index = self.servers.count
        self.serverKeys.append(key)
        self.servers.append(ServerCounters())
        self.slots[key] = index
        return ServerSlot(index: index)
    }

    /// Counts one finished statement.
    @inline(__always)
    package mutating func recordQuery(_ slot: ServerSlot, kind: QueryKind, nanoseconds: UInt64) {
        self.servers[slot.index].record(kind, nanoseconds: nanoseconds)
    }

    /// Counts one finished statement whose duration is given in seconds.
    package mutating func recordQuery(_ slot: ServerSlot, kind: QueryKind, seconds: Double) {
        self.recordQuery(slot, kind: kind, nanoseconds: DurationHistogram.nanoseconds(fromSeconds: seconds))
    }

    /// Counts a statement that failed on the server (or lost its server connection).
    @inline(__always)
    package mutating func recordError(_ slot: ServerSlot) {
        self.servers[slot.index].errors += 1
    }

    /// Counts a statement refused by routing.
    @inline(__always)
    package mutating func recordRoutingError() {
        self.routingErrors += 1
    }

    /// Counts a read that ran on a primary.
    @inline(__always)
    package mutating func recordPrimaryRead(_ reason: PrimaryReadReason) {
        self.primaryReads[Self.reasonIndex(reason)] += 1
    }

    // MARK: - Merging and reading (on the admin side)

    /// Adds another loop's counters to these.
    package mutating func merge(_ other: LoopCounters) {
        for (index, key) in other.serverKeys.enumerated() {
            let slot = self.slot(for: key)
            self.servers[slot.index].merge(other.servers[index])
        }
        for index in self.primaryReads.indices { self.primaryReads[index] += other.primaryReads[index] }
        self.routingErrors += other.routingErrors
    }

    /// The merge of several loops' counters.
    package static func merged<S: Sequence>(_ loops: S) -> LoopCounters where S.Element == LoopCounters {
        var result = LoopCounters()
        for loop in loops { result.merge(loop) }
        return result
    }

    /// The counters of one server; zero when it has seen no traffic.
    package func counters(for key: ServerKey) -> ServerCounters {
        guard let index = self.slots[key] else { return ServerCounters() }
        return self.servers[index]
    }

    /// Durations of every statement run on `cluster`'s servers.
    package func queryDuration(cluster: String) -> DurationHistogram {
        var result = DurationHistogram()
        for (index, key) in self.serverKeys.enumerated() where key.cluster == cluster {
            result.merge(self.servers[index].duration)
        }
        return result
    }

    /// Reads on a primary, by reason; reasons never seen are left out.
    package var primaryReadsByReason: [String: Int] {
        var result: [String: Int] = [:]
        for reason in PrimaryReadReason.allCases {
            let count = self.primaryReads[Self.reasonIndex(reason)]
            if count > 0 { result[reason.rawValue] = count }
        }
        return result
    }

    package static func == (lhs: LoopCounters, rhs: LoopCounters) -> Bool {
        guard lhs.routingErrors == rhs.routingErrors, lhs.primaryReads == rhs.primaryReads,
            Set(lhs.serverKeys) == Set(rhs.serverKeys)
        else { return false }
        return lhs.serverKeys.allSatisfy { lhs.counters(for: $0) == rhs.counters(for: $0) }
    }

    @inline(__always)
    private static func reasonIndex(_ reason: PrimaryReadReason) -> Int {
        switch reason {
        case .readAfterWrite: return 0
        case .noReplica: return 1
        case .primaryReadsAlways: return 2
        case .hint: return 3
        case .transaction: return 4
        case .splitDisabled: return 5
        }
    }
}
