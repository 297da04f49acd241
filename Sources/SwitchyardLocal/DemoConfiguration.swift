// DemoConfiguration: the Switchyard TOML configuration for the demo servers (SPEC section 2).

/// The inputs of the demo configuration: where the proxy listens and where each server is.
package struct DemoConfiguration: Sendable {
    package var proxyPort: Int
    package var adminPort: Int
    /// `host:port` of the servers; the replica belongs to cluster `main`.
    package var primary: (host: String, port: Int)
    package var replica: (host: String, port: Int)
    package var shards: [(host: String, port: Int)]
    /// The directory the servers run in, mentioned in a comment.
    package var directory: String

    /// The demo's client login and database: user `app`, password `app`, database `app`.
    package static let user = "app"
    package static let password = "app"
    package static let database = "app"

    /// The configuration text: cluster `main` (primary and replica), one cluster per shard, database
    /// `app` on `main` with table `orders` sharded by `customer_id` over the shard clusters.
    package var text: String {
        var lines = [
            "# Switchyard demo configuration, written by `switchyard demo`.",
            "# The PostgreSQL servers below run under \(directory) and stop when the demo ends.",
            "",
            "[proxy]",
            "listen = \(quoted("127.0.0.1:\(proxyPort)"))",
            "admin_listen = \(quoted("127.0.0.1:\(adminPort)"))",
            "",
            "[health]",
            "user = \(quoted(Self.user))",
            "password = \(quoted(Self.password))",
            "",
            "[[users]]",
            "name = \(quoted(Self.user))",
            "password = \(quoted(Self.password))",
            "admin = true",
            "",
        ]
        lines += cluster("main", servers: [(primary, "primary"), (replica, "replica")])
        for (index, shard) in shards.enumerated() {
            lines += cluster("shard\(index)", servers: [(shard, "primary")])
        }
        let shardClusters = shards.indices.map { quoted("shard\($0)") }.joined(separator: ", ")
        lines += [
            "[databases.\(Self.database)]",
            "cluster = \"main\"",
            "",
            "[[databases.\(Self.database).shards]]",
            "tables = [\"orders\"]",
            "key = \"customer_id\"",
            "key_type = \"bigint\"",
            "function = \"pg_hash\"",
            "clusters = [\(shardClusters)]",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    private func cluster(_ name: String, servers: [((host: String, port: Int), String)]) -> [String] {
        var lines = ["[clusters.\(name)]", "database = \(quoted(Self.database))", ""]
        for (server, role) in servers {
            lines += [
                "[[clusters.\(name).servers]]",
                "host = \(quoted(server.host))",
                "port = \(server.port)",
                "role = \(quoted(role))",
                "",
            ]
        }
        return lines
    }

    /// A TOML basic string: double quotes, with `"`, `\` and control characters escaped.
    private func quoted(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
