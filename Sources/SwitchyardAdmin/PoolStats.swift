// PoolStats: use of one pool (server connections for one server, user and database).

/// One pool, summed over every loop's share of it.
package struct PoolStats: Sendable, Equatable {
    package var cluster: String
    /// The server as `host:port`.
    package var server: String
    package var user: String
    /// The database name on the server.
    package var database: String
    /// Connections leased to clients.
    package var active: Int
    /// Open connections waiting in the pool.
    package var idle: Int
    /// Clients waiting for a connection from this pool.
    package var waiting: Int
    /// The configured `pool_size`.
    package var maxSize: Int

    package init(
        cluster: String,
        server: String,
        user: String,
        database: String,
        active: Int,
        idle: Int,
        waiting: Int,
        maxSize: Int
    ) {
        self.cluster = cluster
        self.server = server
        self.user = user
        self.database = database
        self.active = active
        self.idle = idle
        self.waiting = waiting
        self.maxSize = maxSize
    }
}
