// ClusterConfig: one [clusters.NAME] table, a replication group of servers and its pool sizes.

/// One `[clusters.NAME]` table: "a replication group: one primary, any number of replicas".
package struct ClusterConfig: Equatable, Sendable {
    /// The `NAME` of `[clusters.NAME]`, used by routes, shards, hints and stats.
    package var name: String
    /// `database`: "database name on the servers (default: the cluster name)".
    package var database: String
    /// `user`: "server credentials; "" = the client's own user and password"; nil when "".
    package var user: String?
    /// `password`: the password of `user` (unused when `user` is nil).
    package var password: String
    /// `pool_size`: "server connections per server per user".
    package var poolSize: Int
    /// `min_pool_size`: idle server connections kept open per server per user.
    package var minPoolSize: Int
    /// `[[clusters.NAME.servers]]`, in file order.
    package var servers: [ServerConfig]
}

/// One `[[clusters.NAME.servers]]` entry.
package struct ServerConfig: Hashable, Sendable {
    /// `host`: a host name or IP address.
    package var host: String
    /// `port`: 1...65535; default 5432.
    package var port: Int
    /// `role`: the "starting belief; health checks decide"; default "replica".
    package var role: ServerRole
    /// `weight`: share of reads relative to the cluster's other replicas; 0 takes none while
    /// another replica is usable. Default 1.
    package var weight: Int

    /// `host:port` (IPv6 literals in brackets), the server's identity in diffs, logs and stats.
    package var address: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }
}

/// `role`: "primary" | "replica".
package enum ServerRole: String, ConfigChoice, Sendable {
    /// Believed to accept writes until health checks say otherwise.
    case primary
    /// Believed to be a streaming replica until health checks say otherwise.
    case replica
}
