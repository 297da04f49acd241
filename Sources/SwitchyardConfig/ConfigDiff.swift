// ConfigDiff: what changed between the running configuration and a reloaded one.

/// The differences between two configurations, for applying a reload.
///
/// Pure: reload is parse, validate, diff, apply; the daemon decides what each change means
/// (drain removed servers, resize pools, log that `listen` needs a restart). Names are listed in
/// the new file's order, removed ones in the old file's order.
package struct ConfigDiff: Equatable, Sendable {
    package var clustersAdded: [String] = []
    package var clustersRemoved: [String] = []
    /// Clusters present in both whose settings or servers differ.
    package var clustersChanged: [ClusterChange] = []
    package var usersAdded: [String] = []
    package var usersRemoved: [String] = []
    /// Users present in both whose password or `admin` flag differ.
    package var usersChanged: [String] = []
    package var databasesAdded: [String] = []
    package var databasesRemoved: [String] = []
    package var databasesChanged: [DatabaseChange] = []
    /// `[proxy]` keys whose value differs, as spelled in the file (`pool_mode`).
    package var proxyKeysChanged: [String] = []
    /// `[health]` keys whose value differs.
    package var healthKeysChanged: [String] = []

    /// `[proxy]` keys that take effect only after a restart: the listening sockets and the
    /// number of event loops are set up once, at start.
    package static let restartOnlyKeys: Set<String> = ["listen", "admin_listen", "workers"]

    /// One cluster present in both configurations.
    package struct ClusterChange: Equatable, Sendable {
        package var name: String
        /// Servers whose `host:port` is new to the cluster.
        package var serversAdded: [ServerConfig] = []
        /// Servers whose `host:port` left the cluster: drain and close them.
        package var serversRemoved: [ServerConfig] = []
        /// Servers kept, with a new `role` or `weight` (their new values).
        package var serversChanged: [ServerConfig] = []
        package var poolSize: SizeChange?
        package var minPoolSize: SizeChange?
        /// `database`, `user` or `password` changed: existing server connections log in with
        /// the old ones and must be replaced.
        package var connectionSettingsChanged = false

        init(name: String) {
            self.name = name
        }

        var isEmpty: Bool {
            self.serversAdded.isEmpty && self.serversRemoved.isEmpty && self.serversChanged.isEmpty
                && self.poolSize == nil && self.minPoolSize == nil && !self.connectionSettingsChanged
        }
    }

    /// A size before and after the reload.
    package struct SizeChange: Equatable, Sendable {
        package var old: Int
        package var new: Int
    }

    /// One database present in both configurations.
    package struct DatabaseChange: Equatable, Sendable {
        package var name: String
        /// `[[databases.NAME.routes]]` differ (tables, clusters or order).
        package var routesChanged: Bool
        /// `[[databases.NAME.shards]]` differ.
        package var shardsChanged: Bool
        /// Any other key of `[databases.NAME]` differs (`cluster`, `load_balance`, ...).
        package var settingsChanged: Bool
    }

    /// "Changing `listen` needs a restart (logged)."
    package var listenChanged: Bool { self.proxyKeysChanged.contains("listen") }

    /// Changed keys that the running daemon cannot apply; a restart is needed for them.
    package var restartRequiredKeys: [String] {
        self.proxyKeysChanged.filter(Self.restartOnlyKeys.contains)
    }

    /// True when the two configurations are the same (apart from the file's path).
    package var isEmpty: Bool {
        self == ConfigDiff()
    }

    init() {}

    package init(old: Config, new: Config) {
        self.diffClusters(old: old, new: new)
        self.diffUsers(old: old.users, new: new.users)
        self.diffDatabases(old: old, new: new)
        self.proxyKeysChanged = Self.changedKeys(old: old.proxy, new: new.proxy, fields: Self.proxyFields)
        self.healthKeysChanged = Self.changedKeys(old: old.health, new: new.health, fields: Self.healthFields)
    }

    // MARK: - Clusters, users, databases

    private mutating func diffClusters(old: Config, new: Config) {
        self.clustersAdded = new.clusterOrder.filter { old.clusters[$0] == nil }
        self.clustersRemoved = old.clusterOrder.filter { new.clusters[$0] == nil }
        for name in new.clusterOrder {
            guard let before = old.clusters[name], let after = new.clusters[name] else { continue }
            let change = Self.clusterChange(old: before, new: after)
            if !change.isEmpty { self.clustersChanged.append(change) }
        }
    }

    private static func clusterChange(old: ClusterConfig, new: ClusterConfig) -> ClusterChange {
        var change = ClusterChange(name: new.name)
        let oldByAddress = Dictionary(old.servers.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
        let newAddresses = Set(new.servers.map(\.address))
        for server in new.servers {
            if let previous = oldByAddress[server.address] {
                if previous != server { change.serversChanged.append(server) }
            } else {
                change.serversAdded.append(server)
            }
        }
        change.serversRemoved = old.servers.filter { !newAddresses.contains($0.address) }
        if old.poolSize != new.poolSize {
            change.poolSize = SizeChange(old: old.poolSize, new: new.poolSize)
        }
        if old.minPoolSize != new.minPoolSize {
            change.minPoolSize = SizeChange(old: old.minPoolSize, new: new.minPoolSize)
        }
        change.connectionSettingsChanged =
            old.database != new.database || old.user != new.user || old.password != new.password
        return change
    }

    private mutating func diffUsers(old: [UserConfig], new: [UserConfig]) {
        let oldByName = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newNames = Set(new.map(\.name))
        for user in new {
            if let previous = oldByName[user.name] {
                if previous != user { self.usersChanged.append(user.name) }
            } else {
                self.usersAdded.append(user.name)
            }
        }
        self.usersRemoved = old.map(\.name).filter { !newNames.contains($0) }
    }

    private mutating func diffDatabases(old: Config, new: Config) {
        self.databasesAdded = new.databaseOrder.filter { old.databases[$0] == nil }
        self.databasesRemoved = old.databaseOrder.filter { new.databases[$0] == nil }
        for name in new.databaseOrder {
            guard let before = old.databases[name], let after = new.databases[name], before != after else {
                continue
            }
            var beforeSettings = before
            beforeSettings.routes = after.routes
            beforeSettings.shards = after.shards
            self.databasesChanged.append(DatabaseChange(
                name: name,
                routesChanged: before.routes != after.routes,
                shardsChanged: before.shards != after.shards,
                settingsChanged: beforeSettings != after
            ))
        }
    }

    // MARK: - Settings tables, key by key

    /// A settings field and the key it is read from.
    private struct Field<Settings> {
        var key: String
        var isEqual: (Settings, Settings) -> Bool

        init<Value: Equatable>(_ key: String, _ value: @escaping (Settings) -> Value) {
            self.key = key
            self.isEqual = { value($0) == value($1) }
        }
    }

    private static func changedKeys<Settings>(old: Settings, new: Settings, fields: [Field<Settings>]) -> [String] {
        fields.filter { !$0.isEqual(old, new) }.map(\.key)
    }

    private static var proxyFields: [Field<ProxySettings>] {
        [
            Field("listen", \.listen),
            Field("admin_listen", \.adminListen),
            Field("admin_token", \.adminToken),
            Field("workers", \.workers),
            Field("pool_mode", \.poolMode),
            Field("max_client_connections", \.maxClientConnections),
            Field("client_login_timeout_ms", \.clientLoginTimeoutMs),
            Field("query_wait_timeout_ms", \.queryWaitTimeoutMs),
            Field("idle_transaction_timeout_ms", \.idleTransactionTimeoutMs),
            Field("shutdown_timeout_ms", \.shutdownTimeoutMs),
            Field("max_message_bytes", \.maxMessageBytes),
            Field("tls_cert_file", { $0.tlsCertificate?.certFile }),
            Field("tls_key_file", { $0.tlsCertificate?.keyFile }),
            Field("client_tls", \.clientTLS),
            Field("server_tls", \.serverTLS),
            Field("server_tls_ca_file", \.serverTLSCAFile),
            Field("server_connect_timeout_ms", \.serverConnectTimeoutMs),
            Field("server_idle_timeout_ms", \.serverIdleTimeoutMs),
            Field("max_prepared_statements", \.maxPreparedStatements),
            Field("log_level", \.logLevel),
        ]
    }

    private static var healthFields: [Field<HealthSettings>] {
        [
            Field("interval_ms", \.intervalMs),
            Field("timeout_ms", \.timeoutMs),
            Field("failure_threshold", \.failureThreshold),
            Field("max_replica_lag_bytes", \.maxReplicaLagBytes),
            Field("promote", \.promote),
            Field("promote_after_ms", \.promoteAfterMs),
            Field("user", \.user),
            Field("password", \.password),
        ]
    }
}
