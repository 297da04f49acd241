// Config+Entries: the running configuration as key/value pairs for the console's SHOW CONFIG.
import SwitchyardAdmin
import SwitchyardConfig

extension Config {
    /// Every setting in force, keyed as in the file (`proxy.listen`, `clusters.main.pool_size`).
    /// Secrets are included as they are; `ConfigEntry.masked` hides them before display.
    package var entries: [ConfigEntry] {
        var entries: [ConfigEntry] = []
        func add(_ key: String, _ value: Any?) {
            entries.append(ConfigEntry(key: key, value: value.map { "\($0)" } ?? ""))
        }
        let proxy = self.proxy
        add("proxy.listen", proxy.listen)
        add("proxy.admin_listen", proxy.adminListen)
        add("proxy.admin_token", proxy.adminToken)
        add("proxy.workers", proxy.workers)
        add("proxy.pool_mode", proxy.poolMode.rawValue)
        add("proxy.max_client_connections", proxy.maxClientConnections)
        add("proxy.client_login_timeout_ms", proxy.clientLoginTimeoutMs)
        add("proxy.query_wait_timeout_ms", proxy.queryWaitTimeoutMs)
        add("proxy.idle_transaction_timeout_ms", proxy.idleTransactionTimeoutMs)
        add("proxy.shutdown_timeout_ms", proxy.shutdownTimeoutMs)
        add("proxy.max_message_bytes", proxy.maxMessageBytes)
        add("proxy.tls_cert_file", proxy.tlsCertificate?.certFile)
        add("proxy.tls_key_file", proxy.tlsCertificate?.keyFile)
        add("proxy.client_tls", proxy.clientTLS.rawValue)
        add("proxy.server_tls", proxy.serverTLS.rawValue)
        add("proxy.server_tls_ca_file", proxy.serverTLSCAFile)
        add("proxy.server_connect_timeout_ms", proxy.serverConnectTimeoutMs)
        add("proxy.server_idle_timeout_ms", proxy.serverIdleTimeoutMs)
        add("proxy.max_prepared_statements", proxy.maxPreparedStatements)
        add("proxy.log_level", proxy.logLevel.rawValue)
        let health = self.health
        add("health.interval_ms", health.intervalMs)
        add("health.timeout_ms", health.timeoutMs)
        add("health.failure_threshold", health.failureThreshold)
        add("health.max_replica_lag_bytes", health.maxReplicaLagBytes)
        add("health.promote", health.promote.rawValue)
        add("health.promote_after_ms", health.promoteAfterMs)
        add("health.user", health.user)
        add("health.password", health.password)
        for user in self.users {
            add("users.\(user.name).password", user.password.configText)
            add("users.\(user.name).admin", user.isAdmin)
        }
        for cluster in self.orderedClusters {
            let prefix = "clusters.\(cluster.name)"
            add("\(prefix).database", cluster.database)
            add("\(prefix).user", cluster.user)
            add("\(prefix).password", cluster.password)
            add("\(prefix).pool_size", cluster.poolSize)
            add("\(prefix).min_pool_size", cluster.minPoolSize)
            for (index, server) in cluster.servers.enumerated() {
                add("\(prefix).servers[\(index)]", "\(server.host):\(server.port) \(server.role.rawValue) weight \(server.weight)")
            }
        }
        for database in self.orderedDatabases {
            let prefix = "databases.\(database.name)"
            add("\(prefix).cluster", database.cluster)
            add("\(prefix).read_write_split", database.readWriteSplit)
            add("\(prefix).load_balance", database.loadBalance.rawValue)
            add("\(prefix).primary_reads", database.primaryReads.rawValue)
            add("\(prefix).read_after_write", database.readAfterWrite.rawValue)
            add("\(prefix).read_after_write_window_ms", database.readAfterWriteWindowMs)
            add("\(prefix).write_functions", database.writeFunctions.joined(separator: ", "))
            add("\(prefix).cross_cluster_transactions", database.crossClusterTransactions.rawValue)
            for (index, route) in database.routes.enumerated() {
                add("\(prefix).routes[\(index)]", "\(route.tables.joined(separator: ", ")) -> \(route.cluster)")
            }
            for (index, group) in database.shards.enumerated() {
                add(
                    "\(prefix).shards[\(index)]",
                    "\(group.tables.joined(separator: ", ")) by \(group.key) (\(group.keyType.rawValue), \(group.function.rawValue)) on \(group.clusters.joined(separator: ", "))"
                )
            }
        }
        return entries
    }
}

extension PasswordSecret {
    /// The secret as it would be written in the file (masked before display).
    var configText: String {
        switch self {
        case .plaintext(let text): return text
        case .md5(let hex): return "md5" + hex
        case .scramSHA256: return "SCRAM-SHA-256$..."
        }
    }
}
