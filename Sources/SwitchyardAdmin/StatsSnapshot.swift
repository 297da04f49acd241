// StatsSnapshot: everything the admin port and console report, gathered from every loop at one moment.

/// A point-in-time view of the daemon. `/stats`, `/metrics`, the dashboard and the console's SHOW
/// result sets are all rendered from it, so they cannot disagree. The daemon builds it from the
/// merged `LoopCounters` of its loops, the health state and the pools; nothing here reads live state.
package struct StatsSnapshot: Sendable, Equatable {
    /// The configuration file in force.
    package struct ConfigStatus: Sendable, Equatable {
        package var path: String
        /// When the running configuration was loaded, in seconds since the Unix epoch.
        package var loadedAt: Int
        /// Successful reloads since start.
        package var reloads: Int
        /// Reloads refused because the file was invalid (the running configuration was kept).
        package var reloadFailures: Int

        package init(path: String, loadedAt: Int, reloads: Int = 0, reloadFailures: Int = 0) {
            self.path = path
            self.loadedAt = loadedAt
            self.reloads = reloads
            self.reloadFailures = reloadFailures
        }
    }

    /// Connected clients by what they wait for.
    package struct ClientCounts: Sendable, Equatable {
        package var connected: Int
        /// Waiting for a server connection.
        package var waiting: Int
        /// Tied to one server connection for the rest of their session.
        package var pinned: Int

        package init(connected: Int = 0, waiting: Int = 0, pinned: Int = 0) {
            self.connected = connected
            self.waiting = waiting
            self.pinned = pinned
        }
    }

    /// Traffic over every cluster since start.
    package struct Totals: Sendable, Equatable {
        package var queries: Int
        package var reads: Int
        package var writes: Int
        /// Statements that failed on a server plus those that failed routing.
        package var errors: Int
        /// Statements refused before reaching a server (cross-cluster joins, keyless sharded writes).
        package var routingErrors: Int

        package init(queries: Int = 0, reads: Int = 0, writes: Int = 0, errors: Int = 0, routingErrors: Int = 0) {
            self.queries = queries
            self.reads = reads
            self.writes = writes
            self.errors = errors
            self.routingErrors = routingErrors
        }

        /// The totals of `clusters`' servers; `errors` includes the routing errors.
        package init(summing clusters: [ClusterStats], routingErrors: Int) {
            self.init(routingErrors: routingErrors)
            for server in clusters.lazy.flatMap(\.servers) {
                self.queries += server.queries
                self.reads += server.reads
                self.writes += server.writes
                self.errors += server.errors
            }
            self.errors += routingErrors
        }
    }

    package var version: String
    package var uptimeSeconds: Int
    package var config: ConfigStatus
    package var clients: ClientCounts
    /// Every connected client; gathered only when asked for (SHOW CLIENTS), else empty.
    /// `/stats` reports the counts only, so its size does not grow with the number of clients.
    package var clientList: [ClientInfo]
    package var clusters: [ClusterStats]
    package var pools: [PoolStats]
    package var totals: Totals
    /// Reads sent to a primary, by why (`PrimaryReadReason` raw values, or others the daemon adds).
    package var readsOnPrimaryByReason: [String: Int]

    package init(
        version: String,
        uptimeSeconds: Int,
        config: ConfigStatus,
        clients: ClientCounts = ClientCounts(),
        clientList: [ClientInfo] = [],
        clusters: [ClusterStats] = [],
        pools: [PoolStats] = [],
        totals: Totals = Totals(),
        readsOnPrimaryByReason: [String: Int] = [:]
    ) {
        self.version = version
        self.uptimeSeconds = uptimeSeconds
        self.config = config
        self.clients = clients
        self.clientList = clientList
        self.clusters = clusters
        self.pools = pools
        self.totals = totals
        self.readsOnPrimaryByReason = readsOnPrimaryByReason
    }

    /// Durations of every statement, all clusters together.
    package var queryDuration: DurationHistogram { .merged(self.clusters.map(\.queryDuration)) }

    /// `readsOnPrimaryByReason` in a stable order (by reason), for rendering.
    package var sortedReadsOnPrimary: [(reason: String, count: Int)] {
        self.readsOnPrimaryByReason.sorted { $0.key < $1.key }.map { (reason: $0.key, count: $0.value) }
    }
}
