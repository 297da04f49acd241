// RuntimeConfig: the immutable settings snapshot the event loops run on, built from Config.
import SwitchyardHealth
import SwitchyardIO
import SwitchyardRouting
import SwitchyardSession

/// How long a client keeps its server connections.
package enum PoolingMode: Sendable, Equatable {
    /// A server connection per transaction (or per pinned session).
    case transaction
    /// A server connection until the client disconnects.
    case session
}

/// Everything the data plane needs, resolved and typed; replaced as a whole on reload.
package struct RuntimeConfig: Sendable {
    package var listen: SocketAddress
    package var workers: Int
    package var poolMode: PoolingMode
    package var maxClientConnections: Int
    package var clientLoginTimeoutMs: Int
    package var queryWaitTimeoutMs: Int
    package var idleTransactionTimeoutMs: Int
    package var shutdownTimeoutMs: Int
    package var maxMessageBytes: Int
    package var serverConnectTimeoutMs: Int
    package var serverIdleTimeoutMs: Int
    package var maxPreparedStatements: Int
    package var users: [String: UserEntry]
    package var clusters: [String: ClusterEntry]
    /// Cluster names in the order the file declares them, for stable stats.
    package var clusterOrder: [String] = []
    package var databases: [String: DatabaseEntry]
    /// Routing rules, compiled.
    package var router: Router
    /// Health-check timing, thresholds and promotion.
    package var health: HealthPolicy
    /// Health-check login for clusters without their own `user`.
    package var healthUser: String?
    package var healthPassword: String?
    /// TLS towards clients (`client_tls`, `tls_cert_file`, `tls_key_file`).
    package var clientTLS: ClientTLSSettings
    /// TLS towards servers (`server_tls`, `server_tls_ca_file`).
    package var serverTLS: ServerTLSSettings

    package init(
        listen: SocketAddress,
        workers: Int,
        poolMode: PoolingMode,
        maxClientConnections: Int = 10_000,
        clientLoginTimeoutMs: Int = 5_000,
        queryWaitTimeoutMs: Int = 5_000,
        idleTransactionTimeoutMs: Int = 0,
        shutdownTimeoutMs: Int = 10_000,
        maxMessageBytes: Int = 64 << 20,
        serverConnectTimeoutMs: Int = 5_000,
        serverIdleTimeoutMs: Int = 600_000,
        maxPreparedStatements: Int = 1_000,
        users: [String: UserEntry],
        clusters: [String: ClusterEntry],
        databases: [String: DatabaseEntry],
        router: Router,
        health: HealthPolicy = HealthPolicy(
            intervalMs: 1000, timeoutMs: 1000, failureThreshold: 2, maxReplicaLagBytes: 16 << 20,
            promote: .external, promoteAfterMs: 10_000),
        healthUser: String? = nil,
        healthPassword: String? = nil,
        clientTLS: ClientTLSSettings = .disabled,
        serverTLS: ServerTLSSettings = .disabled
    ) {
        self.listen = listen
        self.workers = workers
        self.poolMode = poolMode
        self.maxClientConnections = maxClientConnections
        self.clientLoginTimeoutMs = clientLoginTimeoutMs
        self.queryWaitTimeoutMs = queryWaitTimeoutMs
        self.idleTransactionTimeoutMs = idleTransactionTimeoutMs
        self.shutdownTimeoutMs = shutdownTimeoutMs
        self.maxMessageBytes = maxMessageBytes
        self.serverConnectTimeoutMs = serverConnectTimeoutMs
        self.serverIdleTimeoutMs = serverIdleTimeoutMs
        self.maxPreparedStatements = maxPreparedStatements
        self.users = users
        self.clusters = clusters
        self.databases = databases
        self.router = router
        self.health = health
        self.healthUser = healthUser
        self.healthPassword = healthPassword
        self.clientTLS = clientTLS
        self.serverTLS = serverTLS
    }
}

/// A `[[users]]` entry: who may log in to the proxy, and with what secret.
package struct UserEntry: Sendable {
    package var name: String
    package var secret: StoredSecret
    /// The challenge for this user, derived once at load (a plaintext secret costs a PBKDF2 run).
    package var authMethod: ClientAuthMethod
    package var isAdmin: Bool

    package init(name: String, secret: StoredSecret, authMethod: ClientAuthMethod, isAdmin: Bool) {
        self.name = name
        self.secret = secret
        self.authMethod = authMethod
        self.isAdmin = isAdmin
    }
}

/// A server's role as configured or as health checks found it.
package enum ServerRole: Sendable, Equatable {
    case primary
    case replica
}

/// One server of a cluster.
package struct ServerEntry: Sendable, Equatable {
    package var host: String
    package var port: Int
    package var address: SocketAddress
    package var role: ServerRole
    package var weight: Int

    package init(host: String, port: Int, address: SocketAddress, role: ServerRole, weight: Int = 1) {
        self.host = host
        self.port = port
        self.address = address
        self.role = role
        self.weight = weight
    }

    /// `host:port`, as stats and logs name servers.
    package var name: String { "\(self.host):\(self.port)" }
}

/// A replication group: its servers, the database name on them, credentials and pool sizes.
package struct ClusterEntry: Sendable {
    package var name: String
    package var database: String
    /// Server login; `nil` means each client's own user name and password.
    package var user: String?
    package var password: String?
    package var poolSize: Int
    package var minPoolSize: Int
    package var servers: [ServerEntry]

    package init(
        name: String,
        database: String,
        user: String?,
        password: String?,
        poolSize: Int,
        minPoolSize: Int,
        servers: [ServerEntry]
    ) {
        self.name = name
        self.database = database
        self.user = user
        self.password = password
        self.poolSize = poolSize
        self.minPoolSize = minPoolSize
        self.servers = servers
    }

    /// The configured primary, if any.
    package var primary: ServerEntry? { self.servers.first { $0.role == .primary } }

    /// The server login for `user` (with `secret`, and a ClientKey recovered from its SCRAM
    /// login if any): the cluster's own credentials when it has them, else the client's.
    package func credentials(user: String, secret: StoredSecret, clientKey: [UInt8]?) -> ServerLoginCredentials {
        if let clusterUser = self.user {
            return ServerLoginCredentials(user: clusterUser, secret: self.password.map { .plaintext($0) })
        }
        return ServerLoginCredentials(user: user, secret: secret, recoveredClientKey: clientKey)
    }
}

/// How reads are spread over a cluster's replicas.
package enum LoadBalancing: Sendable, Equatable {
    case roundRobin
    case leastConnections
    case random
}

/// Whether the primary takes reads: never, only when no replica is usable, or in the rotation.
package enum PrimaryReadPolicy: Sendable, Equatable {
    case never
    case fallback
    case always
}

/// How a client's reads see its own writes.
package enum ReadAfterWritePolicy: Sendable, Equatable {
    case none
    /// Reads go to the primary for this long after the client's write.
    case window(milliseconds: Int)
    /// Reads go only to replicas that replayed the primary's WAL position at the client's commit.
    case lsn
}

/// A `[databases.X]` entry: the name clients use, its default cluster and its read policies.
package struct DatabaseEntry: Sendable {
    package var name: String
    package var cluster: String
    package var loadBalancing: LoadBalancing
    package var primaryReads: PrimaryReadPolicy
    package var readAfterWrite: ReadAfterWritePolicy
    package var allowsCrossClusterTransactions: Bool

    package init(
        name: String,
        cluster: String,
        loadBalancing: LoadBalancing = .roundRobin,
        primaryReads: PrimaryReadPolicy = .fallback,
        readAfterWrite: ReadAfterWritePolicy = .none,
        allowsCrossClusterTransactions: Bool = true
    ) {
        self.name = name
        self.cluster = cluster
        self.loadBalancing = loadBalancing
        self.primaryReads = primaryReads
        self.readAfterWrite = readAfterWrite
        self.allowsCrossClusterTransactions = allowsCrossClusterTransactions
    }
}
