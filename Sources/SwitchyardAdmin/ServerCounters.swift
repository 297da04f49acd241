// ServerCounters: traffic counted for one server of one cluster, the unit that loops add up.

/// Identifies a server within a cluster: the key under which loops count its traffic.
package struct ServerKey: Hashable, Sendable, Comparable {
    package var cluster: String
    package var host: String
    package var port: Int

    package init(cluster: String, host: String, port: Int) {
        self.cluster = cluster
        self.host = host
        self.port = port
    }

    /// `host:port`, with an IPv6 host in brackets so that the port stays unambiguous.
    package var address: String { Self.address(host: self.host, port: self.port) }

    package static func address(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    package static func < (lhs: ServerKey, rhs: ServerKey) -> Bool {
        (lhs.cluster, lhs.host, lhs.port) < (rhs.cluster, rhs.host, rhs.port)
    }
}

/// What a statement did, as classified for routing.
package enum QueryKind: String, Sendable, Equatable, CaseIterable {
    case read
    case write
    /// Transaction control, SET and the like.
    case other
}

/// Counters for one server. Plain integers: each loop owns its copy, so no atomics are needed.
package struct ServerCounters: Sendable, Equatable {
    /// Every statement run, whatever its kind.
    package var queries: Int
    package var reads: Int
    package var writes: Int
    /// Statements the server answered with an error, and connections it lost mid-statement.
    package var errors: Int
    package var duration: DurationHistogram

    package init(
        queries: Int = 0,
        reads: Int = 0,
        writes: Int = 0,
        errors: Int = 0,
        duration: DurationHistogram = DurationHistogram()
    ) {
        self.queries = queries
        self.reads = reads
        self.writes = writes
        self.errors = errors
        self.duration = duration
    }

    /// Counts one finished statement of `kind` that took `nanoseconds`.
    @inline(__always)
    package mutating func record(_ kind: QueryKind, nanoseconds: UInt64) {
        self.queries += 1
        switch kind {
        case .read: self.reads += 1
        case .write: self.writes += 1
        case .other: break
        }
        self.duration.observe(nanoseconds: nanoseconds)
    }

    /// Adds another loop's counters for the same server.
    package mutating func merge(_ other: ServerCounters) {
        self.queries += other.queries
        self.reads += other.reads
        self.writes += other.writes
        self.errors += other.errors
        self.duration.merge(other.duration)
    }
}
