// MultiClusterConfiguration: the TOML file of a proxy in front of several clusters (routes to
// other clusters, shard groups), for cross-cluster and sharding tests.

/// What a `MultiClusterProxy` runs: any number of clusters, each with its own servers, database
/// name and credentials, and one client database `app` whose tables are spread over them by
/// `[[databases.app.routes]]` and `[[databases.app.shards]]`.
///
/// The `TestUser`s are the client logins; health checks (and so prepared-transaction recovery)
/// log in as the servers' superuser.
package struct MultiClusterConfiguration: Sendable {
    /// One `[[clusters.X.servers]]` entry.
    package struct Server: Sendable, Equatable {
        package var host: String
        package var port: Int
        /// `"primary"` or `"replica"`.
        package var role: String

        package init(host: String = "127.0.0.1", port: Int, role: String) {
            self.host = host
            self.port = port
            self.role = role
        }

        /// `server` as the cluster's primary.
        package static func primary(_ server: LocalPostgres) -> Server {
            Server(host: server.host, port: server.port, role: "primary")
        }

        /// `server` as one of the cluster's replicas.
        package static func replica(_ server: LocalPostgres) -> Server {
            Server(host: server.host, port: server.port, role: "replica")
        }
    }

    /// One `[clusters.X]`.
    package struct Cluster: Sendable {
        package var name: String
        /// The database on its servers.
        package var database: String
        /// The server login; `nil` for each client's own user and password.
        package var user: String?
        package var password: String
        package var poolSize: Int
        package var servers: [Server]

        package init(
            name: String, database: String, user: String? = nil, password: String = "", poolSize: Int = 10,
            servers: [Server]
        ) {
            self.name = name
            self.database = database
            self.user = user
            self.password = password
            self.poolSize = poolSize
            self.servers = servers
        }
    }

    /// One `[[databases.app.routes]]`.
    package typealias Route = ProxyConfiguration.Route

    /// One `[[databases.app.shards]]`.
    package struct ShardGroup: Sendable {
        package var tables: [String]
        package var key: String
        /// `"bigint"` or `"text"`.
        package var keyType: String
        /// `"pg_hash"` or `"modulo"`.
        package var function: String
        package var clusters: [String]

        package init(tables: [String], key: String, keyType: String = "bigint", function: String = "pg_hash", clusters: [String]) {
            self.tables = tables
            self.key = key
            self.keyType = keyType
            self.function = function
            self.clusters = clusters
        }
    }

    package var clusters: [Cluster]
    /// The default cluster of database `app`.
    package var defaultCluster: String
    package var routes: [Route]
    package var shards: [ShardGroup]
    /// `"transaction"` or `"session"`.
    package var poolMode: String
    /// More `[proxy]` keys, values as TOML text (`"5000"`, `"\"debug\""`).
    package var proxySettings: [String: String]
    /// More `[health]` keys, values as TOML text.
    package var healthSettings: [String: String]
    /// More `[databases.app]` keys, values as TOML text (`"\"error\""`).
    package var databaseSettings: [String: String]

    package init(
        clusters: [Cluster],
        defaultCluster: String = "main",
        routes: [Route] = [],
        shards: [ShardGroup] = [],
        poolMode: String = "transaction",
        proxySettings: [String: String] = [:],
        healthSettings: [String: String] = ["interval_ms": "500"],
        databaseSettings: [String: String] = [:]
    ) {
        self.clusters = clusters
        self.defaultCluster = defaultCluster
        self.routes = routes
        self.shards = shards
        self.poolMode = poolMode
        self.proxySettings = proxySettings
        self.healthSettings = healthSettings
        self.databaseSettings = databaseSettings
    }

    /// The configuration file for a proxy with clients on `port` and its admin HTTP server on
    /// `adminPort`.
    package func toml(port: Int, adminPort: Int) -> String {
        let quoted = ClusterProxyConfiguration.quoted
        var proxy: [String: String] = [
            "listen": quoted("127.0.0.1:\(port)"),
            "admin_listen": quoted("127.0.0.1:\(adminPort)"),
            "pool_mode": quoted(poolMode),
            "log_level": quoted("info"),
        ]
        proxy.merge(proxySettings) { $1 }
        var health: [String: String] = [
            "user": quoted(LocalPostgres.superuser),
            "password": quoted(LocalPostgres.superuserPassword),
        ]
        health.merge(healthSettings) { $1 }
        var lines = ["[proxy]"] + Self.keyLines(proxy) + ["", "[health]"] + Self.keyLines(health)
        for user in ProxyConfiguration.plaintextTestUsers {
            lines += ["", "[[users]]", "name = \(quoted(user.name))", "password = \(quoted(user.password))"]
        }
        for cluster in clusters {
            lines += [
                "", "[clusters.\(cluster.name)]",
                "database = \(quoted(cluster.database))",
                "user = \(quoted(cluster.user ?? ""))",
                "password = \(quoted(cluster.user == nil ? "" : cluster.password))",
                "pool_size = \(cluster.poolSize)",
            ]
            for server in cluster.servers {
                lines += [
                    "", "[[clusters.\(cluster.name).servers]]",
                    "host = \(quoted(server.host))",
                    "port = \(server.port)",
                    "role = \(quoted(server.role))",
                ]
            }
        }
        lines += ["", "[databases.\(TestUser.database)]", "cluster = \(quoted(defaultCluster))"]
        lines += Self.keyLines(databaseSettings)
        for group in shards {
            lines += [
                "", "[[databases.\(TestUser.database).shards]]",
                "tables = \(Self.array(group.tables))",
                "key = \(quoted(group.key))",
                "key_type = \(quoted(group.keyType))",
                "function = \(quoted(group.function))",
                "clusters = \(Self.array(group.clusters))",
            ]
        }
        for route in routes {
            lines += [
                "", "[[databases.\(TestUser.database).routes]]",
                "tables = \(Self.array(route.tables))",
                "cluster = \(quoted(route.cluster))",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func keyLines(_ table: [String: String]) -> [String] {
        table.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }
    }

    private static func array(_ values: [String]) -> String {
        "[" + values.map(ClusterProxyConfiguration.quoted).joined(separator: ", ") + "]"
    }
}
