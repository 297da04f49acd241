// ClientInfo: one connected client as SHOW CLIENTS lists it.

/// What a client is doing.
package enum ClientState: String, Sendable, Equatable, CaseIterable {
    /// Between transactions, holding no server connection (transaction pooling).
    case idle
    /// A statement is running.
    case active
    /// Waiting for a server connection.
    case waiting
    /// Inside a transaction block, between statements.
    case inTransaction = "in_transaction"
}

/// One connected client.
package struct ClientInfo: Sendable, Equatable {
    /// The daemon's client number, as in log lines (`client.id`).
    package var id: Int
    package var user: String
    package var database: String
    package var applicationName: String
    /// The peer as `host:port`.
    package var peer: String
    package var state: ClientState
    /// Tied to one server connection until it disconnects (LISTEN, temporary tables, ...).
    package var isPinned: Bool
    /// When the client connected, in seconds since the Unix epoch.
    package var connectedAt: Int
    /// The cluster of the server connection the client holds, if any.
    package var cluster: String?
    /// That server as `host:port`, if any.
    package var server: String?

    package init(
        id: Int,
        user: String,
        database: String,
        applicationName: String = "",
        peer: String,
        state: ClientState,
        isPinned: Bool = false,
        connectedAt: Int,
        cluster: String? = nil,
        server: String? = nil
    ) {
        self.id = id
        self.user = user
        self.database = database
        self.applicationName = applicationName
        self.peer = peer
        self.state = state
        self.isPinned = isPinned
        self.connectedAt = connectedAt
        self.cluster = cluster
        self.server = server
    }
}
