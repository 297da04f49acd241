// DatabaseConfig+Decoding: reads [databases.NAME] tables, their routes and shard groups.

extension DatabaseConfig {
    /// Decodes one database; `clusters` are the defined cluster names that references must use.
    static func decode(name: String, _ table: TableReader, clusters: Set<String>) -> DatabaseConfig {
        if name == Config.adminConsoleDatabase {
            table.report(.reservedDatabase(name))
        }
        let cluster = Self.clusterReference(table, "cluster", clusters: clusters)
        let database = DatabaseConfig(
            name: name,
            cluster: cluster ?? "",
            readWriteSplit: table.boolean("read_write_split", default: true),
            loadBalance: table.choice("load_balance", default: .roundRobin),
            primaryReads: table.choice("primary_reads", default: .fallback),
            readAfterWrite: table.choice("read_after_write", default: .window),
            readAfterWriteWindowMs: table.milliseconds("read_after_write_window_ms", default: 1_000),
            writeFunctions: Self.names(table, "write_functions", required: false),
            crossClusterTransactions: table.choice("cross_cluster_transactions", default: .twoPhase),
            routes: table.tableArray("routes").map { Self.route($0, clusters: clusters) },
            shards: table.tableArray("shards").map { Self.shardGroup($0, clusters: clusters) }
        )
        table.finish()
        return database
    }

    private static func route(_ table: TableReader, clusters: Set<String>) -> RouteRule {
        let rule = RouteRule(
            tables: Self.names(table, "tables", required: true),
            cluster: Self.clusterReference(table, "cluster", clusters: clusters) ?? ""
        )
        table.finish()
        return rule
    }

    private static func shardGroup(_ table: TableReader, clusters: Set<String>) -> ShardGroup {
        let tables = Self.names(table, "tables", required: true)
        let key = table.requiredString("key")
        if key == "" { table.report(.empty(key: "key"), at: "key") }
        let keyType: ShardKeyType = table.choice("key_type", default: .bigint)
        let function: ShardFunction = table.choice("function", default: .pgHash)
        if function == .modulo && keyType == .text {
            table.report(.moduloNeedsBigintKey, at: "function")
        }
        let shardClusters = Self.names(table, "clusters", required: true)
        for (index, name) in shardClusters.enumerated() where !name.isEmpty && !clusters.contains(name) {
            table.log.report(.unknownCluster(name), at: table.path.appending("clusters").appending(index: index))
        }
        table.finish()
        return ShardGroup(tables: tables, key: key ?? "", keyType: keyType, function: function, clusters: shardClusters)
    }

    /// A key naming a cluster: required, and the cluster must exist.
    private static func clusterReference(_ table: TableReader, _ key: String, clusters: Set<String>) -> String? {
        guard let name = table.requiredString(key) else { return nil }
        if name.isEmpty {
            table.report(.empty(key: key), at: key)
        } else if !clusters.contains(name) {
            table.report(.unknownCluster(name), at: key)
        }
        return name
    }

    /// A list of names or patterns: no element may be empty; `required` lists need one at least.
    private static func names(_ table: TableReader, _ key: String, required: Bool) -> [String] {
        if required && !table.contains(key) {
            table.report(.missingKey(key, table: table.path), at: key)
            return []
        }
        let names = table.stringArray(key, default: [])
        if required && names.isEmpty && table.contains(key) {
            table.report(.empty(key: key), at: key)
        }
        for (index, name) in names.enumerated() where name.isEmpty {
            table.log.report(.empty(key: "\(key)[\(index)]"), at: table.path.appending(key).appending(index: index))
        }
        return names
    }
}
