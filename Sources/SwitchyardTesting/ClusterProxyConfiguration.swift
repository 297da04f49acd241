// ClusterProxyConfiguration: the TOML file of a proxy in front of a whole replication group (a
// primary and its replicas), with [health] keys, database keys and an admin user.

/// What a `ClusterProxy` runs: one cluster `main` listing every server of a `LocalCluster`, the
/// client database `app` in front of it, the `TestUser`s, and an admin user for the console.
///
/// Health checks log in as the servers' superuser (`[health] user/password`), since cluster `main`
/// uses each client's own credentials.
package struct ClusterProxyConfiguration: Sendable {
    /// One `[[clusters.main.servers]]` entry.
    package struct Server: Sendable, Equatable {
        package var host: String
        package var port: Int
        /// `"primary"` or `"replica"`: the starting belief.
        package var role: String

        package init(host: String, port: Int, role: String) {
            self.host = host
            self.port = port
            self.role = role
        }
    }

    /// The console login (`admin = true`).
    package static let adminUser = ProxyConfiguration.User(name: "switchyard_admin", password: "switchyard_admin")

    /// The servers in configured order: the cluster's primary first, then its replicas.
    package var servers: [Server]
    /// The database on the servers.
    package var serverDatabase: String
    /// `"transaction"` or `"session"`.
    package var poolMode: String
    package var poolSize: Int
    /// More `[proxy]` keys, values as TOML text (`"5000"`, `"\"debug\""`).
    package var proxySettings: [String: String]
    /// More `[health]` keys, values as TOML text (`"1000"`, `"\"auto\""`).
    package var healthSettings: [String: String]
    /// More `[databases.app]` keys, values as TOML text.
    package var databaseSettings: [String: String]
    /// The `[[users]]` besides the admin user: every `TestUser` unless told otherwise.
    package var users: [ProxyConfiguration.User] = ProxyConfiguration.plaintextTestUsers

    /// A proxy in front of every server of `cluster`, as it is now (primary first).
    package init(
        cluster: LocalCluster,
        serverDatabase: String = TestUser.database,
        poolMode: String = "transaction",
        poolSize: Int = 10,
        proxySettings: [String: String] = [:],
        healthSettings: [String: String] = ["interval_ms": "1000"],
        databaseSettings: [String: String] = [:]
    ) {
        self.init(
            servers: [Server(host: cluster.primary.host, port: cluster.primary.port, role: "primary")]
                + cluster.replicas.map { Server(host: $0.host, port: $0.port, role: "replica") },
            serverDatabase: serverDatabase, poolMode: poolMode, poolSize: poolSize, proxySettings: proxySettings,
            healthSettings: healthSettings, databaseSettings: databaseSettings)
    }

    /// A proxy in front of `servers` (a fake server, say), in configured order.
    package init(
        servers: [Server],
        serverDatabase: String = TestUser.database,
        poolMode: String = "transaction",
        poolSize: Int = 10,
        proxySettings: [String: String] = [:],
        healthSettings: [String: String] = ["interval_ms": "1000"],
        databaseSettings: [String: String] = [:]
    ) {
        self.servers = servers
        self.serverDatabase = serverDatabase
        self.poolMode = poolMode
        self.poolSize = poolSize
        self.proxySettings = proxySettings
        self.healthSettings = healthSettings
        self.databaseSettings = databaseSettings
    }

    /// The configuration file for a proxy with clients on `port` and its admin HTTP server on
    /// `adminPort`.
    package func toml(port: Int, adminPort: Int) -> String {
        var proxy: [String: String] = [
            "listen": Self.quoted("127.0.0.1:\(port)"),
            "admin_listen": Self.quoted("127.0.0.1:\(adminPort)"),
            "pool_mode": Self.quoted(poolMode),
            "log_level": Self.quoted("info"),
        ]
        proxy.merge(proxySettings) { $1 }
        var health: [String: String] = [
            "user": Self.quoted(LocalPostgres.superuser),
            "password": Self.quoted(LocalPostgres.superuserPassword),
        ]
        health.merge(healthSettings) { $1 }
        var lines = ["[proxy]"] + Self.keyLines(proxy) + ["", "[health]"] + Self.keyLines(health)
        for user in users {
            lines += ["", "[[users]]", "name = \(Self.quoted(user.name))", "password = \(Self.quoted(user.password))"]
        }
        lines += [
            "", "[[users]]", "name = \(Self.quoted(Self.adminUser.name))",
            "password = \(Self.quoted(Self.adminUser.password))", "admin = true",
            "", "[clusters.main]",
            "database = \(Self.quoted(serverDatabase))",
            "user = \"\"",
            "password = \"\"",
            "pool_size = \(poolSize)",
        ]
        for server in servers {
            lines += [
                "", "[[clusters.main.servers]]",
                "host = \(Self.quoted(server.host))",
                "port = \(server.port)",
                "role = \(Self.quoted(server.role))",
            ]
        }
        lines += ["", "[databases.\(TestUser.database)]", "cluster = \"main\""] + Self.keyLines(databaseSettings)
        return lines.joined(separator: "\n") + "\n"
    }

    private static func keyLines(_ table: [String: String]) -> [String] {
        table.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }
    }

    /// A TOML basic string.
    package static func quoted(_ text: String) -> String {
        var result = "\""
        for character in text {
            switch character {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            default: result.append(character)
            }
        }
        return result + "\""
    }
}
