// ProxyConfiguration: the settings of a proxy under test, written out as the daemon's TOML file.

/// What a `ProxyFixture` runs: `[proxy]` settings, `[[users]]`, and clusters in front of one server.
///
/// Every configuration has cluster `main` (the client's own credentials, `pool_size`) with client
/// database `app`; `clusters` adds more, each with a client database of the same name.
package struct ProxyConfiguration: Sendable {
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
        lines += [
            "", "[health]",
            "user = \(quoted(LocalPostgres.superuser))",
            "password = \(quoted(LocalPostgres.superuserPassword))",
        ]
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
            let database = cluster.name == "main" ? TestUser.database : cluster.name
            lines += ["", "[databases.\(database)]", "cluster = \(quoted(cluster.name))"]
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
