// ClusterConfig+Decoding: reads [clusters.NAME] tables and their servers, checks each cluster.

extension ClusterConfig {
    /// Decodes one cluster; `health` tells whether health checks have a fallback login.
    static func decode(name: String, _ table: TableReader, health: HealthSettings) -> ClusterConfig {
        let database = table.string("database", default: name)
        if database.isEmpty { table.report(.empty(key: "database"), at: "database") }
        let user = table.string("user", default: "")
        let password = table.string("password", default: "")
        if user.isEmpty && !password.isEmpty {
            table.report(.passwordWithoutUser(table: table.path), at: "password")
        }
        if user.isEmpty && health.user == nil {
            table.report(.noHealthCheckUser(cluster: name))
        }

        let poolSize = table.integer("pool_size", default: 20, in: ConfigLimits.poolSize)
        var minPoolSize = table.integer("min_pool_size", default: 0, in: 0...ConfigLimits.poolSize.upperBound)
        if minPoolSize > poolSize {
            table.report(.minPoolSizeAbovePoolSize(minPoolSize: minPoolSize, poolSize: poolSize), at: "min_pool_size")
            minPoolSize = poolSize
        }

        let servers = Self.servers(table, cluster: name)
        table.finish()
        return ClusterConfig(
            name: name,
            database: database.isEmpty ? name : database,
            user: user.isEmpty ? nil : user,
            password: password,
            poolSize: poolSize,
            minPoolSize: minPoolSize,
            servers: servers
        )
    }

    /// `[[clusters.NAME.servers]]`: at least one, each `host:port` once, at most one primary.
    private static func servers(_ table: TableReader, cluster: String) -> [ServerConfig] {
        let serverTables = table.tableArray("servers")
        // A `servers` of the wrong type is already reported; only a missing or empty list
        // is reported again as "no servers".
        switch table.entries["servers"] {
        case nil:
            table.report(.clusterWithoutServers(cluster))
        case .array(let elements) where elements.isEmpty:
            table.report(.clusterWithoutServers(cluster), at: "servers")
        default:
            break
        }
        var servers: [ServerConfig] = []
        var addresses: Set<String> = []
        var hasPrimary = false
        for serverTable in serverTables {
            let host = serverTable.requiredString("host")
            if host == "" { serverTable.report(.empty(key: "host"), at: "host") }
            let server = ServerConfig(
                host: host ?? "",
                port: serverTable.integer("port", default: 5432, in: ConfigLimits.port),
                role: serverTable.choice("role", default: .replica),
                weight: serverTable.integer("weight", default: 1, in: 0...ConfigLimits.int32Max)
            )
            serverTable.finish()
            guard let host, !host.isEmpty else { continue }
            // Host names compare case-insensitively, as DNS does.
            if !addresses.insert(server.address.lowercased()).inserted {
                serverTable.report(.duplicateServer(address: server.address, cluster: cluster))
            }
            if server.role == .primary {
                if hasPrimary { serverTable.report(.multiplePrimaries(cluster: cluster), at: "role") }
                hasPrimary = true
            }
            servers.append(server)
        }
        return servers
    }
}
