// Router+Placement: the cluster and shards of a statement, from its tables, keys and hints.

import SwitchyardSQL

/// The cluster and shards a statement runs on.
struct Placement {
    var cluster: String?
    var shards: ShardRoute
}

/// Where a table lives.
enum TableHome: Hashable, Sendable {
    case cluster(String)
    case shardGroup(Int)
}

/// One database's rules flattened for matching: shard-group patterns first, then route
/// patterns, each with the home it gives, so matching walks one array in rule order.
final class CompiledRules: Sendable {
    let routing: DatabaseRouting
    private let patterns: [NamePattern]
    private let homes: [TableHome]

    init(_ routing: DatabaseRouting) {
        var patterns: [NamePattern] = []
        var homes: [TableHome] = []
        for (index, group) in routing.shardGroups.enumerated() {
            for pattern in group.tables {
                patterns.append(pattern)
                homes.append(.shardGroup(index))
            }
        }
        for route in routing.routes {
            for pattern in route.tables {
                patterns.append(pattern)
                homes.append(.cluster(route.cluster))
            }
        }
        self.routing = routing
        self.patterns = patterns
        self.homes = homes
    }

    /// The first matching shard group, else the first matching route, else the default cluster.
    func home(of table: TableReference) -> TableHome {
        let schema = table.name.schema
        let name = table.name.name
        for index in self.patterns.indices where self.patterns[index].matches(schema: schema, name: name) {
            return self.homes[index]
        }
        return .cluster(self.routing.defaultCluster)
    }
}

extension Router {
    func place(
        _ statement: StatementAnalysis, hints: RoutingHints, database: CompiledRules, context: RoutingContext,
        isWrite: Bool, isSchemaChange: Bool
    ) -> Result<Placement, RoutingError> {
        let tables = statement.tables
        let groups = database.routing.shardGroups

        // A cluster named by a hint or `SET switchyard.cluster` wins over the tables.
        if let forced = hints.cluster ?? context.overrides.cluster {
            for table in tables {
                guard case .shardGroup(let index) = database.home(of: table),
                    let shard = groups[index].clusters.firstIndex(of: forced)
                else { continue }
                return .success(Placement(cluster: forced, shards: .one(ShardTarget(index: shard, cluster: forced))))
            }
            return .success(Placement(cluster: forced, shards: .unsharded))
        }

        guard let firstTable = tables.first else {
            // A shard hint without a sharded table addresses the database's first table group.
            if !groups.isEmpty, hints.shard != nil || hints.shardKey != nil || context.overrides.shard != nil {
                return self.shardRoute(
                    group: 0, table: groups[0].tables.first?.description ?? "", statement: statement, hints: hints,
                    context: context, database: database, isWrite: isWrite, isSchemaChange: isSchemaChange
                ).map { Placement(cluster: Self.singleCluster(of: $0), shards: $0) }
            }
            return .success(Placement(cluster: database.routing.defaultCluster, shards: .unsharded))
        }

        // The common case: every table has the same home.
        let firstHome = database.home(of: firstTable)
        var mixedHomes: [TableHome]?
        for position in tables.indices.dropFirst() {
            let home = database.home(of: tables[position])
            if mixedHomes == nil, home != firstHome {
                mixedHomes = Array(repeating: firstHome, count: position)
            }
            mixedHomes?.append(home)
        }
        guard let homes = mixedHomes else {
            switch firstHome {
            case .cluster(let cluster):
                return .success(Placement(cluster: cluster, shards: .unsharded))
            case .shardGroup(let index):
                return self.shardRoute(
                    group: index, table: statement.tableNames[0], statement: statement, hints: hints, context: context,
                    database: database, isWrite: isWrite, isSchemaChange: isSchemaChange
                ).map { Placement(cluster: Self.singleCluster(of: $0), shards: $0) }
            }
        }
        return self.placeMixed(
            statement, homes: homes, hints: hints, database: database, context: context, isWrite: isWrite,
            isSchemaChange: isSchemaChange)
    }

    /// Tables with different homes may share a statement only if they all end up on one
    /// cluster (a table group resolved to one shard on the same cluster as the others).
    private func placeMixed(
        _ statement: StatementAnalysis, homes: [TableHome], hints: RoutingHints, database: CompiledRules,
        context: RoutingContext, isWrite: Bool, isSchemaChange: Bool
    ) -> Result<Placement, RoutingError> {
        var routes: [(group: Int, route: ShardRoute)] = []
        for (position, home) in homes.enumerated() {
            guard case .shardGroup(let index) = home, !routes.contains(where: { $0.group == index }) else { continue }
            // A missing key is not the problem here: tables of several homes can only share a
            // statement on one cluster, so an unkeyed group is reported as a cross-cluster join.
            switch self.shardRoute(
                group: index, table: statement.tableNames[position], statement: statement, hints: hints,
                context: context,
                database: database, isWrite: false, isSchemaChange: isSchemaChange)
            {
            case .success(let route): routes.append((index, route))
            case .failure(let error): return .failure(error)
            }
        }
        func route(of group: Int) -> ShardRoute {
            routes.first { $0.group == group }!.route
        }
        func cluster(of home: TableHome) -> String? {
            switch home {
            case .cluster(let name): return name
            case .shardGroup(let index): return Self.singleCluster(of: route(of: index))
            }
        }
        func describe(_ home: TableHome) -> String {
            switch home {
            case .cluster(let name):
                return "cluster \(name)"
            case .shardGroup(let index):
                switch route(of: index) {
                case .one(let target): return "cluster \(target.cluster)"
                case .several(let targets): return "clusters \(targets.map(\.cluster).joined(separator: ", "))"
                case .pending, .unsharded:
                    return "clusters \(database.routing.shardGroups[index].clusters.joined(separator: ", "))"
                }
            }
        }
        let common = cluster(of: homes[0])
        for position in homes.indices {
            guard let common, cluster(of: homes[position]) == common else {
                // Name the first table and the first one that cannot join it.
                let other = position > 0 ? position : (homes.firstIndex { $0 != homes[0] } ?? 0)
                return .failure(
                    .crossCluster(
                        statement.tableNames[0], describe(homes[0]), statement.tableNames[other], describe(homes[other])
                    ))
            }
        }
        let shard = routes.lazy.compactMap { if case .one(let target) = $0.route { return target } else { return nil } }
            .first
        return .success(Placement(cluster: common, shards: shard.map(ShardRoute.one) ?? .unsharded))
    }

    static func singleCluster(of route: ShardRoute) -> String? {
        if case .one(let target) = route { return target.cluster }
        return nil
    }
}
