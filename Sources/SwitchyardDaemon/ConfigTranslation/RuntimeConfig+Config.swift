// RuntimeConfig+Config: the one place a validated Config becomes the data plane's settings.
import SwitchyardConfig
import SwitchyardCrypto
import SwitchyardHealth
import SwitchyardIO
import SwitchyardRouting
import SwitchyardSession

/// A configured host name that does not resolve.
package struct ResolutionError: Error, CustomStringConvertible {
    package var host: String
    package var reason: String
    package var description: String { "cannot resolve server host \"\(self.host)\": \(self.reason)" }
}

extension RuntimeConfig {
    /// Translates `config`, resolving host names and loading TLS certificates (blocking: call off
    /// the loops) and deriving each user's SCRAM secret once. `previous` lends already-derived
    /// secrets for unchanged plaintext passwords, so a reload does not change them under
    /// connected clients.
    package init(_ config: Config, previous: RuntimeConfig? = nil) throws {
        guard let listen = SocketAddress(numericHost: config.proxy.listen.host, port: config.proxy.listen.port) else {
            throw ResolutionError(host: config.proxy.listen.host, reason: "not a numeric address")
        }
        var users: [String: UserEntry] = [:]
        for user in config.users {
            let secret = StoredSecret(user.password)
            let method: ClientAuthMethod
            if let old = previous?.users[user.name], old.secret == secret {
                method = old.authMethod
            } else {
                method = secret.clientAuthMethod(derivationSalt: randomBytes(count: ScramSecret.defaultSaltLength))
            }
            users[user.name] = UserEntry(name: user.name, secret: secret, authMethod: method, isAdmin: user.isAdmin)
        }
        var clusters: [String: ClusterEntry] = [:]
        for cluster in config.orderedClusters {
            var servers: [ServerEntry] = []
            for server in cluster.servers {
                let addresses: [SocketAddress]
                do {
                    addresses = try SocketAddress.resolve(host: server.host, port: server.port)
                } catch {
                    throw ResolutionError(host: server.host, reason: "\(error)")
                }
                guard let address = addresses.first else {
                    throw ResolutionError(host: server.host, reason: "no addresses")
                }
                servers.append(
                    ServerEntry(
                        host: server.host,
                        port: server.port,
                        address: address,
                        role: server.role == .primary ? .primary : .replica,
                        weight: server.weight
                    )
                )
            }
            clusters[cluster.name] = ClusterEntry(
                name: cluster.name,
                database: cluster.database,
                user: cluster.user,
                password: cluster.password,
                poolSize: cluster.poolSize,
                minPoolSize: cluster.minPoolSize,
                servers: servers
            )
        }
        var databases: [String: DatabaseEntry] = [:]
        for database in config.orderedDatabases {
            let loadBalancing: LoadBalancing
            switch database.loadBalance {
            case .roundRobin: loadBalancing = .roundRobin
            case .leastConnections: loadBalancing = .leastConnections
            case .random: loadBalancing = .random
            }
            let primaryReads: PrimaryReadPolicy
            switch database.primaryReads {
            case .never: primaryReads = .never
            case .fallback: primaryReads = .fallback
            case .always: primaryReads = .always
            }
            let readAfterWrite: ReadAfterWritePolicy
            switch database.readAfterWrite {
            case .none: readAfterWrite = .none
            case .window: readAfterWrite = .window(milliseconds: database.readAfterWriteWindowMs)
            case .lsn: readAfterWrite = .lsn
            }
            databases[database.name] = DatabaseEntry(
                name: database.name,
                cluster: database.cluster,
                loadBalancing: loadBalancing,
                primaryReads: primaryReads,
                readAfterWrite: readAfterWrite,
                allowsCrossClusterTransactions: database.crossClusterTransactions == .twoPhase
            )
        }
        let health = config.health
        let proxy = config.proxy
        self.init(
            listen: listen,
            workers: proxy.workers == 0 ? System.coreCount : proxy.workers,
            poolMode: proxy.poolMode == .session ? .session : .transaction,
            maxClientConnections: proxy.maxClientConnections,
            clientLoginTimeoutMs: proxy.clientLoginTimeoutMs,
            queryWaitTimeoutMs: proxy.queryWaitTimeoutMs,
            idleTransactionTimeoutMs: proxy.idleTransactionTimeoutMs,
            shutdownTimeoutMs: proxy.shutdownTimeoutMs,
            maxMessageBytes: proxy.maxMessageBytes,
            serverConnectTimeoutMs: proxy.serverConnectTimeoutMs,
            serverIdleTimeoutMs: proxy.serverIdleTimeoutMs,
            maxPreparedStatements: proxy.maxPreparedStatements,
            users: users,
            clusters: clusters,
            databases: databases,
            router: Router(table: try RoutingTable(config)),
            health: HealthPolicy(
                intervalMs: health.intervalMs,
                timeoutMs: health.timeoutMs,
                failureThreshold: health.failureThreshold,
                maxReplicaLagBytes: UInt64(max(0, health.maxReplicaLagBytes)),
                promote: health.promote == .auto ? .auto : .external,
                promoteAfterMs: health.promoteAfterMs
            ),
            healthUser: health.user,
            healthPassword: health.password,
            clientTLS: try ClientTLSSettings(proxy, configPath: config.path),
            serverTLS: try ServerTLSSettings(proxy, configPath: config.path)
        )
        self.clusterOrder = config.clusterOrder
    }
}

extension StoredSecret {
    /// The auth module's form of a validated configured password.
    init(_ password: PasswordSecret) {
        switch password {
        case .plaintext(let text):
            self = .plaintext(text)
        case .md5(let hex):
            self = .md5("md5" + hex)
        case .scramSHA256(let iterations, let salt, let storedKey, let serverKey):
            self = .scramSHA256(ScramSecret(iterations: iterations, salt: salt, storedKey: storedKey, serverKey: serverKey))
        }
    }
}
