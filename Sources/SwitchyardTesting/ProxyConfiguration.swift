// ProxyConfiguration: the settings of a proxy under test, written out as the daemon's TOML file.

/// What a `ProxyFixture` runs: `[proxy]` settings, `[[users]]`, and clusters in front of one server.
///
/// Every configuration has cluster `main` (the client's own credentials, `pool_size`) with client
/// database `app`; `clusters` adds more, each with a client database of the same name unless it
/// says otherwise. By default every cluster has the fixture's server as its only server;
/// `mainServers` and `Cluster.servers` name others. Cluster `main` may instead have `replicas` of
/// the fixture's primary, for read/write split tests.
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
        /// `admin = true`: may use the admin console (database `switchyard`).
        package var isAdmin: Bool

        package init(name: String, password: String, isAdmin: Bool = false) {
            self.name = name
            self.password = password
            self.isAdmin = isAdmin
        }
    }

    /// A `[[clusters.X.servers]]` entry.
    package struct Server: Sendable, Equatable {
        package var host: String
        package var port: Int
        /// `"primary"` or `"replica"`.
        package var role: String
        /// `weight`; `nil` leaves the default.
        package var weight: Int?

        package init(host: String, port: Int, role: String, weight: Int? = nil) {
            self.host = host
            self.port = port
            self.role = role
            self.weight = weight
        }

        /// `server` with the given role.
        package init(_ server: LocalPostgres, role: String) {
            self.init(host: server.host, port: server.port, role: role)
        }

        /// `host:port`, as stats and metrics name a server.
        package var address: String { "\(host):\(port)" }
    }

    /// An extra cluster (and client database of the same name) on the same server.
    package struct Cluster: Sendable {
        package var name: String
        /// The server login; `nil` for the client's own user and password.
        package var serverUser: String?
        package var serverPassword: String
        package var poolSize: Int
        /// The servers; `nil` for the fixture's server alone, as primary.
        package var servers: [Server]?
        /// The database on the servers; `nil` for the fixture's server database.
        package var database: String?
        /// Whether clients get a database of the cluster's name (`[databases.NAME]`).
        package var hasClientDatabase: Bool

        package init(
            name: String,
            serverUser: String?,
            serverPassword: String = "",
            poolSize: Int = 4,
            servers: [Server]? = nil,
            database: String? = nil,
            hasClientDatabase: Bool = true
        ) {
            self.name = name
            self.serverUser = serverUser
            self.serverPassword = serverPassword
            self.poolSize = poolSize
            self.servers = servers
            self.database = database
            self.hasClientDatabase = hasClientDatabase
        }
    }

    /// A `[[databases.app.routes]]` entry: tables (globs) that live on another cluster.
    package struct Route: Sendable {
        package var tables: [String]
        package var cluster: String

        package init(tables: [String], cluster: String) {
            self.tables = tables
            self.cluster = cluster
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
    /// Ignored when `mainServers` is set.
    package var replicas: [Replica] = []
    /// `weight` of cluster `main`'s primary (it takes reads with `primary_reads = "always"`).
    package var primaryWeight: Int?
    /// The servers of cluster `main`; `nil` for the fixture's server as primary (plus `replicas`).
    package var mainServers: [Server]?
    /// The admin port (`admin_listen = "127.0.0.1:PORT"`); `nil` leaves it disabled.
    package var adminPort: Int?
    /// More `[health]` keys, values as TOML text (`"200"`).
    package var healthSettings: [String: String]
    /// More keys of `[databases.app]`, values as TOML text (`"false"`, `"\"lsn\""`).
    package var databaseSettings: [String: String]
    /// `[[databases.app.routes]]`, in order.
    package var routes: [Route]

    package init(
        poolMode: String = "transaction",
        poolSize: Int = 10,
        users: [User] = ProxyConfiguration.plaintextTestUsers,
        clusters: [Cluster] = [],
        proxySettings: [String: String] = [:],
        isolatedDatabase: Bool = true,
        mainServers: [Server]? = nil,
        adminPort: Int? = nil,
        healthSettings: [String: String] = [:],
        databaseSettings: [String: String] = [:],
        routes: [Route] = []
    ) {
        self.poolMode = poolMode
        self.poolSize = poolSize
        self.users = users
        self.clusters = clusters
        self.proxySettings = proxySettings
        self.isolatedDatabase = isolatedDatabase
        self.mainServers = mainServers
        self.adminPort = adminPort
        self.healthSettings = healthSettings
        self.databaseSettings = databaseSettings
        self.routes = routes
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
            "admin_listen": quoted(adminPort.map { "127.0.0.1:\($0)" } ?? ""),
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
            if user.isAdmin { lines.append("admin = true") }
        }
        let fixtureServer = [Server(server, role: "primary")]
        let all = [Cluster(name: "main", serverUser: nil, poolSize: poolSize, servers: mainServers)] + clusters
        for cluster in all {
            lines += [
                "", "[clusters.\(cluster.name)]",
                "database = \(quoted(cluster.database ?? serverDatabase))",
                "user = \(quoted(cluster.serverUser ?? ""))",
                "password = \(quoted(cluster.serverUser == nil ? "" : cluster.serverPassword))",
                "pool_size = \(cluster.poolSize)",
            ]
            var servers = cluster.servers ?? fixtureServer
            if cluster.name == "main" && cluster.servers == nil {
                servers += replicas.map { Server(host: $0.host, port: $0.port, role: "replica", weight: $0.weight) }
            }
            for (index, entry) in servers.enumerated() {
                lines += [
                    "", "[[clusters.\(cluster.name).servers]]",
                    "host = \(quoted(entry.host))",
                    "port = \(entry.port)",
                    "role = \(quoted(entry.role))",
                ]
                if let weight = entry.weight {
                    lines.append("weight = \(weight)")
                } else if cluster.name == "main" && index == 0 && cluster.servers == nil, let primaryWeight {
                    lines.append("weight = \(primaryWeight)")
                }
            }
            guard cluster.name == "main" || cluster.hasClientDatabase else { continue }
            let database = cluster.name == "main" ? TestUser.database : cluster.name
            lines += ["", "[databases.\(database)]", "cluster = \(quoted(cluster.name))"]
            guard cluster.name == "main" else { continue }
            lines += databaseSettings.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }
            for route in routes {
                lines += [
                    "", "[[databases.\(database).routes]]",
                    "tables = [\(route.tables.map(quoted).joined(separator: ", "))]",
                    "cluster = \(quoted(route.cluster))",
                ]
            }
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
