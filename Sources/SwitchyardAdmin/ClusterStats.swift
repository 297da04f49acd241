// ClusterStats: one cluster and its servers as the admin surfaces report them.

/// What a server is believed to be, as health checks last saw it.
package enum ServerRole: String, Sendable, Equatable, CaseIterable {
    case primary
    case replica
}

/// Whether a server takes traffic.
package enum ServerState: String, Sendable, Equatable, CaseIterable {
    /// Healthy: takes traffic for its role.
    case up
    /// Failed its health checks: no new traffic until a good check.
    case down
    /// A former primary seen writable after another was promoted: never sent traffic.
    case fenced
}

/// Server connections by use.
package struct ConnectionCounts: Sendable, Equatable {
    /// Leased to a client.
    package var active: Int
    /// Open and waiting in a pool.
    package var idle: Int

    package init(active: Int = 0, idle: Int = 0) {
        self.active = active
        self.idle = idle
    }
}

/// One server of a cluster.
package struct ServerStats: Sendable, Equatable {
    package var host: String
    package var port: Int
    package var role: ServerRole
    package var state: ServerState
    /// Replay lag behind the cluster's primary; `nil` for a primary or when not measured yet.
    package var lagBytes: Int?
    package var connections: ConnectionCounts
    /// Statements run on this server: reads, writes and everything else.
    package var queries: Int
    package var reads: Int
    package var writes: Int
    package var errors: Int

    package init(
        host: String,
        port: Int,
        role: ServerRole,
        state: ServerState,
        lagBytes: Int? = nil,
        connections: ConnectionCounts = ConnectionCounts(),
        queries: Int = 0,
        reads: Int = 0,
        writes: Int = 0,
        errors: Int = 0
    ) {
        self.host = host
        self.port = port
        self.role = role
        self.state = state
        self.lagBytes = lagBytes
        self.connections = connections
        self.queries = queries
        self.reads = reads
        self.writes = writes
        self.errors = errors
    }

    /// Fills the traffic fields from a loop's (or the merged) counters.
    package init(
        host: String,
        port: Int,
        role: ServerRole,
        state: ServerState,
        lagBytes: Int?,
        connections: ConnectionCounts,
        counters: ServerCounters
    ) {
        self.init(
            host: host,
            port: port,
            role: role,
            state: state,
            lagBytes: lagBytes,
            connections: connections,
            queries: counters.queries,
            reads: counters.reads,
            writes: counters.writes,
            errors: counters.errors
        )
    }

    /// The server as `host:port` (an IPv6 host in brackets), the `server` label everywhere.
    package var address: String { ServerKey.address(host: self.host, port: self.port) }

    /// Statements that were neither reads nor writes (transaction control, SET, ...).
    package var otherQueries: Int { max(0, self.queries - self.reads - self.writes) }
}

/// A replication group: one primary and its replicas.
package struct ClusterStats: Sendable, Equatable {
    package var name: String
    /// The current primary as `host:port`, or `nil` when none is known.
    package var primary: String?
    /// New transactions wait while paused (console PAUSE, `POST /pause`).
    package var isPaused: Bool
    package var servers: [ServerStats]
    /// Durations of the statements this cluster's servers ran.
    package var queryDuration: DurationHistogram

    package init(
        name: String,
        primary: String?,
        isPaused: Bool = false,
        servers: [ServerStats],
        queryDuration: DurationHistogram = DurationHistogram()
    ) {
        self.name = name
        self.primary = primary
        self.isPaused = isPaused
        self.servers = servers
        self.queryDuration = queryDuration
    }
}
