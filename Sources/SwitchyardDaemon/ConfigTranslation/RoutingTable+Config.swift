// RoutingTable+Config: the routing rules of a validated Config, for the router.
import SwitchyardConfig
import SwitchyardRouting

/// A table or function pattern that does not compile.
package struct InvalidPatternError: Error, CustomStringConvertible {
    package var pattern: String
    package var database: String
    package var description: String { "invalid name pattern \"\(self.pattern)\" in [databases.\(self.database)]" }
}

extension RoutingTable {
    /// The routing rules of every database in `config`.
    package init(_ config: Config) throws {
        var databases: [DatabaseRouting] = []
        for database in config.orderedDatabases {
            func patterns(_ texts: [String]) throws -> [NamePattern] {
                try texts.map { text in
                    guard let pattern = NamePattern(text) else {
                        throw InvalidPatternError(pattern: text, database: database.name)
                    }
                    return pattern
                }
            }
            databases.append(
                DatabaseRouting(
                    name: database.name,
                    defaultCluster: database.cluster,
                    readWriteSplit: database.readWriteSplit,
                    writeFunctions: try patterns(database.writeFunctions),
                    shardGroups: try database.shards.map { group in
                        SwitchyardRouting.ShardGroup(
                            tables: try patterns(group.tables),
                            key: group.key,
                            keyType: group.keyType == .text ? .text : .bigint,
                            function: group.function == .modulo ? .modulo : .pgHash,
                            clusters: group.clusters
                        )
                    },
                    routes: try database.routes.map { TableRoute(tables: try patterns($0.tables), cluster: $0.cluster) }
                )
            )
        }
        self.init(databases: databases, clusters: Set(config.clusterOrder))
    }
}
