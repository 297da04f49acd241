// ProxyConfiguration: the settings of a proxy under test, written out as the daemon's TOML file.

/// What a `ProxyFixture` runs: `[proxy]` settings, `[[users]]`, and clusters in front of one server.
///
/// Every configuration has cluster `main` (the client's own credentials, `pool_size`) with client
/// database `app`; `clusters` adds more, each with a client database of the same name. Cluster
/// `main` may also have `replicas` of the fixture's primary, for read/write split tests.
package struct ProxyConfiguration: Sendable {
    /// A replica server of cluster `main` and its `weight`.
    package struct Replica: Sendable {
        /// The server; `nil` for an address where nothing listens (a replica that is never usable).
        package var server: LocalPostgres?
        package var host: String
        package var port: Int
        package var weight: Int

        /// A running replica of the fixture's primary.
        package init(_ server: LocalPostgres, weight: Int = 1) {
            self.server = server
            self.host = server.host
            self.port = server.port
            self.weight = weight
        }

        /// A configured replica at `host:port`, whatever runs there (usually nothing).
        package init(host: String = "127.0.0.1", port: Int, weight: Int = 1) {
            self.server = nil
            self.host = host
            self.port = port
            self.weight = weight
        }
    }

    /// A `[[users]]` entry: `password` is plaintext, an md5 secret or a SCRAM secret, as configured.
    package struct User: Sendable {
        package var name: String
        package var password: String

        package init(name: String, password: String) {
            self.name = name
            self.password = password
        }
    }

    /// An extra cluster (and client database of the same name) on the same server.
    package struct Cluster: Sendable {
        package var name: String
        /// The server login; `nil` for the client's own user and password.
        package var serverUser: String?
        package var serverPassword: String
        package var poolSize: Int

        package init(name: String, serverUser: String?, serverPassword: String = "", poolSize: Int = 4) {
            self.name = name
            self.serverUser = serverUser
            self.serverPassword = serverPassword
            self.poolSize = poolSize
        }
    }

    /// `"transaction"` or `"session"`.
    package var poolMode: String
    /// `pool_size` of cluster `main`.
    package var poolSize: Int
    package var users: [User]
    package var clusters: [Cluster]
    /// More `[proxy]` keys, values as TOML text (`"5"`, `"\"debug\""`).
    package var proxySettings: [String: String]
    /// Whether the server side gets a database of its own (see `ProxyFixture`); otherwise the
    /// shared database `app`.
    package var isolatedDatabase: Bool
    /// Replicas of cluster `main` after its primary, in this order (`[]`: the primary alone).
    package var replicas: [Replica] = []
    /// `weight` of cluster `main`'s primary (it takes reads with `primary_reads = "always"`).
    package var primaryWeight: Int?
    /// More `[databases.app]` keys, values as TOML text (`"\"lsn\""`, `"500"`).
    package var databaseSettings: [String: String] = [:]
    /// More `[health]` keys, values as TOML text (`"200"`).
    package var healthSettings: [String: String] = [:]

    package init(
        poolMode: String = "transaction",
        poolSize: Int = 10,
        users: [User] = ProxyConfiguration.plaintextTestUsers,
        clusters: [Cluster] = [],
        proxySettings: [String: String] = [:],
        isolatedDatabase: Bool = true
    ) {
        self.poolMode = poolMode
        self.poolSize = poolSize
        self.users = users
        self.clusters = clusters
        self.proxySettings = proxySettings
        self.isolatedDatabase = isolatedDatabase
    }

    /// Every `TestUser` with its plaintext password.
    package static var plaintextTestUsers: [User] {
        TestUser.all.map { User(name: $0.name, password: $0.password) }
    }

    /// The configuration file for a proxy listening on `port` in front of `server`, whose
    /// clusters use database `serverDatabase` there.
    package func toml(port: Int, server: LocalPostgres, serverDatabase: String) -> String {
        var proxy: [String: String] = [
            "listen": quoted("127.0.0.1:\(port)"),
            "admin_listen": quoted(""),
            "pool_mode": quoted(poolMode),
            "log_level": quoted("info"),
        ]
        proxy.merge(proxySettings) { $1 }
        var lines = ["[proxy]"]
        lines += proxy.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }
        var health = [
            "user": quoted(LocalPostgres.superuser),
            "password": quoted(LocalPostgres.superuserPassword),
        ]
        health.merge(healthSettings) { $1 }
        lines += ["", "[health]"] + health.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }
        for user in users {
            lines += ["", "[[users]]", "name = \(quoted(user.name))", "password = \(quoted(user.password))"]
        }
        let all = [Cluster(name: "main", serverUser: nil, poolSize: poolSize)] + clusters
        for cluster in all {
            lines += [
                "", "[clusters.\(cluster.name)]",
                "database = \(quoted(serverDatabase))",
                "user = \(quoted(cluster.serverUser ?? ""))",
                "password = \(quoted(cluster.serverUser == nil ? "" : cluster.serverPassword))",
                "pool_size = \(cluster.poolSize)",
                "", "[[clusters.\(cluster.name).servers]]",
                "host = \(quoted(server.host))",
                "port = \(server.port)",
                "role = \"primary\"",
            ]
            guard cluster.name == "main" else {
                lines += ["", "[databases.\(cluster.name)]", "cluster = \(quoted(cluster.name))"]
                continue
            }
            if let primaryWeight { lines.append("weight = \(primaryWeight)") }
            for replica in replicas {
                lines += [
                    "", "[[clusters.main.servers]]",
                    "host = \(quoted(replica.host))",
                    "port = \(replica.port)",
                    "role = \"replica\"",
                    "weight = \(replica.weight)",
                ]
            }
            lines += ["", "[databases.\(TestUser.database)]", "cluster = \"main\""]
            lines += databaseSettings.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A TOML basic string.
    private func quoted(_ text: String) -> String {
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
